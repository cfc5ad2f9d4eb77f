"""The API's endpoints: thin handlers over the server state (the same layers as the CLI, nothing else)."""

from __future__ import annotations

import asyncio
import importlib.metadata
import platform
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from engine.answer import Answer, ErrorInfo
from engine.models.backends import mask_spec
from engine.errors import BadInput, DecideSqlError, ExitCode
from engine.instruments import Instruments
from engine.server.api_types import AskRequest, DatabaseHealth, ErrorBody, Health, ModelHealth, QueueHealth, SchemaResponse, SqlRequest, SqlResult
from engine.server.sse import answer_events
from engine.server.state import ServerState
from engine.session import Session, _check_question

router = APIRouter(prefix="/api")
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad input: malformed JSON, unknown field, empty or overlong question or statement"},
    401: {"model": ErrorBody, "description": "missing or wrong token"},
    413: {"model": ErrorBody, "description": "request body over the limit"},
    503: {"model": ErrorBody, "description": "every worker busy and the queue full: retry later"},
}
EXIT_HEADER = "X-Decide-Sql-Exit-Code"


def state_of(request: Request) -> ServerState:
    return request.app.state.server


def scrubbed(payload: dict[str, Any], state: ServerState) -> dict[str, Any]:
    """Error messages without any secret the server knows (the engine scrubs too; this is the last line)."""
    from engine.server.app import scrub_secrets

    if payload.get("error"):
        payload["error"]["message"] = scrub_secrets(payload["error"]["message"], state)
    for attempt in payload.get("attempts") or []:
        if attempt.get("error"):
            attempt["error"]["message"] = scrub_secrets(attempt["error"]["message"], state)
    return payload


def answer_response(answer: Answer, state: ServerState) -> JSONResponse:
    return JSONResponse(scrubbed(answer.model_dump(mode="json"), state), headers={EXIT_HEADER: str(answer.exit_code)})


def checked_ask(body: AskRequest, state: ServerState) -> tuple[str, dict[str, Any]]:
    """Bad input is refused before the request waits for the model; returns the question and Session.ask options."""
    _check_question(body.question)
    limit = state.settings.max_rows
    return body.question, {"execute": body.execute, "max_rows": min(body.max_rows or limit, limit)}


def ask_in(session: Session, state: ServerState, question: str, conversation_id: str | None, options: dict[str, Any]) -> Answer:
    return state.conversations.ask(session, question, conversation_id=conversation_id, **options)


@router.post("/ask", response_model=Answer, responses=ERRORS, summary="Answer a question (the CLI's Answer object, plus conversation_id)")
async def ask(body: AskRequest, request: Request) -> JSONResponse:
    state = state_of(request)
    question, options = checked_ask(body, state)
    assert state.ask_pool is not None
    answer = await state.ask_pool.run(lambda session: ask_in(session, state, question, body.conversation_id, options))
    return answer_response(answer, state)


@router.post(
    "/ask/stream",
    responses={**ERRORS, 200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events: queued*, started, decision*, attempt*, result, answer (or error)"}},
    summary="Answer a question as Server-Sent Events: each decision as it is made, then the Answer",
)
async def ask_stream(body: AskRequest, request: Request) -> StreamingResponse:
    state = state_of(request)
    question, options = checked_ask(body, state)
    assert state.ask_pool is not None
    state.ask_pool.check_room()  # a full queue is a 503 before the stream starts

    def work(session: Session, on_event: Any) -> Answer:
        on_event("started", {"model": session.model.name})
        return ask_in(session, state, question, body.conversation_id, {**options, "on_event": on_event})

    events = answer_events(state, work, lambda answer: scrubbed(answer.model_dump(mode="json"), state))
    return StreamingResponse(events, media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


@router.post("/sql", response_model=SqlResult, responses={**ERRORS, 200: {"model": SqlResult | ErrorBody, "description": "ok, or the refusal / database error as the CLI prints it"}}, summary="Validate one SQL statement against the read-only policy and run it")
async def sql(body: SqlRequest, request: Request) -> JSONResponse:
    state = state_of(request)
    if not body.sql.strip():
        raise BadInput('empty SQL statement; send one SELECT statement, e.g. {"sql": "SELECT 1"}')
    if len(body.sql) > state.config.max_body_bytes or "\x00" in body.sql:
        raise BadInput("SQL statement too long or contains NUL bytes; send one plain-text SELECT statement")

    def run(inst: Instruments) -> dict[str, Any]:
        try:
            checked = inst.validate(body.sql)
            result = inst.run(checked.sql)
        except DecideSqlError as err:
            if isinstance(err, BadInput):
                raise
            status = "refused" if err.exit_code == ExitCode.REFUSED else "error"
            return {"status": status, "error": err.to_dict(), "_exit": int(err.exit_code)}
        return {**SqlResult(sql=checked.sql, tables=checked.tables, columns=result.columns, rows=result.rows, row_count=result.row_count, truncated=result.truncated, ms=round(result.ms, 1)).model_dump(mode="json"), "_exit": 0}

    assert state.sql_pool is not None
    payload = await state.sql_pool.run(run)
    exit_code = payload.pop("_exit")
    return JSONResponse(scrubbed(payload, state), headers={EXIT_HEADER: str(exit_code)})


@router.get("/schema", response_model=SchemaResponse, responses=ERRORS, summary="The introspected schema (as decide-sql schema)")
async def schema(request: Request) -> JSONResponse:
    state = state_of(request)
    return JSONResponse({"status": "ok", **state.first.schema.model_dump(mode="json")})


@router.get("/health", response_model=Health, responses=ERRORS, summary="Model loaded, database reachable, versions")
async def health(request: Request) -> Health:
    state = state_of(request)
    session = state.first
    db = DatabaseHealth(reachable=True, database=session.schema.database, server_version=session.schema.server_version, tables=len(session.schema.tables))
    assert state.sql_pool is not None and state.ask_pool is not None
    try:
        await asyncio.wait_for(state.sql_pool.run(lambda inst: inst.run(inst.validate("SELECT 1").sql)), timeout=10)
    except (DecideSqlError, asyncio.TimeoutError) as err:
        db.reachable = False
        db.error = ErrorInfo(code=getattr(err, "code", "timeout"), message=str(err) or "no answer from the database in 10 s")
    model = session.model
    return Health(
        status="ok" if db.reachable else "degraded",
        model=ModelHealth(spec=mask_spec(model.spec), name=model.name, kind=model.kind, loaded=True, slots=state.slots),
        database=db,
        queue=QueueHealth(running=state.ask_pool.running, waiting=state.ask_pool.waiting, limit=state.ask_pool.max_waiting),
        versions=versions(session.schema.server_version),
    )


def versions(server_version: str) -> dict[str, str]:
    found = {"python": platform.python_version(), "postgresql": server_version}
    for dist in ("decide-sql", "guidance", "sqlglot", "fastapi", "uvicorn"):
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = "unknown"
    return found
