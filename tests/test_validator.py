"""The validator against a table-driven corpus, exact refusal texts, row limits,
and the real database: every accepted corpus statement must run there."""

from __future__ import annotations

import psycopg2
import pytest

from engine.errors import SqlRefused
from engine.policy.validator import ValidatedSql, validate
from tests.validator_corpus import ALLOW, CASES, SETUP_SQL, retail_schema

SCHEMA = retail_schema()


def refusal(sql: str, **kwargs: object) -> SqlRefused:
    with pytest.raises(SqlRefused) as info:
        validate(sql, SCHEMA, **kwargs)  # type: ignore[arg-type]
    return info.value


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus(case) -> None:
    if case.expect == ALLOW:
        result = validate(case.sql, SCHEMA)
        assert isinstance(result, ValidatedSql)
        assert not result.sql.rstrip().endswith(";")
        assert validate(result.sql, SCHEMA).sql == result.sql  # normalized output is stable and still valid
    else:
        assert refusal(case.sql).code == case.expect


def test_corpus_size_and_mix() -> None:
    assert len(CASES) >= 150
    assert len({c.id for c in CASES}) == len(CASES)
    assert sum(c.expect == ALLOW for c in CASES) >= 60


def test_comments_never_reach_the_output() -> None:
    out = validate("SELECT /* ; DROP TABLE orders */ order_id -- tail\nFROM orders", SCHEMA).sql
    assert out == "SELECT order_id FROM orders LIMIT 1000"


def test_tables_lists_schema_tables_once_not_ctes() -> None:
    sql = "WITH x AS (SELECT customer_id FROM orders) SELECT s.quantity FROM warehouse.stock s, x JOIN customers c USING (customer_id), orders"
    tables = validate(sql, SCHEMA).tables
    assert sorted(tables) == ["customers", "orders", "warehouse.stock"]


