"""Run a question file through the engine (and optionally the plain-prompt baseline) and score it."""

from __future__ import annotations

import random
import resource
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from engine.errors import DecideSqlError, SqlRefused
from engine.evaluation.questions import EvalQuestion, gold_alternatives
from engine.evaluation.scoring import is_ordered, results_match
from engine.session import Session
from engine.settings import Settings
from engine.validator import validate
from programs.plain_sql import plain_sql

EVAL_MAX_ROWS = 100_000
UNDEFINED_NAME_STATES = ("42P01", "42703")  # undefined_table, undefined_column


class QuestionResult(BaseModel):
    id: str
    db: str
    category: str | None
    system: str  # "engine" | "baseline"
    status: str
    flow: str | None = None
    sql: str | None = None
    correct: bool = False
    error_code: str | None = None
    attempts: int = 0
    validated_first_time: bool = False
    repaired: bool = False
    undefined_name_errors: int = 0
    executed_unvalidated: bool = False
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    forced_tokens: int = 0
    ms: float = 0.0


def select_questions(questions: list[EvalQuestion], *, only_db: list[str] | None, sample: int | None, seed: int, limit: int | None) -> list[EvalQuestion]:
    picked = [q for q in questions if not only_db or q.db in only_db]
    if sample is not None and sample < len(picked):
        picked = random.Random(seed).sample(picked, sample)
    return picked[:limit] if limit else picked


def _gold(session: Session, question: EvalQuestion) -> list[tuple[list[list[Any]], bool]]:
    out = []
    for sql in gold_alternatives(question.gold_sql):
        try:
            out.append((session.instruments.executor.run(sql, max_rows=EVAL_MAX_ROWS).rows, is_ordered(sql)))
        except DecideSqlError:
            continue  # an alternative that does not run scores nothing
    return out


def _correct(gold: list[tuple[list[list[Any]], bool]], rows: list[list[Any]]) -> bool:
    return any(results_match(g, rows, ordered=ordered) for g, ordered in gold)


def _engine(session: Session, q: EvalQuestion, gold: list) -> QuestionResult:
    answer = session.ask(q.question)
    attempts = answer.attempts
    executed_unvalidated = False
    if answer.status == "ok" and answer.sql:
        try:
            validate(answer.sql, session.schema, max_rows=None)
        except SqlRefused:
            executed_unvalidated = True
    return QuestionResult(
        id=q.id, db=q.db, category=q.category, system="engine", status=answer.status, flow=answer.flow, sql=answer.sql,
        correct=answer.status == "ok" and _correct(gold, answer.rows),
        error_code=answer.error.code if answer.error else None,
        attempts=len(attempts),
        validated_first_time=bool(attempts) and attempts[0].stage in ("ok", "skipped", "execute"),
        repaired=answer.status == "ok" and len(attempts) > 1,
        undefined_name_errors=sum(1 for a in attempts if a.stage == "execute" and a.error and any(s in a.error.message for s in UNDEFINED_NAME_STATES)),
        executed_unvalidated=executed_unvalidated,
        llm_calls=answer.usage.llm_calls, input_tokens=answer.usage.input_tokens - answer.usage.cached_input_tokens,
        output_tokens=answer.usage.output_tokens, forced_tokens=answer.usage.forced_tokens,
        ms=answer.timings.get("total", 0.0) - answer.timings.get("introspect", 0.0),
    )


def _baseline(session: Session, q: EvalQuestion, gold: list) -> QuestionResult:
    started = time.perf_counter()
    result = QuestionResult(id=q.id, db=q.db, category=q.category, system="baseline", status="error", llm_calls=1)
    try:
        plan = plain_sql(session.model, session.schema, q.question)
        result.sql = plan.sql
        result.input_tokens = plan.usage.input_tokens - plan.usage.cached_input_tokens
        result.output_tokens, result.forced_tokens = plan.usage.output_tokens, plan.usage.forced_tokens
        rows = session.instruments.executor.run(plan.sql, max_rows=EVAL_MAX_ROWS).rows  # read-only transaction, no validator: the reference
        result.status, result.correct = "ok", _correct(gold, rows)
    except DecideSqlError as err:
        result.error_code = err.code
        result.undefined_name_errors = int(any(s in err.message for s in UNDEFINED_NAME_STATES))
    result.ms = (time.perf_counter() - started) * 1000
    return result


