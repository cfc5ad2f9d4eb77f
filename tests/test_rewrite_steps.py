"""The ``date_like`` and ``nulls_last`` steps (engine/rewrites/dates.py, nulls.py) through ``rewrite``, on a real database:
the rewritten SQL runs and returns the rows meant."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.database.executor import Executor
from engine.errors import DatabaseError
from engine.settings import Settings
from tests.rewrite_steps import fields, run_step, unchanged

SETUP = """
CREATE TABLE member (id int PRIMARY KEY, name text, joined date, last_seen timestamptz, score int, code text);
INSERT INTO member VALUES
  (1, 'ann', '2024-03-05', '2024-12-31 23:00:00+00', 7, '2024-x'),
  (2, 'bo', '2023-11-20', NULL, NULL, 'b'),
  (3, 'cy', '2024-07-01', '2025-01-02 08:00:00+00', 9, 'c'),
  (4, 'di', NULL, '2023-05-05 10:00:00+00', 9, 'd');
"""


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with Executor(url, Settings()) as executor:
        yield schema, executor


def rows(db, sql: str) -> list[list]:
    return db[1].run(sql).rows


@pytest.mark.parametrize(
    ("sql", "meant", "cast"),
    [
        ("SELECT name FROM member WHERE joined LIKE '2024%' ORDER BY name", "SELECT name FROM member WHERE extract(year FROM joined) = 2024 ORDER BY name", "joined"),
        ("SELECT m.name FROM member m WHERE m.joined LIKE '2024-07-%'", "SELECT name FROM member WHERE joined >= '2024-07-01' AND joined < '2024-08-01'", "m.joined"),
        ("SELECT name FROM member WHERE last_seen ILIKE '2024-12%'", "SELECT name FROM member WHERE last_seen >= '2024-12-01' AND last_seen < '2025-01-01'", "last_seen"),
        ("SELECT COUNT(*) FROM member WHERE joined NOT LIKE '2024%'", "SELECT COUNT(*) FROM member WHERE extract(year FROM joined) <> 2024", "joined"),
    ],
)
def test_a_date_compared_with_like_is_compared_as_text_and_finds_the_rows_meant(db, sql: str, meant: str, cast: str) -> None:
    with pytest.raises(DatabaseError):  # as written PostgreSQL has no LIKE for dates
        rows(db, sql)
    done = run_step("date_like", sql, db[0])
    assert fields(done) == [("date_like", cast, f"CAST({cast} AS TEXT)")]
    assert rows(db, done.sql) == rows(db, meant) != []


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT name FROM member WHERE code LIKE '2024%'",  # a text column: LIKE is its own
        "SELECT name FROM member WHERE CAST(joined AS TEXT) LIKE '2024%'",  # cast already
        "SELECT name FROM member WHERE joined = '2024-03-05'",
        "SELECT name FROM member WHERE joined::text LIKE '2024%'",
    ],
)
def test_other_likes_are_left_alone(db, sql: str) -> None:
    assert unchanged(run_step("date_like", sql, db[0]), sql)


def test_the_top_row_under_a_limit_is_a_value_not_a_null(db) -> None:
    sql = "SELECT name, score FROM member ORDER BY score DESC LIMIT 1"
    assert rows(db, sql) == [["bo", None]]  # PostgreSQL sorts NULL above every value
    done = run_step("nulls_last", sql, db[0])
    assert fields(done) == [("nulls_last", "ORDER BY score DESC", "ORDER BY score DESC NULLS LAST")]
    assert rows(db, done.sql)[0][1] == rows(db, "SELECT max(score) FROM member")[0][0] == 9


def test_every_descending_key_and_a_subquery_get_nulls_last(db) -> None:
    sql = "SELECT name FROM member WHERE id IN (SELECT id FROM member ORDER BY joined DESC LIMIT 2) ORDER BY name"
    done = run_step("nulls_last", sql, db[0])
    assert [f.after for f in done.fixes] == ["ORDER BY joined DESC NULLS LAST"]
    assert rows(db, done.sql) == [["ann"], ["cy"]]  # the two latest to join; di, who has no date, is not one
    sql = "SELECT name FROM member ORDER BY score DESC, joined DESC LIMIT 2"
    done = run_step("nulls_last", sql, db[0])
    assert len(done.fixes) == 2 and rows(db, done.sql) == [["cy"], ["di"]]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT name FROM member ORDER BY score DESC",  # no LIMIT: every row is shown anyway
        "SELECT name FROM member ORDER BY score LIMIT 1",  # ascending: NULLs come last already
        "SELECT name FROM member ORDER BY score DESC NULLS FIRST LIMIT 1",  # spelled out: meant
        "SELECT name FROM member ORDER BY score DESC NULLS LAST LIMIT 1",
    ],
)
def test_orders_that_need_no_nulls_last_are_left_alone(db, sql: str) -> None:
    rows(db, sql)
    assert unchanged(run_step("nulls_last", sql, db[0]), sql)