@pytest.mark.parametrize(
    ("sql", "max_rows", "expected", "applied"),
    [
        ("SELECT order_id FROM orders", 50, "SELECT order_id FROM orders LIMIT 50", True),
        ("SELECT order_id FROM orders LIMIT 10", 50, "SELECT order_id FROM orders LIMIT 10", False),
        ("SELECT order_id FROM orders LIMIT 500", 50, "SELECT order_id FROM orders LIMIT 50", True),
        ("SELECT order_id FROM orders LIMIT 50", 50, "SELECT order_id FROM orders LIMIT 50", False),
        ("SELECT order_id FROM orders LIMIT ALL", 50, "SELECT order_id FROM orders LIMIT 50", True),
        ("SELECT order_id FROM orders LIMIT NULL", 50, "SELECT order_id FROM orders LIMIT 50", True),
        ("SELECT order_id FROM orders LIMIT 2 + 3", 50, "SELECT order_id FROM orders LIMIT 50", True),
        ("SELECT order_id FROM orders LIMIT (SELECT count(*) FROM orders)", 50, "SELECT order_id FROM orders LIMIT 50", True),
        ("SELECT order_id FROM orders ORDER BY 1 LIMIT 500 OFFSET 7", 50, "SELECT order_id FROM orders ORDER BY 1 LIMIT 50 OFFSET 7", True),
        ("SELECT order_id FROM orders FETCH FIRST 500 ROWS ONLY", 50, "SELECT order_id FROM orders LIMIT 50", True),
        ("SELECT order_id FROM orders FETCH FIRST 5 ROWS ONLY", 50, "SELECT order_id FROM orders FETCH FIRST 5 ROWS ONLY", False),
        ("SELECT 1 UNION SELECT 2", 50, "SELECT 1 UNION SELECT 2 LIMIT 50", True),
        ("SELECT 1 UNION (SELECT 2 LIMIT 900)", 50, "SELECT 1 UNION (SELECT 2 LIMIT 900) LIMIT 50", True),
        ("SELECT 1 EXCEPT SELECT 2 LIMIT 3", 50, "SELECT 1 EXCEPT SELECT 2 LIMIT 3", False),
        ("SELECT * FROM (SELECT order_id FROM orders LIMIT 5000) t", 50, "SELECT * FROM (SELECT order_id FROM orders LIMIT 5000) AS t LIMIT 50", True),
        ("SELECT order_id FROM orders", None, "SELECT order_id FROM orders", False),
        ("SELECT order_id FROM orders LIMIT ALL;", None, "SELECT order_id FROM orders LIMIT ALL", False),
    ],
)
def test_row_limit(sql: str, max_rows: int | None, expected: str, applied: bool) -> None:
    result = validate(sql, SCHEMA, max_rows=max_rows)
    assert (result.sql, result.limit_applied) == (expected, applied)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT o.total FROM orders o",
            "column o.total does not exist (o is orders); orders has: order_id, customer_id, status, total_amount, ordered_at; did you mean o.total_amount?",
        ),
        (
            "SELECT c.city FROM customers c",
            "column c.city does not exist (c is customers); customers has: customer_id, first_name, last_name, email, address_id, created_at; "
            "did you mean addresses.city via customers.address_id?",
        ),
        ("SELECT city FROM customers", "column city does not exist in customers; did you mean addresses.city via customers.address_id?"),
        ("SELECT total FROM orders", "column total does not exist in orders; did you mean orders.total_amount?"),
        # a date-like name: date and time columns are suggested first (order_id is as close by spelling)
        ("SELECT order_date FROM orders", "column order_date does not exist in orders; did you mean orders.ordered_at or orders.order_id?"),
        ("SELECT price FROM orders", "column price does not exist in orders; did you mean products.price (join it)?"),
        (
            "SELECT COUNT(*) FROM orders AS o WHERE o.order_id = '2025-12-31'",
            "o.order_id is integer, but '2025-12-31' is not a number; did you mean orders.ordered_at (timestamp with time zone)?",
        ),
        ("SELECT 1 FROM orders WHERE customer_id <> 'bob'", "customer_id is integer, but 'bob' is not a number; did you mean orders.status (text)?"),
        # a qualifier naming a column, not a source: sqlglot reads it as field access, PostgreSQL refuses it
        ("SELECT status.status FROM orders o", "column status.status does not resolve: status is not a table or alias in scope; use one of: o"),
        ("SELECT o.city FROM orders o", "column o.city does not exist (o is orders); orders has: order_id, customer_id, status, total_amount, ordered_at; did you mean addresses.city (join it)?"),
        (
            "SELECT SUM(T2.total_amount) FROM orders AS T1 JOIN order_items AS T2 ON T1.order_id = T2.order_id",
            "column t2.total_amount does not exist (t2 is order_items); order_items has: order_item_id, order_id, product_id, quantity, unit_price; "
            "did you mean t1.total_amount (t1 is orders)?",
        ),
        # compared with the same name on the alias that has it: that alias would compare the column with itself
        (
            "SELECT COUNT(*) FROM order_items AS T1 JOIN products AS T2 ON T1.price = T2.price",
            "column t1.price does not exist (t1 is order_items); order_items has: order_item_id, order_id, product_id, quantity, unit_price; "
            "did you mean t1.unit_price?",
        ),
        ('SELECT "ID" FROM products', "column ID does not exist in products; did you mean products.product_id?"),
        ('SELECT "eventid" FROM "AuditLog"', "column eventid does not exist in AuditLog; did you mean AuditLog.EventId or AuditLog.EventType?"),
        (
            "SELECT customer_id FROM orders o JOIN customers c ON o.customer_id = c.customer_id",
            "column customer_id is ambiguous: it could be o.customer_id or c.customer_id; qualify it with a table name or alias",
        ),
        ("SELECT x.order_id FROM orders o", "column x.order_id does not resolve: x is not a table or alias in scope; use one of: o"),
        ("SELECT * FROM ordrs", "table ordrs does not exist; did you mean orders or order_items?"),
        ('SELECT * FROM "auditlog"', "table auditlog does not exist; did you mean AuditLog?"),  # quoted: exact, so not spelled
        ("SELECT * FROM warehouse.stocks", "table warehouse.stocks does not exist; did you mean warehouse.stock?"),
        (
            "SELECT * FROM zzz",
            "table zzz does not exist; tables are: addresses, customers, products, orders, order_items, AuditLog, warehouse.stock",
        ),
    ],
)
def test_refusal_messages(sql: str, message: str) -> None:
    assert refusal(sql).message == message


