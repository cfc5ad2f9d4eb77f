"""engine/scope.py, the one scope facility the rewrite steps and the validator share."""

from __future__ import annotations

import pytest
from sqlglot import exp, parse_one

from engine.scope import QueryScope, owner, tables_by_alias
from tests.schema_fixtures import shop_schema

SCHEMA = shop_schema()


def scope_of(sql: str) -> QueryScope:
    return QueryScope.of(parse_one(sql, read="postgres"), SCHEMA)


def column(scope: QueryScope, sql: str) -> exp.Column:
    return next(c for c in scope.tree.find_all(exp.Column) if c.sql() == sql)


def test_aliases_cover_the_statement_and_drop_a_name_used_for_two_tables() -> None:
    scope = scope_of("SELECT o.status FROM orders o WHERE o.customer_id IN (SELECT o.customer_id FROM customers o)")
    assert "o" not in scope.aliases and set(scope.aliases) == {"orders", "customers"}
    assert scope.resolve(column(scope, "o.status")) is None  # the step leaves such a query alone


def test_a_cte_named_like_a_table_is_not_that_table() -> None:
    tree = parse_one("WITH orders AS (SELECT customer_id FROM customers) SELECT customer_id FROM orders", read="postgres")
    assert {t.name for t in tables_by_alias(tree, SCHEMA).values()} == {"customers"}


def test_a_bare_table_name_reads_public_as_postgresql_does() -> None:
    assert scope_of("SELECT 1 FROM warehouse.orders").aliases == {}  # no such table in schema warehouse
    assert scope_of("SELECT 1 FROM public.orders").aliases["orders"].name == "orders"


def test_owner_is_certain_or_none() -> None:
    scope = scope_of("SELECT status, customer_id FROM orders o JOIN customers c ON o.customer_id = c.customer_id")
    [select] = scope.selects
    sources = scope.sources(select)
    assert owner(column(scope, "status"), sources)[0].table.name == "orders"
    assert owner(column(scope, "customer_id"), sources) is None  # both tables have it


def test_a_bare_name_may_come_from_a_subquery_so_it_has_no_owner() -> None:
    scope = scope_of("SELECT status FROM orders o JOIN (SELECT customer_id AS status FROM customers) s ON TRUE")
    outer = next(s for s in scope.selects if s.expression is scope.tree)
    assert scope.real_sources(outer) is None
    assert owner(column(scope, "status"), scope.sources(outer)) is None


@pytest.mark.parametrize(
    ("sql", "kind", "detail"),
    [
        ("SELECT x.status FROM orders o", "qualifier", ("o",)),
        ("SELECT o.city FROM orders o", "table_column", "orders"),
        ("SELECT s.total FROM (SELECT status FROM orders) s", "derived_column", {"s": ["status"]}),
        ("SELECT total FROM (SELECT status FROM orders) s", "derived_column", {"s": ["status"]}),
        ("SELECT customer_id FROM orders o JOIN customers c ON o.customer_id = c.customer_id", "ambiguous", ("o.customer_id", "c.customer_id")),
        ("SELECT nickname FROM customers", "missing", None),
        # the same alias for different tables at two levels: each reference is looked up in its own query
        ("SELECT t1.status FROM orders t1 WHERE t1.customer_id IN (SELECT t1.city FROM products t1)", "table_column", "products"),
        ("WITH c(total) AS (SELECT SUM(total_amount) FROM orders) SELECT c.amount FROM c", "derived_column", {"c": ["total"]}),
    ],
)
def test_unresolved_names_the_reference_at_fault(sql: str, kind: str, detail: object) -> None:
    found = scope_of(sql).unresolved()
    assert found is not None and found.kind == kind
    if kind == "qualifier":
        assert found.visible == detail
    elif kind == "table_column":
        assert found.table.name == detail
    elif kind == "derived_column":
        assert found.outputs == detail
    elif kind == "ambiguous":
        assert found.owners == detail


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT o.status, c.city FROM orders o JOIN customers c ON o.customer_id = c.customer_id",
        "SELECT status AS s FROM orders ORDER BY s",  # an output alias
        "SELECT name FROM products p WHERE EXISTS (SELECT 1 FROM order_items i WHERE i.product_id = p.product_id AND quantity > 2)",
        "SELECT n FROM generate_series(1, 3) AS g(n)",  # a function's columns are not known here: assumed present
        "SELECT status FROM (SELECT * FROM orders) s",
        "SELECT x FROM (SELECT status FROM orders UNION SELECT city FROM customers) AS u(x)",
    ],
)
def test_every_reference_of_a_correct_query_resolves(sql: str) -> None:
    assert scope_of(sql).unresolved() is None
