"""Dialect rewrites made before validation (engine/rewrites/sql_fixes.py)."""

from __future__ import annotations

import pytest

from engine.schema import Column, Schema, Table
from engine.rewrites.sql_fixes import cast_dates_for_like, keep_ties, order_by_measure
from engine.policy.validator import validate
from tests.validator_corpus import retail_schema

SCHEMA = retail_schema()


@pytest.mark.parametrize(
    ("sql", "expected", "fixed"),
    [
        (
            "SELECT c.first_name FROM customers c WHERE c.created_at LIKE '2024%' AND c.first_name LIKE 'A%'",
            "SELECT c.first_name FROM customers AS c WHERE CAST(c.created_at AS TEXT) LIKE '2024%' AND c.first_name LIKE 'A%'",
            ["customers.created_at (timestamp with time zone) compared as text for LIKE"],
        ),
        ("SELECT 1 FROM orders WHERE ordered_at ILIKE '2024-01%'", "SELECT 1 FROM orders WHERE CAST(ordered_at AS TEXT) ILIKE '2024-01%'", 1),
        ("SELECT 1 FROM orders WHERE status LIKE 'pa%'", "SELECT 1 FROM orders WHERE status LIKE 'pa%'", []),  # a text column: unchanged
        ("SELECT 1 FROM orders WHERE ordered_at LIKE", "SELECT 1 FROM orders WHERE ordered_at LIKE", []),  # does not parse: the validator says why
    ],
)
def test_a_date_compared_with_like_is_compared_as_text(sql: str, expected: str, fixed: list[str] | int) -> None:
    out, fixes = cast_dates_for_like(sql, SCHEMA)
    assert out == expected
    assert (len(fixes) if isinstance(fixed, int) else fixes) == fixed


TIES = "LIMIT 1 keeps ties (FETCH FIRST 1 ROWS WITH TIES)"
ONCE = "each tied answer listed once (DISTINCT)"
ONCE_AROUND = "each tied answer listed once (SELECT DISTINCT * FROM (...) AS ranked)"


@pytest.mark.parametrize(
    ("sql", "expected", "fixed"),
    [
        (
            "SELECT name FROM products ORDER BY price DESC LIMIT 1",
            "SELECT name FROM products ORDER BY price DESC NULLS LAST FETCH FIRST 1 ROWS WITH TIES",
            ["ORDER BY price DESC puts NULLs last", TIES],
        ),
        ("SELECT name FROM products ORDER BY price LIMIT 1", "SELECT name FROM products ORDER BY price FETCH FIRST 1 ROWS WITH TIES", [TIES]),
        # a scalar subquery must stay one row; its NULLs still go last
        (
            "SELECT 1 FROM orders WHERE customer_id = (SELECT customer_id FROM orders ORDER BY total_amount DESC LIMIT 1)",
            "SELECT 1 FROM orders WHERE customer_id = (SELECT customer_id FROM orders ORDER BY total_amount DESC NULLS LAST LIMIT 1)",
            ["ORDER BY total_amount DESC puts NULLs last"],
        ),
        (
            "SELECT 1 FROM orders WHERE customer_id IN (SELECT customer_id FROM orders ORDER BY total_amount LIMIT 1)",
            "SELECT 1 FROM orders WHERE customer_id IN (SELECT customer_id FROM orders ORDER BY total_amount FETCH FIRST 1 ROWS WITH TIES)",
            [TIES],
        ),
        (  # a subquery in FROM that the outer query only projects: its ties are rows of the answer
            "SELECT s.name FROM (SELECT name, price FROM products ORDER BY price LIMIT 1) AS s",
            "SELECT s.name FROM (SELECT name, price FROM products ORDER BY price FETCH FIRST 1 ROWS WITH TIES) AS s",
            [TIES],
        ),
        (  # ... also when the subquery aggregates for its ranking
            "SELECT s.customer_id FROM (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id ORDER BY n LIMIT 1) AS s",
            "SELECT s.customer_id FROM (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id ORDER BY n FETCH FIRST 1 ROWS WITH TIES) AS s",
            [TIES],
        ),
        (  # but not inside a scalar subquery, which must stay one row
            "SELECT 1 FROM orders WHERE customer_id = (SELECT s.customer_id FROM (SELECT customer_id FROM orders ORDER BY total_amount LIMIT 1) AS s)",
            "SELECT 1 FROM orders WHERE customer_id = (SELECT s.customer_id FROM (SELECT customer_id FROM orders ORDER BY total_amount LIMIT 1) AS s)",
            [],
        ),
        (  # and an outer aggregate would count the ties
            "SELECT COUNT(*) FROM (SELECT name FROM products ORDER BY price LIMIT 1) AS s",
            "SELECT COUNT(*) FROM (SELECT name FROM products ORDER BY price LIMIT 1) AS s",
            [],
        ),
        (  # a join repeats a tied answer once per joined row: each is listed once
            "SELECT c.email, c.created_at FROM customers c JOIN orders o ON o.customer_id = c.customer_id ORDER BY c.created_at LIMIT 1",
            "SELECT DISTINCT c.email, c.created_at FROM customers AS c JOIN orders AS o ON o.customer_id = c.customer_id ORDER BY c.created_at FETCH FIRST 1 ROWS WITH TIES",
            [TIES, ONCE],
        ),
        (  # ... around the query when it orders by a value it does not select (DISTINCT could not)
            "SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.customer_id ORDER BY o.total_amount LIMIT 1",
            "SELECT DISTINCT * FROM (SELECT c.email FROM customers AS c JOIN orders AS o ON o.customer_id = c.customer_id ORDER BY o.total_amount FETCH FIRST 1 ROWS WITH TIES) AS ranked",
            [TIES, ONCE_AROUND],
        ),
        (  # a DISTINCT the model wrote, ordered by an unselected value: PostgreSQL refuses it as written
            "SELECT DISTINCT c.email FROM customers c JOIN orders o ON o.customer_id = c.customer_id ORDER BY o.total_amount LIMIT 1",
            "SELECT DISTINCT * FROM (SELECT c.email FROM customers AS c JOIN orders AS o ON o.customer_id = c.customer_id ORDER BY o.total_amount FETCH FIRST 1 ROWS WITH TIES) AS ranked",
            [TIES, ONCE_AROUND],
        ),
        (  # counted per group: the rows are already one per answer
            "SELECT c.email, COUNT(*) AS n FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY c.email ORDER BY n LIMIT 1",
            "SELECT c.email, COUNT(*) AS n FROM customers AS c JOIN orders AS o ON o.customer_id = c.customer_id GROUP BY c.email ORDER BY n FETCH FIRST 1 ROWS WITH TIES",
            [TIES],
        ),
        ("SELECT name FROM products ORDER BY price LIMIT 3", "SELECT name FROM products ORDER BY price LIMIT 3", []),  # asked for three
        ("SELECT name FROM products ORDER BY price LIMIT 1 OFFSET 1", "SELECT name FROM products ORDER BY price LIMIT 1 OFFSET 1", []),
        ("SELECT name FROM products LIMIT 1", "SELECT name FROM products LIMIT 1", []),  # no order: nothing to tie on
        ("SELECT name FROM products ORDER BY price DESC", "SELECT name FROM products ORDER BY price DESC", []),  # no limit: NULLs are shown anyway
        # the SQL chose its NULLs order itself
        ("SELECT name FROM products ORDER BY price DESC NULLS FIRST LIMIT 1", "SELECT name FROM products ORDER BY price DESC FETCH FIRST 1 ROWS WITH TIES", [TIES]),
        ("SELECT name FROM products ORDER BY", "SELECT name FROM products ORDER BY", []),  # does not parse: the validator says why
    ],
)
def test_a_superlative_keeps_its_ties_and_skips_nulls(sql: str, expected: str, fixed: list[str]) -> None:
    assert keep_ties(sql, SCHEMA) == (expected, fixed)
    if fixed:
        assert validate(expected, SCHEMA).sql


