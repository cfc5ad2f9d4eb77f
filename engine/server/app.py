"""The application factory: FastAPI routes, the guards, the web page, and the state's lifetime.

``create_app(config, settings)`` opens nothing by itself: the lifespan opens
the ServerState (model, sessions, connection pool) before the first request and
closes it on shutdown (Ctrl-C), so no connection outlives the server. Errors are
the CLI's JSON error objects (``{"status": "error", "error": {code, message}}``)
with an HTTP status: 400 bad input, 401 token, 404/405 no such endpoint, 413 body
too large, 503 queue full, 500 a bug (never a traceback).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import DecideSqlError, ExitCode
from engine.server.config import ServerConfig
from engine.server.guard import Guard, error_payload
from engine.server.pool import QueueFull
from engine.server.routes import EXIT_HEADER, router
from engine.server.state import ServerState
from engine.settings import Settings
from engine.database.urls import password_of, scrub

STATIC = resources.files("engine.server") / "static"
HTTP_STATUS = {ExitCode.BAD_INPUT: 400, ExitCode.REFUSED: 200, ExitCode.DATABASE: 502, ExitCode.MODEL: 502, ExitCode.INTERNAL: 500}


def create_app(config: ServerConfig, settings: Settings, *, model: Any = None, progress: Callable[[str], None] | None = None) -> Any:
    """The ASGI application (the guard around FastAPI); ``model`` is a ModelHandle or spec (default: settings.model)."""
    state = ServerState(config, settings, model=model, progress=progress)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(state.open)
        try:
            yield
        finally:
            await asyncio.to_thread(state.close)

    api = FastAPI(
        title="decide-sql",
        summary="Ask a PostgreSQL database questions in plain language: validated, read-only SQL and JSON answers.",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    api.state.server = state
    api.include_router(router)
    _error_handlers(api, state)

    @api.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), media_type="text/html", headers={"Cache-Control": "no-store"})

    api.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    if config.cors_origin:
        from fastapi.middleware.cors import CORSMiddleware

        api.add_middleware(CORSMiddleware, allow_origins=[config.cors_origin], allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"], expose_headers=[EXIT_HEADER])
    token = config.token.get_secret_value() if config.token else None
    guarded = Guard(api, token=token, max_body_bytes=config.max_body_bytes, secrets=lambda: secrets_of(state))
    guarded.state = state  # for the CLI and tests
    guarded.fastapi = api
    return guarded


def secrets_of(state: ServerState) -> list[str]:
    """Every secret the server knows: the database password, the API key, the token."""
    found = [password_of(state.settings.database_url or ""), os.environ.get("OPENAI_API_KEY")]
    if state.sessions:
        found.append(password_of(state.first.instruments.url))
    if state.settings.openai_api_key:
        found.append(state.settings.openai_api_key.get_secret_value())
    if state.config.token:
        found.append(state.config.token.get_secret_value())
    return [s for s in found if s]


def scrub_secrets(text: str, state: ServerState) -> str:
    return scrub(text, *secrets_of(state))


def _error_handlers(api: FastAPI, state: ServerState) -> None:
    def body(err: DecideSqlError) -> dict[str, Any]:
        payload = error_payload(err)
        payload["error"]["message"] = scrub_secrets(" ".join(payload["error"]["message"].split()), state)
        return payload

    @api.exception_handler(QueueFull)
    async def queue_full(request: Request, err: QueueFull) -> JSONResponse:
        return JSONResponse(body(err), status_code=503, headers={"Retry-After": "5"})

    @api.exception_handler(DecideSqlError)
    async def decide_sql_error(request: Request, err: DecideSqlError) -> JSONResponse:
        return JSONResponse(body(err), status_code=HTTP_STATUS.get(err.exit_code, 500), headers={EXIT_HEADER: str(int(err.exit_code))})

    @api.exception_handler(Exception)
    async def bug(request: Request, exc: Exception) -> JSONResponse:  # then Guard logs one line; no traceback anywhere
        line = scrub_secrets(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", state)[:300]
        return JSONResponse({"status": "error", "error": {"code": "internal_error", "message": f"internal error: {line} (report it)"}}, status_code=500)

    @api.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "body"
        if first.get("type") == "json_invalid":
            message = "request body is not valid JSON; send an object such as {\"question\": \"how many orders are there?\"}"
        else:
            message = f"bad request field {where}: {first.get('msg')}; see docs/api.md for the request shape"
        return JSONResponse({"status": "error", "error": {"code": "bad_input", "message": message}}, status_code=400, headers={EXIT_HEADER: "2"})

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 404:
            message = f"no such endpoint {request.method} {request.url.path}; the API is POST /api/ask, /api/ask/stream, /api/sql and GET /api/schema, /api/health (docs/api.md)"
        elif exc.status_code == 405:
            message = f"{request.method} is not allowed on {request.url.path}; see docs/api.md"
        else:
            message = str(exc.detail)
        return JSONResponse({"status": "error", "error": {"code": {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error"), "message": message}}, status_code=exc.status_code)


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("decide-sql")
    except importlib.metadata.PackageNotFoundError:
        return "0"
