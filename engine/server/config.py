"""What ``decide-sql serve`` is configured with, checked before anything binds.

Binding to anything but loopback without a token is refused here: the API
runs SQL on the database, so a server reachable from the network must ask
every caller for the token.
"""

from __future__ import annotations

import ipaddress
import os

from pydantic import BaseModel, Field, SecretStr

from engine.errors import ConfigError

TOKEN_VAR = "DECIDE_SQL_TOKEN"
CONCURRENCY_VAR = "DECIDE_SQL_SERVE_CONCURRENCY"
REMOTE_KINDS = ("openai", "vllm")  # backends that answer several questions at once
MIN_TOKEN_CHARS = 16


class ServerConfig(BaseModel):
    """Options of the HTTP server (the engine's own settings stay in engine.settings.Settings)."""

    host: str = "127.0.0.1"
    port: int = Field(8765, ge=0, le=65535)  # 0: any free port (tests)
    token: SecretStr | None = None
    cors_origin: str | None = None  # one origin allowed to call the API from a browser; none by default
    max_body_bytes: int = Field(128 * 1024, ge=1024)  # a 10,000-character question fits, escaped
    queue_size: int = Field(8, ge=0, le=10_000)  # requests that may wait for the model beyond those it answers
    concurrency: int = Field(4, ge=1, le=64)  # questions answered at once on remote backends (local: always 1)
    sql_pool: int = Field(2, ge=1, le=64)  # database connections for /api/sql
    sql_queue_size: int = Field(256, ge=0, le=100_000)
    max_conversations: int = Field(1000, ge=1)
    conversation_age_s: float = Field(3600.0, gt=0)

    @classmethod
    def load(cls, **options: object) -> "ServerConfig":
        """Options over the environment (DECIDE_SQL_TOKEN, DECIDE_SQL_SERVE_CONCURRENCY) over defaults; checked."""
        values = {k: v for k, v in options.items() if v is not None}
        if "token" not in values and os.environ.get(TOKEN_VAR):
            values["token"] = os.environ[TOKEN_VAR]
        if "concurrency" not in values and os.environ.get(CONCURRENCY_VAR):
            values["concurrency"] = os.environ[CONCURRENCY_VAR]
        try:
            config = cls(**values)
        except ValueError as exc:
            err = exc.errors()[0] if hasattr(exc, "errors") else {"loc": ("?",), "msg": str(exc)}
            raise ConfigError(f"invalid server option {err['loc'][0]}: {err['msg']}; see decide-sql serve --help") from None
        config.check()
        return config

    def check(self) -> None:
        token = self.token.get_secret_value() if self.token else ""
        if self.token is not None and len(token) < MIN_TOKEN_CHARS:
            raise ConfigError(f"--token is {len(token)} characters; use at least {MIN_TOKEN_CHARS} random ones, e.g. $(python3 -c 'import secrets; print(secrets.token_urlsafe())')")
        if not is_loopback(self.host) and self.token is None:
            raise ConfigError(f"--host {self.host} is reachable from other machines: pass --token (or set {TOKEN_VAR}), or bind to 127.0.0.1")
        if self.cors_origin is not None and (self.cors_origin == "*" or not self.cors_origin.startswith(("http://", "https://"))):
            raise ConfigError(f"--cors {self.cors_origin!r}: give one origin such as https://app.example.com (no wildcard)")

    def slots_for(self, model_spec: str) -> int:
        """Questions answered at once: one for an in-process model, ``concurrency`` for a model server."""
        return self.concurrency if model_spec.partition(":")[0] in REMOTE_KINDS else 1


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