def test_a_repair_that_copies_a_rewritten_superlative_is_left_as_it_is() -> None:
    once, _ = keep_ties("SELECT c.email FROM customers c JOIN orders o ON o.customer_id = c.customer_id ORDER BY o.total_amount LIMIT 1", SCHEMA)
    assert keep_ties(once, SCHEMA) == (once, [])


def test_an_old_server_keeps_limit_1() -> None:
    old = SCHEMA.model_copy(update={"server_version": "12.17 (Debian 12.17-1.pgdg120+1)"})
    assert keep_ties("SELECT name FROM products ORDER BY price LIMIT 1", old) == ("SELECT name FROM products ORDER BY price LIMIT 1", [])


# A weather-station table: each ranked name stands beside its measure.
STATIONS = Schema(
    database="weather",
    tables=[
        Table(
            schema_name="public",
            name="stations",
            primary_key=["station_name"],
            columns=[
                Column(name="station_name", type="text"),
                Column(name="warmest_month", type="text"),
                Column(name="warmest_temp", type="numeric(4,1)"),
                Column(name="coldestMonth", type="character varying(10)"),
                Column(name="coldestTemp", type="real"),
                Column(name="top_wind_direction", type="text"),
                Column(name="top_wind_speed", type="integer"),
                Column(name="top_gust_speed", type="integer"),
            ],
        )
    ],
)


@pytest.mark.parametrize(
    ("sql", "expected", "fixed"),
    [
        (
            "SELECT station_name FROM stations ORDER BY warmest_month DESC LIMIT 1",
            "SELECT station_name FROM stations ORDER BY warmest_temp DESC LIMIT 1",
            ["ORDER BY stations.warmest_month (text, sorts alphabetically) orders by stations.warmest_temp"],
        ),
        (  # camelCase names, a qualified column, ascending
            "SELECT s.station_name FROM stations s ORDER BY s.\"coldestMonth\" LIMIT 1",
            'SELECT s.station_name FROM stations AS s ORDER BY s."coldestTemp" LIMIT 1',
            ['ORDER BY stations.coldestMonth (text, sorts alphabetically) orders by stations.coldestTemp'],
        ),
        # a name that does not say it is ranked sorts alphabetically on purpose
        ("SELECT station_name FROM stations ORDER BY station_name LIMIT 1", "SELECT station_name FROM stations ORDER BY station_name LIMIT 1", []),
        # two measures carry the rank word: which one is meant is not known
        (
            "SELECT station_name FROM stations ORDER BY top_wind_direction DESC LIMIT 1",
            "SELECT station_name FROM stations ORDER BY top_wind_direction DESC LIMIT 1",
            [],
        ),
        # already a number
        ("SELECT station_name FROM stations ORDER BY warmest_temp DESC", "SELECT station_name FROM stations ORDER BY warmest_temp DESC", []),
    ],
)
def test_a_ranked_name_orders_by_its_measure(sql: str, expected: str, fixed: list[str]) -> None:
    assert order_by_measure(sql, STATIONS) == (expected, fixed)
    validate(expected, STATIONS)
