"""Every legitimate read of tests/legit_read_corpus.py is accepted by the validator, left
untouched by the dialect step, runs through the executor on a real PostgreSQL, and
returns there what the read as written returns."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

import psycopg2
import pytest

from engine.database.executor import Executor
from engine.errors import SqlRefused
from engine.policy.dialect import to_postgres
from engine.policy.validator import validate
from engine.settings import Settings
from tests.legit_read_corpus import SHOP_SQL, TRANSIT_SQL, reads

READS = reads()


@pytest.fixture(scope="module")
def databases(make_schema_db) -> dict[str, tuple[str, object]]:
    return {"shop": make_schema_db(SHOP_SQL), "transit": make_schema_db(TRANSIT_SQL)}


@pytest.fixture(scope="module")
def executors(databases) -> Iterator[dict[str, Executor]]:
    opened = {name: Executor(url, Settings(database_url=url)) for name, (url, _) in databases.items()}
    yield opened
    for executor in opened.values():
        executor.close()


@pytest.mark.parametrize("read", READS, ids=[r.id for r in READS])
def test_read_is_accepted_and_runs(read, databases, executors) -> None:
    _, schema = databases[read.db]
    try:
        checked = validate(read.sql, schema)
    except SqlRefused as exc:
        pytest.fail(f"refused {exc.code}: {exc.message}")
    assert checked.normalized_from is None  # correct PostgreSQL is never transpiled
    assert validate(checked.sql, schema).sql == checked.sql  # the output is stable and still valid
    result = executors[read.db].run(checked.sql)
    assert result.row_count >= 0 and result.columns


def _rows(cur, sql: str) -> list[str]:
    """A result as a sorted list of rows, numbers of any type compared by value (date_part's double is EXTRACT's numeric)."""
    cur.execute("SELECT setseed(0.5)")  # random() draws the same values for both statements
    cur.execute(sql)
    return sorted(repr([float(v) if isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) else v for v in row]) for row in cur.fetchall())


@pytest.mark.parametrize("db", ["shop", "transit"])
def test_what_runs_returns_what_was_written(databases, db: str) -> None:
    """The validator runs SQL regenerated from sqlglot's tree: it must return the rows PostgreSQL gives the read as written.

    Both run in one read-only transaction, so now() and CURRENT_TIME are the same instant.
    """
    url, schema = databases[db]
    changed = []
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SET TRANSACTION READ ONLY")
        for read in (r for r in READS if r.db == db):
            if _rows(cur, read.sql) != _rows(cur, validate(read.sql, schema, max_rows=None).sql):
                changed.append(read.id)
        conn.rollback()
    assert changed == []


def test_no_read_is_touched_by_the_dialect_step(databases) -> None:
    touched = [r.id for r in READS if to_postgres(r.sql, databases[r.db][1]) is not None]
    assert touched == []


def test_corpus_is_large_varied_and_on_two_databases() -> None:
    assert len(READS) >= 300 and len({r.id for r in READS}) == len(READS)
    families = Counter(r.id.split(":")[0] for r in READS)
    assert len(families) >= 10 and min(families.values()) >= 20
    assert Counter(r.db for r in READS)["transit"] >= 60


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT name FROM customers ORDER BY name NULLS LAST", "SELECT name FROM customers ORDER BY name LIMIT 1000"),
        ("SELECT name FROM customers ORDER BY name ASC NULLS LAST", "SELECT name FROM customers ORDER BY name ASC LIMIT 1000"),
        ("SELECT name FROM customers ORDER BY name NULLS FIRST", "SELECT name FROM customers ORDER BY name NULLS FIRST LIMIT 1000"),
        ("SELECT name FROM customers ORDER BY name DESC", "SELECT name FROM customers ORDER BY name DESC LIMIT 1000"),
        ("SELECT name FROM customers ORDER BY name DESC NULLS FIRST", "SELECT name FROM customers ORDER BY name DESC LIMIT 1000"),
        ("SELECT name FROM customers ORDER BY name DESC NULLS LAST", "SELECT name FROM customers ORDER BY name DESC NULLS LAST LIMIT 1000"),
        ("SELECT CURRENT_DATE - INTERVAL '70' DAY", "SELECT CURRENT_DATE - INTERVAL '70 DAY' LIMIT 1000"),
        ("SELECT INTERVAL '1-2' YEAR TO MONTH", "SELECT INTERVAL '1-2' YEAR TO MONTH LIMIT 1000"),
        ("SELECT CURRENT_TIME", "SELECT CURRENT_TIME LIMIT 1000"),
        ("SELECT 5 > ALL (ARRAY[1, 2])", "SELECT 5 > ALL (ARRAY[1, 2]) LIMIT 1000"),
    ],
)
def test_default_spellings_keep_their_meaning(databases, sql: str, expected: str) -> None:
    """What the round trip drops is only PostgreSQL's default spelled out: the meaning is kept."""
    assert validate(sql, databases["shop"][1]).sql == expected
