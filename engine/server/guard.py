"""The server's ASGI guards: token, body size, security headers, and no traceback ever.

``Guard`` wraps the whole application:

- every ``/api`` request must carry ``Authorization: Bearer <token>`` when the
  server has a token (compared in constant time, ``hmac.compare_digest``);
- a request body is read at most ``max_body_bytes`` far: beyond that, 413
  without reading the rest;
- every response gets a strict Content-Security-Policy (the page loads only
  its own files) and no-sniff / no-referrer / no-framing headers;
- an exception that escapes a route becomes the CLI's JSON error object with
  status 500 and one log line without the message's secrets, never a traceback.
"""

from __future__ import annotations

import hmac
import json
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from engine.database.urls import scrub
from engine.errors import DecideSqlError, ExitCode

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


def error_payload(err: DecideSqlError) -> dict[str, Any]:
    """The CLI's JSON error object for ``err``."""
    return {"status": "refused" if err.exit_code == ExitCode.REFUSED else "error", "error": err.to_dict()}


def error_bytes(code: str, message: str, status: str = "error") -> bytes:
    return json.dumps({"status": status, "error": {"code": code, "message": message}}).encode()


async def send_error(send: Send, http_status: int, code: str, message: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = error_bytes(code, message)
    await send({
        "type": "http.response.start",
        "status": http_status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *(headers or []), *SECURITY_HEADERS],
    })
    await send({"type": "http.response.body", "body": body})


class Guard:
    def __init__(self, app: Callable[..., Awaitable[None]], *, token: str | None, max_body_bytes: int, secrets: Callable[[], list[str]]) -> None:
        self.app = app
        self.token = token.encode() if token else None
        self.max_body_bytes = max_body_bytes
        self.secrets = secrets  # the values no log line or message may show

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        if path.startswith("/api") and self.token is not None and scope.get("method") != "OPTIONS" and not self._authorized(scope):
            await send_error(send, 401, "unauthorized", "missing or wrong token: send the header Authorization: Bearer <token> (the server's --token)", [(b"www-authenticate", b"Bearer")])
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            await send_error(send, 413, "body_too_large", f"request body is {declared:,} bytes; the limit is {self.max_body_bytes:,}: send a shorter question or statement")
            return
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            body, complete = await self._read_body(receive)
            if not complete:
                if body is not None:
                    await send_error(send, 413, "body_too_large", f"request body is over the limit of {self.max_body_bytes:,} bytes: send a shorter question or statement")
                return
            receive = _replay(body or b"", receive)
        started = False

        async def guarded_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception as exc:  # noqa: BLE001 - a bug must not show a traceback to anyone
            line = scrub(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", *self.secrets())
            sys.stderr.write(f"internal error on {scope.get('method')} {path}: {line[:300]}\n")
            if not started:
                await send_error(send, 500, "internal_error", f"internal error: {line[:300]} (rerun the server with DECIDE_SQL_DEBUG=1 and report it)")

    def _authorized(self, scope: Scope) -> bool:
        given = b""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                scheme, _, rest = value.partition(b" ")
                if scheme.lower() == b"bearer":
                    given = rest.strip()
        assert self.token is not None
        return hmac.compare_digest(given, self.token)

    async def _read_body(self, receive: Receive) -> tuple[bytes | None, bool]:
        """The whole body, or (partial, False) past the limit, or (None, False) when the client left."""
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None, False
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return b"", False
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), True


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # later calls: the client's disconnect

    return replayed
