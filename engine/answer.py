"""The ``Answer``: everything ``engine.ask`` decided, ran and spent for one question.

This is the stable JSON shape of ``decide-sql ask`` (see docs/answer.md and
docs/answer.schema.json). Add fields; never rename or remove them.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, PrivateAttr

from engine.errors import ErrorDetails

Status = Literal["ok", "clarify", "refused", "error"]
Flow = Literal["direct", "decompose", "clarify", "refuse"]


class ErrorInfo(BaseModel):
    code: str  # an engine.errors.ErrorCode
    message: str
    details: ErrorDetails | None = None  # what a refusal found, as data (unknown names, suggested columns, a join path)


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
    calls: int = 1  # model calls the decision made (0 without the model; 2 when it asked again, e.g. a retried follow-up)
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


class Candidate(BaseModel):
    """One SQL candidate of the plan decision when several are voted on (``--candidates K``, engine/voting.py)."""

    sql: str  # after the rewrites (and the validator's LIMIT when it validated)
    status: Literal["ok", "refused", "error"]  # ran / refused by the validator / failed in the database
    greedy: bool = False  # the greedy plan (the one a single candidate would be); the others are sampled
    fingerprint: str | None = None  # hash of its result (column names and order, and row order without ORDER BY, ignored); None: it did not run
    row_count: int | None = None
    error_code: str | None = None  # why it did not run
    votes: int = 0  # candidates with the same result, itself included; 0: it did not vote (failed, or empty while others found rows)
    chosen: bool = False  # the candidate the answer went on with


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
    candidates: list[Candidate] = Field(default_factory=list)  # the voted SQL candidates; empty with one candidate (the default)
    usage: Usage = Field(default_factory=Usage)
    timings: dict[str, float] = Field(default_factory=dict)  # milliseconds per stage, plus "total"
    model: str = ""
    error: ErrorInfo | None = None
    conversation_id: str | None = None  # the conversation this answer belongs to (engine/conversation.py); None outside one
    _exit_code: int = PrivateAttr(default=0)  # the CLI's exit code; not part of the JSON

    @property
    def exit_code(self) -> int:
        """The CLI's exit code for this answer (0 ok, 3 refused, 6 clarify, else the error's class)."""
        return self._exit_code

    def with_exit_code(self, code: int) -> "Answer":
        self._exit_code = int(code)
        return self
