"""Rendering command results: JSON on stdout (default), a rich table, or CSV.

Every command builds one JSON-able payload with a ``status`` field and hands it
to ``emit``. Errors go through ``guard``, which turns any exception into a
one-line error (a JSON error object where JSON was asked for), the documented
exit code, and no traceback.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

import typer
from pydantic import BaseModel

from engine.errors import DecideSqlError, ExitCode


class OutputFormat(str, Enum):
    json = "json"
    table = "table"
    csv = "csv"


def to_payload(obj: BaseModel | dict[str, Any]) -> dict[str, Any]:
    return obj.model_dump(mode="json") if isinstance(obj, BaseModel) else obj


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, default=str)


def emit(obj: BaseModel | dict[str, Any], fmt: OutputFormat = OutputFormat.json, *, footer: str | None = None) -> None:
    """Print one result. Table and CSV show ``columns``/``rows`` when present."""
    payload = to_payload(obj)
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(payload) + "\n")
    elif fmt is OutputFormat.csv:
        _emit_csv(payload)
    else:
        _emit_table(payload, footer)
    sys.stdout.flush()


def _column_names(payload: dict[str, Any]) -> list[str]:
    return [c["name"] if isinstance(c, dict) else str(c) for c in payload.get("columns") or []]


def _emit_csv(payload: dict[str, Any]) -> None:
    writer = csv.writer(sys.stdout)
    if "rows" in payload:
        writer.writerow(_column_names(payload))
        for row in payload["rows"]:
            writer.writerow(["" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else v) for v in row])
    else:  # no result set: key/value pairs
        writer.writerow(["key", "value"])
        for key, value in payload.items():
            writer.writerow([key, value if isinstance(value, (str, int, float)) or value is None else dumps(value)])


def _emit_table(payload: dict[str, Any], footer: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    if "rows" in payload and payload.get("columns"):
        table = Table(show_header=True, header_style="bold")
        for name in _column_names(payload):
            table.add_column(name)
        for row in payload["rows"]:
            table.add_row(*["NULL" if v is None else (dumps(v) if isinstance(v, (dict, list)) else str(v)) for v in row])
        console.print(table)
        if payload.get("truncated"):
            console.print(f"[yellow]truncated to {payload.get('row_count')} rows[/yellow]")
    else:
        table = Table(show_header=False)
        table.add_column("key", style="bold")
        table.add_column("value")
        for key, value in payload.items():
            table.add_row(key, value if isinstance(value, str) else dumps(value))
        console.print(table)
    if payload.get("sql"):
        console.print(f"[dim]SQL:[/dim] {payload['sql']}", highlight=False)
    for doubt in payload.get("doubts") or []:  # what the data says against this answer (engine/values/doubts.py)
        console.print(f"[yellow]doubt:[/yellow] {doubt}", highlight=False)
    if footer:
        console.print(f"[dim]{footer}[/dim]", highlight=False)


def error_payload(err: DecideSqlError, **extra: Any) -> dict[str, Any]:
    return {"status": "refused" if err.exit_code == ExitCode.REFUSED else "error", **extra, "error": err.to_dict()}


def _env_secrets() -> list[str]:
    """Secrets known from the environment, scrubbed from every error as a last line of defence."""
    from engine.database.urls import password_of

    found = [os.environ.get("OPENAI_API_KEY"), password_of(os.environ.get("DATABASE_URL") or "")]
    return [s for s in found if s]


def report_error(err: DecideSqlError, fmt: OutputFormat, **extra: Any) -> None:
    """JSON error object on stdout for ``json``; a one-line message on stderr otherwise."""
    from engine.database.urls import scrub

    err.message = scrub(" ".join(err.message.split()), *_env_secrets())
    if fmt is OutputFormat.json:
        sys.stdout.write(dumps(error_payload(err, **extra)) + "\n")
        sys.stdout.flush()
    else:
        sys.stderr.write(f"error [{err.code}]: {err.message}\n")


@contextmanager
def guard(fmt: OutputFormat = OutputFormat.json) -> Iterator[None]:
    """Run a command body; map every failure to a clean error and exit code.

    Set DECIDE_SQL_DEBUG=1 to re-raise unexpected exceptions with a traceback.
    """
    try:
        yield
    except DecideSqlError as err:
        report_error(err, fmt)
        raise typer.Exit(int(err.exit_code)) from None
    except KeyboardInterrupt:
        report_error(DecideSqlError("interrupted by the user (Ctrl-C); nothing was written", code="interrupted"), fmt)
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception as exc:  # a bug: still one line, still JSON
        if os.environ.get("DECIDE_SQL_DEBUG"):
            raise
        err = DecideSqlError(
            f"internal error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''} "
            "(rerun with DECIDE_SQL_DEBUG=1 for a traceback and report it)",
            code="internal_error",
        )
        report_error(err, fmt)
        raise typer.Exit(int(ExitCode.INTERNAL)) from None


def progress(message: str) -> None:
    """Progress for humans: stderr only, so stdout stays clean JSON."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()
