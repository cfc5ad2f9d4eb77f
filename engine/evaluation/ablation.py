"""``decide-sql eval --ablate RUN.jsonl``: what each rewrite step gains and loses, replayed without a model call.

A run's ``--output`` lines record, for each engine answer, the SQL of its
final attempt as the model wrote it (``planned_sql``, before the rewrites).
The ablation sends that SQL through the rewrite pipeline once with every
reference step on, and once with each step turned off in turn; each result is
validated, executed read-only and scored against the gold rows like a run's
answer. A step *gains* a question when the answer is right with it and wrong
without it, and *loses* one when it is wrong with it and right without it.

The replay holds the model's SQL fixed: it cannot see that without a step a
repair might have been asked for and written something else. Every step is
also applied to the gold SQL of the replayed questions: a step that changes a
gold result is reported (``gold_changed``).

Keep rule (issue 18): a step stays only if it gains on at least two
databases of different domains and loses on none; a step that changes no
replayed SQL stays only if it changes no gold result (tests/test_gold_invariance.py
checks all development gold SQL). Each database is its own domain unless
``domains`` maps several to one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from engine.errors import BadInput, DecideSqlError
from engine.evaluation.gold import gold_alternatives, is_ordered
from engine.evaluation.questions import EvalQuestion
from engine.evaluation.runner import EVAL_MAX_ROWS, Gold, QuestionResult, run_gold
from engine.evaluation.scoring import results_match
from engine.rewrites.context import RewriteContext
from engine.rewrites.pipeline import STEP_NAMES, parse_steps, rewrite
from engine.session import MAX_NAMED_VALUES, Session
from engine.settings import Settings


class StepFigures(BaseModel):
    step: str
    fired: int = 0  # replayed answers whose SQL differs when the step is off
    gained: int = 0  # right with the step, wrong without
    lost: int = 0  # wrong with the step, right without
    gained_by_db: dict[str, int] = Field(default_factory=dict)
    lost_by_db: dict[str, int] = Field(default_factory=dict)
    fired_by_db: dict[str, int] = Field(default_factory=dict)
    gold_changed: int = 0  # gold statements whose result the step changes
    verdict: str = ""


class Ablation(BaseModel):
    run: str
    reference_steps: list[str]
    replayed: int  # engine answers with a recorded planned_sql
    not_replayed: int  # engine answers without SQL (clarify, refuse decision, model errors): wrong with every step set
    replayed_by_db: dict[str, int]
    reference_correct: int  # right with every reference step on, replayed
    recorded_correct: int  # right in the run itself (of the replayed answers)
    disagreements: list[str]  # ids where the replay with every step on disagrees with the run (should be empty)
    replay_errors: int = 0  # a rewrite step raised on the recorded SQL (counted as wrong)
    steps: list[StepFigures]


def load_run(path: Path) -> list[QuestionResult]:
    """The engine lines of a run's --output file; a line that is not a result is a one-line error naming it."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read --ablate {path}: {getattr(exc, 'strerror', None) or exc}; pass the --output file of a decide-sql eval run") from None
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = QuestionResult.model_validate(json.loads(line))
        except (json.JSONDecodeError, ValidationError):
            raise BadInput(f"{path}:{number}: not a result line of decide-sql eval --output; pass the --output file of a run") from None
        if r.system == "engine":
            out.append(r)
    if not out:
        raise BadInput(f"{path} holds no engine results; run decide-sql eval (without --baseline-only) with --output first")
    return out


def verdict(f: StepFigures, domains: dict[str, str]) -> str:
    """The keep rule applied to one step's figures."""
    if f.gold_changed:
        return f"drop: changes {f.gold_changed} gold result{'s' * (f.gold_changed > 1)}"
    if f.lost:
        return "drop: loses on " + ", ".join(sorted(db for db, n in f.lost_by_db.items() if n))
    gain_domains = {domains.get(db, db) for db, n in f.gained_by_db.items() if n}
    if len(gain_domains) >= 2:
        return "keep"
    if not f.fired:
        return "unexercised: keep only if tests/test_gold_invariance.py passes (no gold result changed here)"
    if not f.gained:
        return f"drop: fires on {f.fired} but gains nothing"
    return f"drop: gains on {len(gain_domains)} domain, needs 2"


