"""Answer a question set with the engine (and the plain-prompt baseline) and score every answer.

One model handle serves every question. Sessions (database instruments) are
opened once per database and per worker thread. Gold SQL runs once per
question; the engine and the baseline are scored against the same gold rows.
Nothing here prints: results go to the ``on_result`` callback.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Literal

from pydantic import BaseModel, Field

from engine.answer import Answer, Attempt
from engine.database.executor import UNDEFINED_NAME_STATES
from engine.errors import DecideSqlError, ErrorDetails, SqlRefused
from engine.evaluation.gold import gold_alternatives, is_ordered
from engine.evaluation.questions import EvalQuestion
from engine.evaluation.scoring import results_match
from engine.session import Session
from engine.settings import Settings
from programs.plain_sql import plain_sql

EVAL_MAX_ROWS = 100_000  # generous, for gold and predictions alike; hitting it sets ``truncated``


class QuestionResult(BaseModel):
    """One system's answer to one question, scored: one line of the --output file."""

    id: str
    db: str
    category: str | None
    system: Literal["engine", "baseline"]
    status: str  # ok | clarify | refused | error
    flow: str | None = None
    sql: str | None = None
    planned_sql: str | None = None  # engine: the final attempt's SQL as the model wrote it, before the rewrites (for --ablate)
    correct: bool = False
    error_code: str | None = None
    error: str | None = None
    attempts: int = 0  # SQL statements tried (validated or not)
    validated_first_time: bool | None = None  # None: no SQL was written, or the system has no validator
    repair_tried: bool = False
    repaired: bool = False  # a repair was tried and the answer ended ok
    fell_back: bool = False  # the repairs ran out and the plain-prompt fallback ran (Session.fall_back); ok: it answered
    doubted: bool | None = None  # the answer carries doubts (engine/values/doubts.py); None for the baseline, which has none
    executed_unvalidated: int = 0  # executed statements the validator refuses (must be 0 for the engine)
    undefined_name_errors: int = 0  # runtime errors: unknown table or column
    truncated: bool = False  # gold or prediction hit EVAL_MAX_ROWS / the result-size cap: compared as cut
    gold_error: str | None = None  # no gold alternative ran: the question cannot be scored
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_cached: int = 0
    tokens_out: int = 0
    tokens_forced: int = 0
    ms: float = 0.0
    row_count: int | None = None  # rows the prediction returned (None: it did not run)
    timings: dict[str, float] = Field(default_factory=dict)  # engine: milliseconds per stage (Answer.timings)


@dataclass
class Gold:
    """Gold rows of one question (internal to a run: plain data, no validation of 100k rows)."""

    results: list[tuple[list[list[Any]], bool]] = field(default_factory=list)  # (rows, ordered) per alternative that ran
    truncated: bool = False
    error: str | None = None

    def matches(self, rows: list[list[Any]]) -> bool:
        return any(results_match(gold_rows, rows, ordered=ordered) for gold_rows, ordered in self.results)


def run_gold(session: Session, q: EvalQuestion) -> Gold:
    """Run every gold alternative read-only; one that fails is skipped, all failing is ``error``."""
    gold = Gold()
    for sql in gold_alternatives(q.gold_sql):
        try:
            result = session.instruments.executor.run(sql, max_rows=EVAL_MAX_ROWS)
        except DecideSqlError as err:
            gold.error = gold.error or f"[{err.code}] {err.message}"
            continue
        gold.results.append((result.rows, is_ordered(sql)))
        gold.truncated = gold.truncated or result.truncated
    if gold.results:
        gold.error = None
    return gold


def _refused_by_validator(session: Session, sql: str) -> bool:
    try:
        session.instruments.validate(sql, max_rows=EVAL_MAX_ROWS)
    except SqlRefused:
        return True
    return False


def _undefined_name(details: ErrorDetails | None) -> bool:
    return details is not None and details.sqlstate in UNDEFINED_NAME_STATES


def final_attempt(answer: Answer) -> Attempt | None:
    """The attempt whose SQL the answer shows (a second look that did no better is undone), else the last one."""
    return next((a for a in reversed(answer.attempts) if a.sql == answer.sql), answer.attempts[-1] if answer.attempts else None)


def score_engine(session: Session, q: EvalQuestion, gold: Gold) -> QuestionResult:
    answer: Answer = session.ask(q.question)
    executed = [a for a in answer.attempts if a.stage in ("execute", "ok")]
    u = answer.usage
    final = final_attempt(answer)
    return QuestionResult(
        id=q.id, db=q.db, category=q.category, system="engine", status=answer.status, flow=answer.flow, sql=answer.sql,
        planned_sql=final.planned_sql if final else None,
        correct=answer.status == "ok" and gold.matches(answer.rows),
        error_code=answer.error.code if answer.error else None,
        error=answer.error.message if answer.error else None,
        attempts=len(answer.attempts),
        validated_first_time=answer.attempts[0].stage != "validate" if answer.attempts else None,
        repair_tried=any(d.program == "repair_sql" for d in answer.decisions),
        repaired=answer.status == "ok" and any(d.program == "repair_sql" for d in answer.decisions),
        fell_back=any(d.program == "plain_sql" for d in answer.decisions),
        doubted=bool(answer.doubts),
        executed_unvalidated=sum(_refused_by_validator(session, a.sql) for a in executed),
        undefined_name_errors=sum(1 for a in executed if a.error and _undefined_name(a.error.details)),
        truncated=gold.truncated or answer.truncated,
        gold_error=gold.error,
        llm_calls=u.llm_calls, tokens_in=u.input_tokens, tokens_cached=u.cached_input_tokens,
        tokens_out=u.output_tokens, tokens_forced=u.forced_tokens,
        ms=round(answer.timings.get("total", 0.0) - answer.timings.get("introspect", 0.0), 1),
        row_count=answer.row_count if answer.status == "ok" else None,
        timings=answer.timings,
    )


