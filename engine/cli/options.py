"""Options shared by every command, usable before or after the command name."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from engine.cli.output import OutputFormat
from engine.settings import Settings

DatabaseUrlOpt = Annotated[
    Optional[str],
    typer.Option("--database-url", help="PostgreSQL URL; default: the embedded demo database."),
]
FormatOpt = Annotated[Optional[OutputFormat], typer.Option("--format", "-f", help="json (default), table or csv.")]
MaxRowsOpt = Annotated[Optional[int], typer.Option("--max-rows", min=1, help="Row cap for results (default 500).")]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", "-m", help="local (default, 1.5B), local:0.5b, local:/path.gguf, openai:MODEL[@URL], vllm:MODEL@URL."),
]

CandidatesOpt = Annotated[
    Optional[int],
    typer.Option("--candidates", min=1, max=9, help="SQL candidates voted by their results (greedy + sampled; env DECIDE_SQL_CANDIDATES; default 1)."),
]

CheckAnswerableOpt = Annotated[
    Optional[bool],
    typer.Option(
        "--check-answerable/--no-check-answerable",
        help="Refuse a question about data no table holds (not_in_database) before planning SQL; env DECIDE_SQL_CHECK_ANSWERABLE; default off.",
    ),
]


class Common:
    """Options given before the command; command-level options override them."""

    database_url: str | None = None
    fmt: OutputFormat = OutputFormat.json
    max_rows: int | None = None
    model: str | None = None


def fmt_or_default(fmt: OutputFormat | None) -> OutputFormat:
    return fmt or Common.fmt


def settings_from(database_url: str | None = None, max_rows: int | None = None, model: str | None = None, **extra: object) -> Settings:
    return Settings.load(
        database_url=database_url or Common.database_url,
        max_rows=max_rows or Common.max_rows,
        model=model or Common.model,
        **extra,
    )