class _Replay:
    """Rewrite, validate, run and score one recorded SQL under step sets; equal SQL is run once."""

    def __init__(self, session: Session, q: EvalQuestion, planned_sql: str, gold: Gold) -> None:
        self.session, self.q, self.planned, self.gold = session, q, planned_sql, gold
        self.named = session.values.matches(q.question, limit=MAX_NAMED_VALUES)
        self._scored: dict[str, bool] = {}
        self.errors = 0

    def context(self, sql: str) -> RewriteContext:
        s = self.session
        return RewriteContext(schema=s.schema, question=self.q.question, sql=sql, probe=s.probe, values=s.values, named_values=self.named)

    def outcome(self, steps: list[str]) -> tuple[str | None, bool]:
        """(the SQL that would be validated, whether its result is right); None SQL: a step raised."""
        try:
            sql = rewrite(self.planned, self.context(self.planned), steps=steps).sql
        except Exception:  # noqa: BLE001 - the engine would have failed on this question: wrong
            self.errors += 1
            return None, False
        if sql not in self._scored:
            self._scored[sql] = self._score(sql)
        return sql, self._scored[sql]

    def _score(self, sql: str) -> bool:
        inst = self.session.instruments
        try:
            checked = inst.validate(sql, max_rows=EVAL_MAX_ROWS)
            return self.gold.matches(inst.run(checked.sql).rows)
        except DecideSqlError:
            return False

    def gold_changes(self, steps: list[str]) -> list[str]:
        """Step names whose fixes change the result of a gold statement of this question (one entry per statement)."""
        run = self.session.instruments.executor.run
        changed: list[str] = []
        for sql in gold_alternatives(self.q.gold_sql):
            try:
                done = rewrite(sql, self.context(sql), steps=steps)
                if done.sql == sql:
                    continue
                before = run(sql, max_rows=EVAL_MAX_ROWS).rows
            except Exception:  # noqa: BLE001 - a gold statement that does not run is not scored either
                continue
            try:
                same = results_match(before, run(done.sql, max_rows=EVAL_MAX_ROWS).rows, ordered=is_ordered(sql))
            except DecideSqlError:
                same = False
            if not same:
                changed += sorted({f.kind for f in done.fixes if f.kind})
        return changed


def ablate(
    run_path: Path,
    results: list[QuestionResult],
    questions: list[EvalQuestion],
    *,
    settings: Settings,
    urls: dict[str, str],
    domains: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Ablation:
    """Replay every engine answer of ``results`` with each reference step off in turn (module docstring)."""
    by_id = {q.id: q for q in questions}
    if missing := [r.id for r in results if r.id not in by_id]:
        raise BadInput(f"--ablate: question id {missing[0]!r} of the run is not in the question file ({len(missing)} missing); pass the question file the run used")
    chosen = parse_steps(settings.rewrites)
    reference = [s for s in STEP_NAMES if chosen is None or s in chosen]
    figures = {s: StepFigures(step=s) for s in reference}
    replayable = [r for r in results if r.planned_sql]
    replayed_by_db: Counter[str] = Counter(r.db for r in replayable)
    reference_correct = recorded_correct = errors = 0
    disagreements: list[str] = []
    session_settings = settings.model_copy(update={"max_rows": EVAL_MAX_ROWS})
    for db in sorted(replayed_by_db):
        if progress:
            progress(f"ablate: {db}: replaying {replayed_by_db[db]} answers with each of {len(reference)} steps off")
        with Session(settings=session_settings, database_url=urls[db], model="scripted") as session:
            for r in (r for r in replayable if r.db == db):
                q = by_id[r.id]
                replay = _Replay(session, q, r.planned_sql or "", run_gold(session, q))
                full_sql, right = replay.outcome(reference)
                reference_correct += right
                recorded_correct += r.correct
                if right != r.correct:
                    disagreements.append(r.id)
                for step in reference:
                    f = figures[step]
                    sql, right_without = replay.outcome([s for s in reference if s != step])
                    if sql != full_sql:
                        f.fired += 1
                        f.fired_by_db[db] = f.fired_by_db.get(db, 0) + 1
                    if right and not right_without:
                        f.gained += 1
                        f.gained_by_db[db] = f.gained_by_db.get(db, 0) + 1
                    elif right_without and not right:
                        f.lost += 1
                        f.lost_by_db[db] = f.lost_by_db.get(db, 0) + 1
                for step in replay.gold_changes(reference):
                    if step in figures:
                        figures[step].gold_changed += 1
                errors += replay.errors
    for f in figures.values():
        f.verdict = verdict(f, domains or {})
    return Ablation(
        run=str(run_path), reference_steps=reference, replayed=len(replayable), not_replayed=len(results) - len(replayable),
        replayed_by_db=dict(sorted(replayed_by_db.items())), reference_correct=reference_correct, recorded_correct=recorded_correct,
        disagreements=disagreements, replay_errors=errors, steps=list(figures.values()),
    )


def _by_db_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{db} {n}" for db, n in sorted(counts.items()) if n) or "-"


def ablation_table(a: Ablation) -> dict[str, Any]:
    """One row per step: fired, gained, lost (with the databases), gold results changed, verdict."""
    rows = [[f.step, f.fired, f.gained, f.lost, _by_db_text(f.gained_by_db), _by_db_text(f.lost_by_db), f.gold_changed, f.verdict] for f in a.steps]
    return {"columns": ["step", "fired", "gained", "lost", "gained on", "lost on", "gold changed", "verdict"], "rows": rows}


def ablation_db_table(a: Ablation) -> dict[str, Any]:
    """One row per step and database where the step fired: fired, gained, lost."""
    rows = [
        [f.step, db, f.fired_by_db.get(db, 0), f.gained_by_db.get(db, 0), f.lost_by_db.get(db, 0)]
        for f in a.steps for db in a.replayed_by_db if f.fired_by_db.get(db) or f.gained_by_db.get(db) or f.lost_by_db.get(db)
    ]
    return {"columns": ["step", "db", "fired", "gained", "lost"], "rows": rows}
