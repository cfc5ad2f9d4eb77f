"""Running the MCP server: one warm Session, then stdio (default) or Streamable HTTP.

Over stdio, stdout is the protocol: while the Session opens (embedded database,
schema) file descriptor 1 points at stderr, so no progress line, warning or C-level
log (llama.cpp) can reach it; while serving, the SDK keeps it diverted the same way
and writes protocol frames through a private duplicate.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from engine.mcp.http import BearerToken, check_bind
from engine.mcp.settings import McpSettings
from engine.settings import Settings

DEFAULT_PORT = 8766
HTTP_PATH = "/mcp"


def progress(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


@contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Point fd 1 at stderr for the block; restore it after."""
    sys.stdout.flush()
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def open_session(settings: Settings, model: Any = None) -> Any:
    """The one Session of the server's lifetime (database and schema now, model on warm-up)."""
    from engine.session import Session

    with stdout_to_stderr():
        return Session(settings=settings, model=model, progress=progress)


def build_app(server: Any, *, host: str, token: str | None) -> Any:
    """The Streamable HTTP ASGI app at /mcp, behind the bearer token when one is set."""
    app = server.streamable_http_app(streamable_http_path=HTTP_PATH, host=host)
    return BearerToken(app, token) if token else app


def serve(
    settings: Settings,
    mcp_settings: McpSettings,
    *,
    http: bool = False,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    on_ready: Callable[[str], None] = progress,
) -> None:
    """Open the Session, build the server and serve until stdin closes (stdio) or Ctrl-C (HTTP)."""
    import anyio

    from engine.mcp.server import build_server
    from engine.mcp.tools import McpTools

    token = mcp_settings.token.get_secret_value() if mcp_settings.token else None
    if http:
        check_bind(host, token)
    session = open_session(settings)
    try:
        server = build_server(McpTools(session, mcp_settings))
        if not http:
            on_ready("decide-sql mcp: serving MCP over stdio (protocol on stdout, logs on stderr)")
            anyio.run(server.run_stdio_async)
            return
        import uvicorn

        app = build_app(server, host=host, token=token)
        where = f"http://{'[' + host + ']' if ':' in host else host}:{port}{HTTP_PATH}"
        on_ready(f"decide-sql mcp: serving MCP over Streamable HTTP at {where}" + (" (bearer token required)" if token else ""))
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")).run()
    finally:
        session.close()