def score_baseline(session: Session, q: EvalQuestion, gold: Gold) -> QuestionResult:
    """The plain prompt's SQL runs in the executor's read-only transaction only: no validator, no repair."""
    started = time.perf_counter()
    r = QuestionResult(id=q.id, db=q.db, category=q.category, system="baseline", status="error", llm_calls=1, truncated=gold.truncated, gold_error=gold.error)
    try:
        plan = plain_sql(session.model, session.schema, q.question)
        r.sql, r.attempts = plan.sql, 1
        r.tokens_in, r.tokens_cached = plan.usage.input_tokens, plan.usage.cached_input_tokens
        r.tokens_out, r.tokens_forced = plan.usage.output_tokens, plan.usage.forced_tokens
        r.executed_unvalidated = int(_refused_by_validator(session, plan.sql))
        result = session.instruments.executor.run(plan.sql, max_rows=EVAL_MAX_ROWS)
        r.status, r.correct, r.truncated = "ok", gold.matches(result.rows), r.truncated or result.truncated
        r.row_count = result.row_count
    except DecideSqlError as err:
        r.error_code, r.error = err.code, err.message
        r.undefined_name_errors = int(_undefined_name(err.details))
    r.ms = round((time.perf_counter() - started) * 1000, 1)
    return r


SCORERS: dict[str, Callable[[Session, EvalQuestion, Gold], QuestionResult]] = {"engine": score_engine, "baseline": score_baseline}


def _contained(
    system: Literal["engine", "baseline"], scorer: Callable[[Session, EvalQuestion, Gold], QuestionResult], session: Session, q: EvalQuestion, gold: Gold
) -> QuestionResult:
    """A bug on one question is that question's ``internal_error`` in the report, not the end of a long run."""
    try:
        return scorer(session, q, gold)
    except Exception as exc:  # noqa: BLE001 - reported per question; DECIDE_SQL_DEBUG=1 shows it in the CLI
        message = f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
        return QuestionResult(id=q.id, db=q.db, category=q.category, system=system, status="error", error_code="internal_error", error=message)


class _Sessions:
    """One Session per (thread, database), all sharing one model handle; closed together."""

    def __init__(self, settings: Settings, urls: dict[str, str], model: Any) -> None:
        self.settings, self.urls, self.model = settings, urls, model
        self._local = threading.local()
        self._opened: list[Session] = []
        self._lock = threading.Lock()

    def get(self, db: str) -> Session:
        mine: dict[str, Session] = self._local.__dict__.setdefault("sessions", {})
        if db not in mine:
            mine[db] = Session(settings=self.settings, database_url=self.urls[db], model=self.model)
            with self._lock:
                self._opened.append(mine[db])
        return mine[db]

    def close(self) -> None:
        for session in self._opened:
            session.close()


def run_eval(
    questions: list[EvalQuestion],
    *,
    settings: Settings,
    urls: dict[str, str],
    model: Any,
    systems: Sequence[str] = ("engine",),
    workers: int = 1,
    on_result: Callable[[QuestionResult], None] | None = None,
) -> list[QuestionResult]:
    """Answer and score every question; questions of one database run together (warm caches).

    ``model`` is a loaded ``ModelHandle``; ``urls`` maps each database name to its URL;
    ``systems`` names what answers each question: "engine", "baseline" or both.
    With ``workers`` > 1 questions run in threads (remote backends); results then arrive
    in completion order.
    """
    by_db: dict[str, list[EvalQuestion]] = {}
    for q in questions:
        by_db.setdefault(q.db, []).append(q)
    ordered = [q for group in by_db.values() for q in group]
    sessions = _Sessions(settings.model_copy(update={"max_rows": EVAL_MAX_ROWS}), urls, model)

    def one(q: EvalQuestion) -> list[QuestionResult]:
        session = sessions.get(q.db)
        gold = run_gold(session, q)
        return [_contained(system, SCORERS[system], session, q, gold) for system in systems]

    results: list[QuestionResult] = []

    def collect(rs: list[QuestionResult]) -> None:
        for r in rs:
            results.append(r)
            if on_result:
                on_result(r)

    try:
        if workers <= 1:
            for q in ordered:  # in the main thread: Ctrl-C cancels a running query at once
                collect(one(q))
        else:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="eval") as pool:
                futures = [pool.submit(one, q) for q in ordered]
                try:
                    for future in as_completed(futures):
                        collect(future.result())
                except BaseException:
                    for future in futures:
                        future.cancel()
                    raise
    finally:
        sessions.close()
    return results
