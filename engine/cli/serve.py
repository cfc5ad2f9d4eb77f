"""``decide-sql serve``: the HTTP API and the web page (engine/server/, docs/api.md).

Thin: options in, the server state opened before uvicorn starts (so a missing
model or an unreachable database is the CLI's one-line error with its exit
code, not a start-up traceback), then uvicorn until Ctrl-C.
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from engine.cli.options import DatabaseUrlOpt, ModelOpt, settings_from
from engine.cli.output import OutputFormat, guard, progress


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to bind; anything but loopback needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8765,
    database_url: DatabaseUrlOpt = None,
    model: ModelOpt = None,
    token: Annotated[Optional[str], typer.Option("--token", help="Bearer token every /api request must carry (default: DECIDE_SQL_TOKEN).", show_default=False)] = None,
    cors: Annotated[Optional[str], typer.Option("--cors", help="One browser origin allowed to call the API (default: none).", show_default=False)] = None,
    queue: Annotated[Optional[int], typer.Option("--queue", min=0, help="Requests that may wait for the model (default 8); one more gets 503.")] = None,
    concurrency: Annotated[Optional[int], typer.Option("--concurrency", min=1, max=64, help="Questions answered at once on openai:/vllm: backends (default 4, DECIDE_SQL_SERVE_CONCURRENCY).")] = None,
) -> None:
    """Serve the HTTP API and the web page: ask in a browser, with follow-ups, charts and the live decision trace."""
    from engine.database.urls import mask_url
    from engine.server import ServerConfig, create_app, serve_forever

    with guard(OutputFormat.table):  # errors: one line on stderr
        config = ServerConfig.load(host=host, port=port, token=token, cors_origin=cors, queue_size=queue, concurrency=concurrency)
        settings = settings_from(database_url, model=model)
        app = create_app(config, settings, progress=progress)
        app.state.open()
        first = app.state.first
        where = f"[{host}]" if ":" in host else host
        progress(
            f"decide-sql serve: http://{where}:{port}/ · model {first.model.name} ({app.state.slots} at a time, queue {config.queue_size}) · "
            f"database {mask_url(first.instruments.url)} · {'token required' if config.token else 'no token (loopback only)'} · Ctrl-C stops"
        )
        serve_forever(app, host, port)