def test_system_catalogs_only_when_allowed() -> None:
    assert refusal("SELECT relname FROM pg_catalog.pg_class").code == "system_catalog"
    result = validate("SELECT relname FROM pg_catalog.pg_class", SCHEMA, allow_system_catalogs=True)
    assert result.sql == "SELECT relname FROM pg_catalog.pg_class LIMIT 1000" and result.tables == []
    assert refusal("SELECT pg_sleep(1) FROM pg_class", allow_system_catalogs=True).code == "forbidden_function"


def test_messages_name_the_fix() -> None:
    for sql in ["DELETE FROM orders", "SELECT pg_sleep(1)", "SELECT * FROM orders FOR UPDATE", "SELECT 1; SELECT 2"]:
        message = refusal(sql).message
        assert ";" in message and len(message) < 300, message


@pytest.fixture(scope="module")
def retail_url(make_db) -> str:
    return make_db(SETUP_SQL)


def test_accepted_corpus_runs_on_postgres(retail_url: str) -> None:
    """sqlglot's regenerated SQL must be valid PostgreSQL with the same meaning for strings."""
    conn = psycopg2.connect(retail_url)
    conn.set_session(readonly=True)
    failures = []
    try:
        with conn.cursor() as cur:
            for case in (c for c in CASES if c.expect == ALLOW):
                try:
                    cur.execute(validate(case.sql, SCHEMA).sql)
                    cur.fetchall()
                except psycopg2.Error as exc:
                    failures.append(f"{case.id}: {exc.pgerror}")
                conn.rollback()
    finally:
        conn.close()
    assert failures == []


