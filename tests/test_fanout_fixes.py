"""Answers a filtering join repeats, listed once: the ``fanout`` step (engine/rewrites/fanout.py), run through ``rewrite`` on real data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.database.executor import Executor
from engine.settings import Settings
from engine.values.index import probe_executor
from tests.rewrite_steps import fields, run_step, unchanged

SETUP = """
CREATE TABLE customers (id int PRIMARY KEY, name text, city text);
CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customers(id), item text, total numeric);
CREATE TABLE visits (customer_id int, day date);
INSERT INTO customers VALUES (1, 'ann', 'oslo'), (2, 'bo', 'rome'), (3, 'cy', 'oslo');
INSERT INTO orders VALUES (10, 1, 'lamp', 5), (11, 1, 'lamp', 7), (12, 2, 'lamp', 9), (13, 3, 'desk', 4);
INSERT INTO visits VALUES (1, '2026-01-01'), (1, '2026-01-02');
"""
FIX = [("fanout", "SELECT", "SELECT DISTINCT")]


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with probe_executor(url, Settings()) as probe:
        yield schema, probe


def rows(probe: Executor, sql: str) -> list[list[object]]:
    return probe.run(sql).rows


def test_a_join_that_only_filters_lists_each_answer_once(db) -> None:
    schema, probe = db
    sql = "SELECT c.id, c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.item = 'lamp'"
    assert sorted(rows(probe, sql)) == [[1, "ann"], [1, "ann"], [2, "bo"]]  # ann once per lamp order
    done = run_step("fanout", sql, schema)
    assert fields(done) == FIX and "orders" in done.fixes[0].reason
    assert sorted(rows(probe, done.sql)) == [[1, "ann"], [2, "bo"]]


def test_a_key_read_through_the_joined_table_counts_as_the_parents(db) -> None:
    """``o.customer_id`` equals ``c.id``: the customer is the answer, the orders only filter."""
    schema, probe = db
    sql = "SELECT o.customer_id FROM customers c JOIN orders o ON c.id = o.customer_id WHERE c.city = 'oslo'"
    done = run_step("fanout", sql, schema)
    assert fields(done) == FIX
    assert sorted(rows(probe, done.sql)) == [[1], [3]]


def test_a_join_in_where_and_an_order_over_selected_columns(db) -> None:
    schema, probe = db
    done = run_step("fanout", "SELECT customers.id, name FROM customers, orders WHERE customers.id = orders.customer_id ORDER BY name", schema)
    assert fields(done) == FIX
    assert rows(probe, done.sql) == [[1, "ann"], [2, "bo"], [3, "cy"]]


@pytest.mark.parametrize(
    "sql",
    [
        # names without the key: two customers may share a name, and DISTINCT would merge them
        "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.item = 'lamp'",
        # the answer is the order: one row each, the customer is one per order
        "SELECT o.item, o.total FROM orders o JOIN customers c ON o.customer_id = c.id WHERE c.city = 'oslo'",
        # every joined table supplies an answer column
        "SELECT c.name, o.item FROM customers c JOIN orders o ON o.customer_id = c.id",
        # aggregates, groups, DISTINCT already, SELECT *
        "SELECT COUNT(*) FROM customers c JOIN orders o ON o.customer_id = c.id",
        "SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.name",
        "SELECT DISTINCT c.name FROM customers c JOIN orders o ON o.customer_id = c.id",
        "SELECT * FROM customers c JOIN orders o ON o.customer_id = c.id",
        # ordered by what it does not select: DISTINCT would be refused
        "SELECT c.id, c.name FROM customers c JOIN orders o ON o.customer_id = c.id ORDER BY o.total",
        # an outer join keeps customers without orders
        "SELECT c.id, c.name FROM customers c LEFT JOIN orders o ON o.customer_id = c.id",
        # visits has no declared key: nothing proves it repeats answers
        "SELECT c.id, c.name FROM customers c JOIN visits v ON v.customer_id = c.id",
        # a window function numbers the repeated rows
        "SELECT c.id, c.name, ROW_NUMBER() OVER () FROM customers c JOIN orders o ON o.customer_id = c.id",
        # several orders named by value: each is asked about and gets its row
        "SELECT c.id, c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.item IN ('lamp', 'desk')",
        "SELECT c.id, c.name FROM customers c JOIN orders o ON o.customer_id = c.id WHERE o.item = 'lamp' OR o.item = 'desk'",
        # no join at all
        "SELECT name FROM customers",
    ],
)
def test_left_alone(db, sql: str) -> None:
    schema, probe = db
    rows(probe, sql)  # each case is valid SQL on this data
    assert unchanged(run_step("fanout", sql, schema), sql)
