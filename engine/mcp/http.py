"""Streamable HTTP for the MCP server: a bearer token off loopback, checked in constant time.

Binding to anything but a loopback address without a token is refused at startup:
anyone who can reach the port could otherwise read the database through the tools.
With a token, every HTTP request must carry ``Authorization: Bearer <token>``;
anything else gets 401 and the CLI's JSON error object.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import TYPE_CHECKING

from engine.errors import BadInput

if TYPE_CHECKING:  # types only: importing the CLI must not pull in the ASGI stack
    from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_NAMES = {"localhost", "ip6-localhost", "ip6-loopback"}
UNAUTHORIZED = {
    "status": "error",
    "error": {
        "code": "unauthorized",
        "message": "missing or wrong bearer token; send the header Authorization: Bearer <token> with the server's --token (DECIDE_SQL_TOKEN)",
    },
}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: only this machine can connect."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback bind without a token (before anything is opened)."""
    if not is_loopback(host) and not token:
        raise BadInput(
            f"--host {host} is reachable from other machines; pass --token SECRET (or set DECIDE_SQL_TOKEN) "
            "so that every request must carry it, or bind to 127.0.0.1"
        )
    if token is not None and len(token) < 16:
        raise BadInput("the token is shorter than 16 characters; use a long random one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'")


class BearerToken:
    """ASGI middleware: every HTTP request needs ``Authorization: Bearer <token>`` (compared in constant time)."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self.authorized(scope):
            body = json.dumps(UNAUTHORIZED).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"www-authenticate", b"Bearer")],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def authorized(self, scope: Scope) -> bool:
        given = next((value for name, value in scope.get("headers", []) if name == b"authorization"), b"")
        return hmac.compare_digest(given, self.expected)