@pytest.mark.parametrize(
    "literal",
    ["$$it's$$", "$q$a $$ b$q$", "E'it\\'s'", "E'tab\\there'", "E'back\\\\slash'", "E'\\\\'", "'a\\'", "U&'d\\0061ta'", "'x''y'", "$$\\'$$"],
)
def test_string_literals_keep_their_value(retail_url: str, literal: str) -> None:
    conn = psycopg2.connect(retail_url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT {literal}")
            original = cur.fetchone()[0]
            cur.execute(validate(f"SELECT {literal} AS v", SCHEMA).sql)
            assert cur.fetchone()[0] == original
    finally:
        conn.close()


def test_a_tree_sqlglot_cannot_scope_is_refused_not_crashed() -> None:
    # found by benchmarks/fuzz_validator.py: the qualifier check must not raise sqlglot's OptimizeError
    assert refusal("DISCARD ALL UNION ALL SELECT order_id, status FROM orders").code in ("unknown_column", "write_statement")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 FROM orders WHERE order_id = '42'",  # PostgreSQL casts it
        "SELECT 1 FROM orders WHERE total_amount > ' 1.5e2 '",
        "SELECT 1 FROM orders WHERE total_amount <> 'NaN'",
        "SELECT 1 FROM orders WHERE status = 'paid'",
        "WITH t AS (SELECT status AS order_id FROM orders) SELECT 1 FROM t WHERE t.order_id = 'paid'",  # a CTE's column
        "WITH t AS (SELECT status AS order_id FROM orders) SELECT 1 FROM t WHERE order_id = 'paid'",
        "SELECT 1 FROM (SELECT status AS order_id FROM orders) s WHERE order_id = 'paid'",
    ],
)
def test_strings_a_number_column_accepts_are_not_a_type_mismatch(sql: str) -> None:
    assert validate(sql, SCHEMA).sql


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT c.email FROM customers c JOIN orders o ON o.order_id = c.customer_id",
            "o.order_id names a row of orders and c.customer_id a row of customers, so they never match; "
            "join orders to customers by orders.customer_id = customers.customer_id",
        ),
        (  # two hops
            "SELECT 1 FROM order_items oi JOIN customers c ON oi.order_id = c.customer_id",
            "oi.order_id names a row of orders and c.customer_id a row of customers, so they never match; "
            "join order_items to customers through orders (order_items.order_id = orders.order_id AND orders.customer_id = customers.customer_id)",
        ),
        (  # a join written in WHERE, with bare columns
            "SELECT 1 FROM orders, products WHERE order_id = product_id",
            "order_id names a row of orders and product_id a row of products, so they never match; "
            "join orders to products through order_items (order_items.order_id = orders.order_id AND order_items.product_id = products.product_id)",
        ),
    ],
)
def test_keys_of_different_tables_are_a_join_mismatch_with_the_foreign_key_path(sql: str, message: str) -> None:
    refused = refusal(sql)
    assert (refused.code, refused.message) == ("join_mismatch", message)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 FROM orders o JOIN order_items oi ON oi.order_id = o.order_id",  # the foreign key
        "SELECT 1 FROM order_items a JOIN order_items b ON a.order_id = b.order_id",  # same table
        "SELECT 1 FROM order_items oi JOIN customers c ON oi.order_id = (SELECT o.order_id FROM orders o WHERE o.customer_id = c.customer_id LIMIT 1)",
        "SELECT 1 FROM customers c JOIN addresses a ON a.city = c.first_name",  # not keys: nothing to say
        'SELECT 1 FROM orders o JOIN "AuditLog" l ON l."EventId" = o.order_id',  # tables the schema does not link
        "SELECT 1 FROM orders o WHERE EXISTS (SELECT 1 FROM products p WHERE p.product_id = o.order_id)",  # correlated: not checked
    ],
)
def test_joins_the_schema_cannot_disprove_are_allowed(sql: str) -> None:
    assert validate(sql, SCHEMA).sql


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT top_status FROM (SELECT status, count(*) AS n FROM orders GROUP BY status) AS sub",
            "column top_status does not exist in sub; sub has: status, n",
        ),
        ("SELECT sub.top_status FROM (SELECT status FROM orders) AS sub", "column top_status does not exist in sub; sub has: status"),
        ("WITH t AS (SELECT status FROM orders) SELECT shortest FROM t", "column shortest does not exist in t; t has: status"),
    ],
)
def test_a_column_missing_from_a_subquery_or_cte_names_its_output_columns(sql: str, message: str) -> None:
    # it used to say "does not exist in orders", and the repair kept looking in the table
    refused = refusal(sql)
    assert (refused.code, refused.message) == ("unknown_column", message)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "SELECT c.email FROM orders o JOIN customers c ON o.status = c.customer_id",
            "o.status is text and c.customer_id is integer: PostgreSQL cannot compare them; did you mean o.customer_id = c.customer_id?",
        ),
        (
            "SELECT 1 FROM orders WHERE ordered_at > total_amount",
            "ordered_at is timestamp with time zone and total_amount is numeric(12,2): PostgreSQL cannot compare them; "
            "did you mean order_id or customer_id or total_amount?",
        ),
        (
            "SELECT 1 FROM customers c JOIN addresses a ON c.email = a.address_id",
            "c.email is text and a.address_id is integer: PostgreSQL cannot compare them; did you mean c.address_id = a.address_id?",
        ),
    ],
)
def test_columns_postgresql_cannot_compare_are_refused_with_the_ones_that_would(retail_url: str, sql: str, message: str) -> None:
    found = refusal(sql)
    assert (found.code, found.message) == ("type_mismatch", message)
    conn = psycopg2.connect(retail_url)
    try:
        with pytest.raises(psycopg2.errors.UndefinedFunction), conn.cursor() as cur:  # nothing PostgreSQL would run is refused
            cur.execute(sql)
    finally:
        conn.close()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 FROM orders o JOIN order_items oi ON o.total_amount > oi.quantity",  # numeric and integer compare
        "SELECT 1 FROM customers c JOIN orders o ON c.created_at < o.ordered_at",
        "SELECT 1 FROM customers c JOIN addresses a ON a.city = c.first_name",
        "SELECT 1 FROM products p WHERE p.tags = p.tags",  # arrays: not a kind this check knows
    ],
)
def test_columns_of_one_kind_compare(sql: str) -> None:
    assert validate(sql, SCHEMA).sql


def test_a_subquerys_comparison_is_read_with_its_own_tables() -> None:
    # inside, email and first_name are customers' (text = text); read with the outer orders, bare names would not resolve at all
    assert validate("SELECT o.order_id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE email = first_name AND c.customer_id = o.customer_id)", SCHEMA).sql
    assert refusal("SELECT o.order_id FROM orders o WHERE EXISTS (SELECT 1 FROM customers c WHERE c.email = c.customer_id)").code == "type_mismatch"