def run_eval(
    questions: list[EvalQuestion],
    *,
    settings: Settings,
    url_for: Callable[[str], str],
    model: Any,
    baseline: bool,
    on_result: Callable[[QuestionResult], None] | None = None,
) -> list[QuestionResult]:
    """Answer and score every question, grouped by database (one Session per database, one model)."""
    results: list[QuestionResult] = []
    by_db: dict[str, list[EvalQuestion]] = defaultdict(list)
    for q in questions:
        by_db[q.db].append(q)
    eval_settings = settings.model_copy(update={"max_rows": EVAL_MAX_ROWS})
    for db, group in by_db.items():
        with Session(settings=eval_settings, database_url=url_for(db), model=model) as session:
            model = session.model  # loaded once, shared by the next databases
            for q in group:
                gold = _gold(session, q)
                systems = [_engine(session, q, gold)] + ([_baseline(session, q, gold)] if baseline else [])
                for r in systems:
                    results.append(r)
                    if on_result:
                        on_result(r)
    return results


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.9 * len(ordered))) - 1)]


def summarize(results: list[QuestionResult]) -> dict[str, Any]:
    """EX overall, per category and per database, and the engine's operating figures, per system."""
    out: dict[str, Any] = {}
    for system in dict.fromkeys(r.system for r in results):
        rs = [r for r in results if r.system == system]
        n = len(rs)
        groups: dict[str, dict[str, list[QuestionResult]]] = {"category": defaultdict(list), "db": defaultdict(list)}
        for r in rs:
            groups["category"][r.category or "-"].append(r)
            groups["db"][r.db].append(r)
        needed_repair = [r for r in rs if r.attempts > 1]
        output = sum(r.output_tokens for r in rs)
        forced = sum(r.forced_tokens for r in rs)
        out[system] = {
            "questions": n,
            "correct": sum(r.correct for r in rs),
            "ex": _share(sum(r.correct for r in rs), n),
            "ex_by_category": {k: _share(sum(r.correct for r in v), len(v)) for k, v in sorted(groups["category"].items())},
            "ex_by_db": {k: _share(sum(r.correct for r in v), len(v)) for k, v in sorted(groups["db"].items())},
            "validated_first_time": _share(sum(r.validated_first_time for r in rs), n) if system == "engine" else None,
            "repair_success": _share(sum(r.status == "ok" for r in needed_repair), len(needed_repair)) if system == "engine" else None,
            "refused": sum(r.status == "refused" for r in rs),
            "clarify": sum(r.status == "clarify" for r in rs),
            "errors": sum(r.status == "error" for r in rs),
            "executed_unvalidated": sum(r.executed_unvalidated for r in rs) if system == "engine" else None,
            "undefined_name_runtime_errors": sum(r.undefined_name_errors for r in rs),
            "latency_ms_median": round(statistics.median([r.ms for r in rs]), 1) if rs else None,
            "latency_ms_p90": round(_p90([r.ms for r in rs]), 1) if rs else None,
            "llm_calls_per_question": round(sum(r.llm_calls for r in rs) / n, 2) if n else None,
            "uncached_input_tokens_per_question": round(sum(r.input_tokens for r in rs) / n, 1) if n else None,
            "output_tokens_per_question": round(output / n, 1) if n else None,
            "forced_token_share": _share(forced, forced + output),
        }
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return out


class ProgressLine:
    """One stderr line with the running accuracy per system (stdout stays clean)."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.correct = total, defaultdict(int), defaultdict(int)

    def __call__(self, r: QuestionResult) -> None:
        self.done[r.system] += 1
        self.correct[r.system] += r.correct
        parts = [f"{s} {self.correct[s]}/{self.done[s]} ({self.correct[s] / self.done[s]:.0%})" for s in self.done]
        sys.stderr.write(f"\r[{self.done['engine']}/{self.total}] " + "  ".join(parts) + " " * 8)
        sys.stderr.flush()
        if self.done["engine"] == self.total and all(self.done[s] == self.total for s in self.done):
            sys.stderr.write("\n")
