"""``decide-sql mcp``: serve the engine to AI assistants over the Model Context Protocol (engine/mcp/).

Thin: options in, ``engine.mcp.run.serve`` does the rest. Startup errors are one
line on stderr (never a JSON object on stdout: over stdio, stdout is the protocol).
"""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from engine.cli.options import DatabaseUrlOpt, ModelOpt, settings_from
from engine.cli.output import OutputFormat, guard
from engine.mcp.run import DEFAULT_PORT, serve
from engine.mcp.settings import McpSettings


def mcp_command(
    http: Annotated[bool, typer.Option("--http", help="Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio.")] = False,
    host: Annotated[str, typer.Option("--host", help="Address to bind with --http; anything but loopback needs --token.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port for --http.")] = DEFAULT_PORT,
    token: Annotated[Optional[str], typer.Option("--token", help="Bearer token every HTTP request must carry (default: DECIDE_SQL_TOKEN).", show_default=False)] = None,
    database_url: DatabaseUrlOpt = None,
    model: ModelOpt = None,
) -> None:
    """Serve the tools ask, run_sql, list_tables and describe_table to an AI assistant over MCP (stdio; --http for Streamable HTTP)."""
    with guard(OutputFormat.table):  # table: errors go to stderr as one line
        serve(settings_from(database_url, model=model), McpSettings.load(token=token), http=http, host=host, port=port)
