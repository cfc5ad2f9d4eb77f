"""Request and response bodies of the HTTP API (pydantic: validated in, documented in the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.answer import ErrorInfo, ResultColumn
from engine.schema import Schema


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The question, in plain language (at most 10,000 characters).")
    conversation_id: str | None = Field(None, max_length=64, description="The conversation_id of an earlier answer: ask a follow-up.")
    execute: bool = Field(True, description="False: plan and validate only; do not run the SQL.")
    max_rows: int | None = Field(None, ge=1, description="Row cap for the result, at most the server's own (DECIDE_SQL_MAX_ROWS).")


class SqlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str = Field(description="One SQL statement; it runs only if proven read-only.")


class ErrorBody(BaseModel):
    """The CLI's JSON error object."""

    status: Literal["error", "refused"]
    error: ErrorInfo


class SqlResult(BaseModel):
    """What ``decide-sql sql`` prints: the statement as validated (LIMIT added) and its bounded result."""

    status: Literal["ok"] = "ok"
    sql: str
    tables: list[str]
    columns: list[ResultColumn]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    ms: float


class SchemaResponse(Schema):
    """What ``decide-sql schema`` prints: the introspected schema."""

    status: Literal["ok"] = "ok"


class ModelHealth(BaseModel):
    spec: str  # API keys masked
    name: str
    kind: str
    loaded: bool
    slots: int  # questions answered at once


class DatabaseHealth(BaseModel):
    reachable: bool
    database: str
    server_version: str
    tables: int
    error: ErrorInfo | None = None


class QueueHealth(BaseModel):
    running: int
    waiting: int
    limit: int


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    model: ModelHealth
    database: DatabaseHealth
    queue: QueueHealth
    versions: dict[str, str]
