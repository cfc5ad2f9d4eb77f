"""The ``Answer``: everything ``engine.ask`` decided, ran and spent for one question.

This is the stable JSON shape of ``decide-sql ask`` (see docs/answer.md and
docs/answer.schema.json). Add fields; never rename or remove them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

Status = Literal["ok", "clarify", "refused", "error"]
Flow = Literal["direct", "decompose", "clarify", "refuse"]


class ErrorInfo(BaseModel):
    code: str
    message: str


class ResultColumn(BaseModel):
    name: str
    type: str  # PostgreSQL type name, e.g. "int8", "numeric", "timestamptz"


class Attempt(BaseModel):
    """One SQL statement tried; ``error`` is None when it validated and ran."""

    sql: str
    stage: Literal["validate", "execute", "ok", "skipped"]
    error: ErrorInfo | None = None
    planned_sql: str | None = None  # the SQL as the model wrote it, before the rewrites (``decide-sql eval --ablate`` replays it)


class Decision(BaseModel):
    """One decision program's call: its typed output and what it cost."""

    program: str
    output: dict[str, Any]
    llm_call: bool = True  # False: decided without the model (e.g. every table of a small schema)
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    forced_tokens: int = 0  # tokens the grammar forced (no forward pass of choice)
    ms: float = 0.0
    prompt_chars: int | None = None  # filled with --trace
    prompt: str | None = None  # filled with --trace


class ValueFix(BaseModel):
    """A string literal of the SQL replaced by the stored value it denotes (engine/values/index.py)."""

    column: str  # table.column
    before: str
    after: str


class Usage(BaseModel):
    llm_calls: int = 0
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    forced_tokens: int = 0
    cost_usd: float | None = None  # known only for priced remote models


class Clarification(BaseModel):
    question: str
    options: list[str] = Field(default_factory=list)


class Answer(BaseModel):
    status: Status
    question: str
    flow: Flow | None = None
    tables: list[str] = Field(default_factory=list)
    sql: str | None = None
    explanation: str | None = None
    clarification: Clarification | None = None
    refusal_reason: str | None = None
    columns: list[ResultColumn] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list)
    row_count: int = 0
    truncated: bool = False
    attempts: list[Attempt] = Field(default_factory=list)
    value_hints: list[str] = Field(default_factory=list)  # values of the data the question names (not shown to the model)
    value_fixes: list[ValueFix] = Field(default_factory=list)  # literals replaced by stored values before validation
    sql_fixes: list[str] = Field(default_factory=list)  # dialect rewrites before validation (engine/rewrites/sql_fixes.py)
    doubts: list[str] = Field(default_factory=list)  # what the data says against the query that ran (engine/values/doubts.py)
    decisions: list[Decision] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    timings: dict[str, float] = Field(default_factory=dict)  # milliseconds per stage, plus "total"
    model: str = ""
    error: ErrorInfo | None = None
    conversation_id: str | None = None  # the conversation this answer belongs to (engine/conversation.py); None outside one
    _exit_code: int = PrivateAttr(default=0)  # the CLI's exit code; not part of the JSON
