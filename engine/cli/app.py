"""The ``decide-sql`` command line (Typer).

Every command prints one JSON object on stdout (``--format json``, the
default), a rich table, or CSV; progress goes to stderr; failures become a
one-line error with a documented exit code (see engine.errors.ExitCode).
Common options work before or after the command name.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from engine.cli.options import Common, DatabaseUrlOpt, FormatOpt, MaxRowsOpt, ModelOpt, fmt_or_default, settings_from
from engine.errors import BadInput
from engine.cli.output import OutputFormat, emit, guard, progress
from engine.cli.ask import ask_command
from engine.cli.db import db_app
from engine.cli.evaluate import eval_command
from engine.cli.mcp import mcp_command

app = typer.Typer(
    name="decide-sql",
    help="Ask a PostgreSQL database questions in plain language; get validated, read-only SQL and JSON answers.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

@app.callback()
def main_options(
    database_url: DatabaseUrlOpt = None,
    fmt: FormatOpt = None,
    max_rows: MaxRowsOpt = None,
    model: ModelOpt = None,
) -> None:
    """Options given here apply to the command that follows."""
    Common.database_url = database_url
    Common.fmt = fmt or OutputFormat.json
    Common.max_rows = max_rows
    Common.model = model


@app.command()
def sql(
    statement: Annotated[str, typer.Argument(help="One SQL statement; it runs only if proven read-only.")],
    database_url: DatabaseUrlOpt = None,
    fmt: FormatOpt = None,
    max_rows: MaxRowsOpt = None,
) -> None:
    """Validate a SQL statement against the live schema and the read-only policy, then run it."""
    from engine.instruments import Instruments

    out = fmt_or_default(fmt)
    with guard(out):
        if not statement.strip():
            raise BadInput("empty SQL statement; pass one SELECT statement, e.g. decide-sql sql \"SELECT 1\"")
        settings = settings_from(database_url, max_rows)
        with Instruments.open(settings, progress=progress) as inst:
            checked = inst.validate(statement)
            result = inst.run(checked.sql)
        emit(
            {
                "status": "ok",
                "sql": checked.sql,
                "tables": checked.tables,
                **({"normalized_from": checked.normalized_from} if checked.normalized_from else {}),
                "columns": [c.model_dump() for c in result.columns],
                "rows": result.rows,
                "row_count": result.row_count,
                "truncated": result.truncated,
                "ms": round(result.ms, 1),
            },
            out,
        )


@app.command()
def schema(
    database_url: DatabaseUrlOpt = None,
    fmt: FormatOpt = None,
    ddl: Annotated[bool, typer.Option("--ddl", help="Print the compact DDL text that prompts use instead of JSON.")] = False,
    refresh: Annotated[bool, typer.Option("--refresh", help="Re-introspect even when the cached schema matches.")] = False,
) -> None:
    """Print the introspected schema (tables, columns, keys, comments, row estimates)."""
    from engine.instruments import Instruments
    from engine.schema.render import render_schema

    out = fmt_or_default(fmt)
    with guard(out):
        settings = settings_from(database_url)
        with Instruments.open(settings, progress=progress, refresh_schema=refresh) as inst:
            if ddl:
                sys.stdout.write(render_schema(inst.schema) + "\n")
                return
            if out is OutputFormat.json:
                emit({"status": "ok", **inst.schema.model_dump(mode="json")}, out)
            else:
                rows = [
                    [t.display_name, t.kind, len(t.columns), t.row_estimate, (t.comment or "")[:80]]
                    for t in inst.schema.tables
                ]
                emit({"columns": ["table", "kind", "columns", "rows (est.)", "comment"], "rows": rows}, out)


app.command("ask")(ask_command)
app.add_typer(db_app, name="db", help="Manage the embedded demo database.")
app.command("eval")(eval_command)
app.command("mcp")(mcp_command)
app.command("serve")(__import__("engine.cli.serve", fromlist=["serve_command"]).serve_command)
app.command("chat")(__import__("engine.cli.chat", fromlist=["chat_command"]).chat_command)
app.add_typer(__import__("engine.cli.cache", fromlist=["cache_app"]).cache_app, name="cache", help="Show or clear saved prefix states and schema caches.")


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)


if __name__ == "__main__":
    main()
