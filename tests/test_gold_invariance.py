"""Every rewrite leaves every development gold query's result unchanged.

A rewrite fixes a slip the query itself shows; a correct query has none, so
running the whole pipeline over correct SQL must not change what it returns.
The development sets (``../shared/benchmarks``) hold correct SQL on real
databases: each gold statement goes through the rewrites with its own
question, and the rewritten statement must return the same rows (and a second
pass over it must change nothing: a repair is shown the rewritten query).
Doubts read from the SQL and the keys (a join whose condition never mentions
its table, an IN subquery that outputs the outer row's own column, a count per
group of one table whose groups are single rows) must not fire on any of them
either: a doubt costs a repair.
Skipped when the folder is not beside the checkout (the project never needs it).
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest

from engine.errors import DecideSqlError
from engine.evaluation.dumps import database_url, ensure_dump
from engine.evaluation.gold import gold_alternatives, is_ordered
from engine.evaluation.questions import load_questions
from engine.evaluation.scoring import results_match
from engine.rewrites.context import RewriteContext
from engine.rewrites.pipeline import rewrite
from engine.session import MAX_NAMED_VALUES, Session
from engine.settings import Settings
from engine.sql_tree import parse
from engine.values.doubts import one_row_groups, outer_subquery_outputs, unlinked_joins

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
pytestmark = pytest.mark.skipif(not (BENCHMARKS / "questions").is_dir(), reason="no ../shared/benchmarks beside the checkout")
MAX_ROWS = 100_000


def _gold_by_db() -> dict[str, list[tuple[str, str]]]:
    by_db: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in sorted((BENCHMARKS / "questions").glob("*.jsonl")):
        for q in load_questions(path):
            for sql in gold_alternatives(q.gold_sql):
                by_db[q.db].append((q.question, sql))
    return dict(by_db)


def test_rewrites_keep_every_gold_result_and_no_structural_doubt_fires(admin_url: str, tmp_path: Path) -> None:
    changed: list[str] = []
    rewritten = 0
    for db, golds in _gold_by_db().items():
        ensure_dump(admin_url, BENCHMARKS / "databases", db)
        settings = Settings(database_url=database_url(admin_url, db), cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")
        with Session(settings=settings, model="scripted") as session:
            run = session.instruments.executor.run
            for question, sql in golds:
                tree = parse(sql)
                notes = [*unlinked_joins(tree, session.schema), *outer_subquery_outputs(tree, session.schema), *one_row_groups(tree, session.schema, session.repeats)] if tree is not None else []
                changed += [f"{db}: {sql!r} is doubted: {note.text}" for note in notes]
                try:
                    before = run(sql, max_rows=MAX_ROWS).rows
                except DecideSqlError:
                    continue  # an alternative that does not run is not scored either
                named = session.values.matches(question, limit=MAX_NAMED_VALUES)
                ctx = RewriteContext(schema=session.schema, question=question, sql=sql, probe=session.probe, values=session.values, named_values=named)
                done = rewrite(sql, ctx)
                if done.sql == sql:
                    continue
                rewritten += 1
                again = rewrite(done.sql, RewriteContext(schema=session.schema, question=question, sql=done.sql, probe=session.probe, values=session.values, named_values=named))
                if again.fixes:  # a repair is shown the rewritten query: a second pass must find nothing more
                    changed.append(f"{db}: {done.sql!r} is rewritten again: {again.sql!r}")
                try:
                    after = run(done.sql, max_rows=MAX_ROWS).rows
                except DecideSqlError as err:
                    changed.append(f"{db}: {sql!r} -> {done.sql!r}: fails: {err.message}")
                    continue
                if not results_match(before, after, ordered=is_ordered(sql)):
                    changed.append(f"{db}: {sql!r} -> {done.sql!r} ({'; '.join(f'{f.kind}: {f}' for f in done.fixes)})")
    print(f"{rewritten} gold statements rewritten, {len(changed)} with another result")
    assert not changed, "\n".join(changed)


def test_the_projects_own_gold_queries_run_and_find_rows(admin_url: str) -> None:
    """benchmarks/questions/other-schemas.jsonl: every gold query runs on its dump and returns rows (an empty gold scores nothing)."""
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "questions" / "other-schemas.jsonl"
    questions = load_questions(path)
    assert len(questions) == 70 and len({q.db for q in questions}) == 5
    empty: list[str] = []
    for db in sorted({q.db for q in questions}):
        ensure_dump(admin_url, BENCHMARKS / "databases", db)
        with closing(psycopg2.connect(database_url(admin_url, db))) as conn, conn.cursor() as cur:
            for q in (q for q in questions if q.db == db):
                cur.execute(q.gold_sql)
                empty += [] if cur.fetchall() else [f"{q.id}: {q.gold_sql}"]
    assert not empty, "\n".join(empty)
