"""A ratio of two integers is computed in numeric: the ``numeric_division`` step (engine/rewrites/ratios.py), run through
``rewrite`` on two unrelated real databases; divisions whose integer result a query means are left alone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.database.executor import Executor
from engine.settings import Settings
from tests.rewrite_steps import run_step, unchanged

SHOP = """
CREATE TABLE orders (id int PRIMARY KEY, status text, qty integer, price numeric(8,2), returned boolean);
INSERT INTO orders VALUES (1, 'paid', 3, 9.50, false), (2, 'returned', 1, 20.00, true), (3, 'paid', 4, 5.25, false);
"""
SCHOOL = """
CREATE TABLE class (class_id smallint PRIMARY KEY, room text);
CREATE TABLE pupil (pupil_id bigint PRIMARY KEY, name text, class_id smallint REFERENCES class, age smallint, points bigint);
INSERT INTO class VALUES (1, 'a'), (2, 'b');
INSERT INTO pupil VALUES (1, 'ann', 1, 10, 31), (2, 'bo', 1, 11, 40), (3, 'cy', 2, 12, 7), (4, 'dee', 2, 13, 12), (5, 'eve', 2, 13, 5);
"""


@pytest.fixture(scope="module")
def shop(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SHOP)
    with Executor(url, Settings()) as executor:
        yield schema, executor


@pytest.fixture(scope="module")
def school(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SCHOOL)
    with Executor(url, Settings()) as executor:
        yield schema, executor


def rows(db, sql: str) -> list[list]:
    return db[1].run(sql).rows


def check(db, sql: str, truth: str, cast: str) -> None:
    """``sql`` divides integers (a truncated answer as written); rewritten, it returns the numeric ``truth``."""
    done = run_step("numeric_division", sql, db[0])
    assert rows(db, sql) != rows(db, truth)  # integer division as written
    assert [f.kind for f in done.fixes] == ["numeric_division"] and f"CAST({cast} AS DECIMAL) /" in done.fixes[0].after
    assert rows(db, done.sql) == rows(db, truth)


@pytest.mark.parametrize(
    ("sql", "truth", "cast"),
    [
        ("SELECT COUNT(*) FILTER (WHERE returned) / COUNT(*) FROM orders", "SELECT 1::numeric / 3", "COUNT(*) FILTER(WHERE returned)"),
        (
            "SELECT SUM(CASE WHEN status = 'returned' THEN 1 ELSE 0 END) * 100 / COUNT(*) FROM orders",
            "SELECT 100::numeric / 3",
            "SUM(CASE WHEN status = 'returned' THEN 1 ELSE 0 END) * 100",
        ),
        ("SELECT SUM(qty) / COUNT(qty) AS mean_qty FROM orders", "SELECT 8::numeric / 3", "SUM(qty)"),
        (
            "SELECT status, COUNT(*) / (SELECT COUNT(*) FROM orders) AS share FROM orders GROUP BY status ORDER BY status",
            "SELECT status, COUNT(*)::numeric / 3 FROM orders GROUP BY status ORDER BY status",
            "COUNT(*)",
        ),
        ("SELECT ROUND(SUM(qty) / 3, 2) FROM orders WHERE status = 'paid'", "SELECT ROUND(7::numeric / 3, 2)", "SUM(qty)"),
    ],
)
def test_a_ratio_of_integers_in_the_shop_is_a_fraction(shop, sql: str, truth: str, cast: str) -> None:
    check(shop, sql, truth, cast)


def test_a_ratio_of_integers_in_the_school_is_a_fraction(school) -> None:
    check(school, "SELECT p.class_id, SUM(p.age) / COUNT(*) FROM pupil p GROUP BY p.class_id ORDER BY p.class_id",
          "SELECT class_id, SUM(age)::numeric / COUNT(*) FROM pupil GROUP BY class_id ORDER BY class_id", "SUM(p.age)")
    # a ratio in a condition: with integer division no class has a mean age above 12.5
    check(school, "SELECT class_id FROM pupil GROUP BY class_id HAVING SUM(age) / COUNT(*) > 12.5", "SELECT 2", "SUM(age)")
    check(school, "SELECT name FROM pupil WHERE age / 2 > 6.1 ORDER BY name", "SELECT unnest(ARRAY['dee', 'eve'])", "age")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT price / qty FROM orders",  # a numeric column: numeric already
        "SELECT AVG(qty) / 2 FROM orders",  # AVG is numeric
        "SELECT CAST(COUNT(*) AS REAL) / COUNT(*) FROM orders",  # cast already
        "SELECT id % 2 FROM orders",  # a remainder, not a ratio
        "SELECT qty / s.n FROM orders, (SELECT 2 AS n) s",  # a subquery's column: its type is not read here
    ],
)
def test_divisions_not_of_two_integers_are_left_alone(shop, sql: str) -> None:
    rows(shop, sql)
    assert unchanged(run_step("numeric_division", sql, shop[0]), sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT SUM(points) / COUNT(*) FROM pupil",  # SUM of bigint is numeric in PostgreSQL: a fraction already
        "SELECT age / 5 AS band, COUNT(*) FROM pupil GROUP BY age / 5 ORDER BY band",  # buckets: a GROUP BY key
        "SELECT age / 5, COUNT(*) FROM pupil GROUP BY 1",  # ... named by position: still a whole number per bucket
        "SELECT name, RANK() OVER (PARTITION BY age / 5 ORDER BY points) FROM pupil",
        "SELECT FLOOR(age / 3) FROM pupil",  # the query asks for a whole number itself
        "SELECT CAST(points / 3 AS INT) FROM pupil",
        "SELECT name FROM pupil ORDER BY pupil_id LIMIT (SELECT COUNT(*) / 2 FROM pupil)",  # a row count
        "SELECT name FROM pupil WHERE age / 10 = 1",  # equal to an integer: only integer division can hold
        "SELECT name FROM pupil WHERE points / 10 IN (3, 4)",
        "SELECT SUBSTRING(name FROM 1 FOR LENGTH(name) / 2) FROM pupil",  # a length
    ],
)
def test_divisions_whose_integer_result_is_meant_are_left_alone(school, sql: str) -> None:
    rows(school, sql)
    assert unchanged(run_step("numeric_division", sql, school[0]), sql)
