"""``decide-sql db ...``: the embedded demo database and a least-privilege role.

Every command prints one JSON object on stdout; progress goes to stderr;
failures are a JSON error object and the error's exit code (engine.cli.output.guard).
"""

from __future__ import annotations

import time
from typing import Annotated, Optional

import typer

from engine.cli.options import DatabaseUrlOpt, FormatOpt, ModelOpt, fmt_or_default, settings_from
from engine.demo.data import DEFAULT_SEED, MAX_SCALE, MIN_SCALE
from engine.cli.output import emit, guard, progress
from engine.database.urls import mask_url

db_app = typer.Typer(no_args_is_help=True, help="Manage the embedded demo database.")


@db_app.command("url")
def url_command(database_url: DatabaseUrlOpt = None, fmt: FormatOpt = None) -> None:
    """Print the connection URL in use (password masked): DATABASE_URL if set, else the embedded demo."""
    from engine.demo.embedded import resolve_database_url

    out = fmt_or_default(fmt)
    with guard(out):
        settings = settings_from(database_url)
        url = resolve_database_url(settings, progress=progress)
        emit({"status": "ok", "url": mask_url(url), "embedded": settings.database_url is None}, out)


@db_app.command("reset")
def reset_command(
    scale: Annotated[float, typer.Option("--scale", min=MIN_SCALE, max=MAX_SCALE, help="Row-count multiplier (1.0: ~5k customers, ~30k orders).")] = 1.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed and scale give the same data.")] = DEFAULT_SEED,
    fmt: FormatOpt = None,
) -> None:
    """Drop and regenerate the demo database of the embedded server."""
    from engine.demo.data import table_counts
    from engine.demo.embedded import DEMO_DB, reset_demo

    out = fmt_or_default(fmt)
    with guard(out):
        started = time.perf_counter()
        url = reset_demo(settings_from(), scale=scale, seed=seed, progress=progress)
        emit(
            {
                "status": "ok",
                "database": DEMO_DB,
                "url": mask_url(url),
                "scale": scale,
                "seed": seed,
                "tables": table_counts(url),
                "seconds": round(time.perf_counter() - started, 2),
            },
            out,
        )


@db_app.command("stop")
def stop_command(fmt: FormatOpt = None) -> None:
    """Stop the embedded PostgreSQL server (it otherwise keeps running between commands)."""
    from engine.demo.embedded import stop_embedded

    out = fmt_or_default(fmt)
    with guard(out):
        emit({"status": "ok", "stopped": stop_embedded(settings_from())}, out)


@db_app.command("grant-readonly")
def grant_readonly_command(
    role: Annotated[str, typer.Option("--role", help="Name of the role to create.")],
    schema: Annotated[Optional[list[str]], typer.Option("--schema", help="Schema it may read (repeatable; default public).")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Run the statements (needs a superuser or the schema owner).")] = False,
    database_url: DatabaseUrlOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Print (or --apply) SQL creating a role that can only read the chosen schemas."""
    from engine.demo.embedded import resolve_database_url
    from engine.database.readonly_role import apply_statements, grant_readonly_sql

    out = fmt_or_default(fmt)
    with guard(out):
        url = resolve_database_url(settings_from(database_url), progress=progress)
        database = url.rsplit("/", 1)[-1].split("?", 1)[0]
        statements = grant_readonly_sql(role, schema or ["public"], database=database)
        if apply:
            apply_statements(url, statements)
        emit({"status": "ok", "role": role, "applied": apply, "statements": statements}, out)


WARM_QUESTION = "How many rows are there?"  # any question: only the shared prefix before it is saved


@db_app.command("warm")
def warm_command(database_url: DatabaseUrlOpt = None, model: ModelOpt = None, fmt: FormatOpt = None) -> None:
    """Prefill the schema prompt of the current database and model and save its KV state, so a new process skips it."""
    from engine.errors import BadInput
    from engine.session import Session
    from programs import choose_flow
    from programs.context import QuestionContext, schema_budget

    out = fmt_or_default(fmt)
    with guard(out):
        started = time.perf_counter()
        settings = settings_from(database_url, model=model)
        with Session(settings=settings, progress=progress) as session:
            handle = session.model
            engine = getattr(getattr(handle.lm, "_interpreter", None), "engine", None)
            store = getattr(engine, "prefix_store", None)
            if handle.kind != "local" or store is None:
                raise BadInput(f"db warm saves the prompt state of a local model; {handle.spec} is not one (use --model local or local:0.5b)")
            if not store.enabled:
                raise BadInput("saved prefix states are off (DECIDE_SQL_PREFIX_CACHE_MB=0); set it above 0 to use db warm")
            ctx = QuestionContext.build(session.schema, WARM_QUESTION, max_schema_tokens=schema_budget(handle))
            engine.last_prefix = None
            choose_flow(handle, session.schema, ctx.question, context=ctx)
            done = engine.last_prefix or {"event": "none"}
            whole = len(ctx.table_names) == len(session.schema.tables)
            emit(
                {
                    "status": "ok",
                    "model": handle.name,
                    "state": done["event"],  # saved: prefilled now; restored: was already on disk; none: prompt too short to save
                    "file": done.get("file"),
                    "bytes": done.get("bytes"),
                    "prefix_tokens": done.get("n_tokens"),
                    "tables_in_prompt": len(ctx.table_names),
                    "whole_schema": whole,  # False: the prompt shows the tables a question ranks first, so it varies by question
                    "seconds": round(time.perf_counter() - started, 2),
                },
                out,
            )
