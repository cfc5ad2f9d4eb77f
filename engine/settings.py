"""Settings from the environment and an optional ``.env`` file.

Precedence: CLI option > environment variable > ``.env`` in the working
directory > default. Every variable is documented in ``.env.sample``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TypeVar

import platformdirs
from dotenv import dotenv_values
from pydantic import BaseModel, Field, SecretStr, ValidationError

from engine.errors import ConfigError

# Environment variable for each field (fields not listed have no variable).
ENV_VARS: dict[str, str] = {
    "database_url": "DATABASE_URL",
    "model": "DECIDE_SQL_MODEL",
    "openai_api_key": "OPENAI_API_KEY",
    "openai_base_url": "OPENAI_BASE_URL",
    "max_rows": "DECIDE_SQL_MAX_ROWS",
    "max_attempts": "DECIDE_SQL_MAX_ATTEMPTS",
    "statement_timeout_ms": "DECIDE_SQL_STATEMENT_TIMEOUT_MS",
    "lock_timeout_ms": "DECIDE_SQL_LOCK_TIMEOUT_MS",
    "idle_timeout_ms": "DECIDE_SQL_IDLE_TIMEOUT_MS",
    "max_result_bytes": "DECIDE_SQL_MAX_RESULT_BYTES",
    "model_timeout_s": "DECIDE_SQL_MODEL_TIMEOUT_S",
    "model_retries": "DECIDE_SQL_MODEL_RETRIES",
    "data_dir": "DECIDE_SQL_DATA_DIR",
    "cache_dir": "DECIDE_SQL_CACHE_DIR",
    "allow_system_catalogs": "DECIDE_SQL_ALLOW_SYSTEM_CATALOGS",
    "prefix_cache_mb": "DECIDE_SQL_PREFIX_CACHE_MB",
    "rewrites": "DECIDE_SQL_REWRITES",
    "check_answerable": "DECIDE_SQL_CHECK_ANSWERABLE",
    "candidates": "DECIDE_SQL_CANDIDATES",
}


class Settings(BaseModel):
    """Everything configurable. Secrets are ``SecretStr`` so they never print."""

    database_url: str | None = None  # None: the embedded demo database
    model: str = "local"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    max_rows: int = Field(500, ge=1, le=1_000_000)
    max_attempts: int = Field(2, ge=0, le=10)  # repair attempts after the first plan
    statement_timeout_ms: int = Field(15_000, ge=1)
    lock_timeout_ms: int = Field(2_000, ge=1)
    idle_timeout_ms: int = Field(30_000, ge=1)
    max_result_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    model_timeout_s: float = Field(60.0, gt=0, le=3600)  # per request to a model server: a hung server fails, not hangs
    model_retries: int = Field(2, ge=0, le=10)  # retries of a failed or timed-out model request
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("decide-sql")))
    cache_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_cache_dir("decide-sql")))
    allow_system_catalogs: bool = False
    prefix_cache_mb: int = Field(1024, ge=0, le=1_000_000)  # disk for saved schema-prefix KV states (LRU); 0: off
    check_answerable: bool = False  # refuse questions about data no table holds (not_in_database); off: 5% false refusals measured (1.5B, docs/results.md)
    rewrites: str = "all"  # rewrite steps to apply: all, none, or a comma-separated list (engine/rewrites/pipeline.py STEPS)
    candidates: int = Field(1, ge=1, le=9)  # SQL candidates of the plan decision voted by their results (engine/voting.py); 1: the greedy plan only

    @classmethod
    def load(cls, env_file: str | Path | None = ".env", **overrides: object) -> "Settings":
        """Build settings from ``.env``, the environment and explicit overrides (None = unset)."""
        return load_settings(cls, ENV_VARS, env_file, overrides)


M = TypeVar("M", bound=BaseModel)


def load_settings(model: type[M], env_vars: dict[str, str], env_file: str | Path | None, overrides: dict[str, object]) -> M:
    """``model`` from option > environment > ``.env`` > default; a one-line ConfigError naming the variable."""
    values: dict[str, object] = {}
    file_values = dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}
    for field, var in env_vars.items():
        raw = os.environ.get(var, file_values.get(var))
        if raw not in (None, ""):
            values[field] = raw
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return model(**values)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "?"
        raise ConfigError(f"invalid setting {env_vars.get(field, field)}: {err['msg']}; fix it in the environment or .env") from None
