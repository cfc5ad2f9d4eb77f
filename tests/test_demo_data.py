"""The generated demo database: determinism, keys, comments, checks, consistency, skew, scaling."""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import pytest

from engine.demo.data import DEMO_VERSION, TABLES, DemoMarker, create_demo, database_url, demo_marker, generate, table_counts
from engine.errors import BadInput

SMALL = 0.05


def query(url: str, sql: str, params: tuple = ()) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def scalar(url: str, sql: str, params: tuple = ()) -> object:
    return query(url, sql, params)[0][0]


def checksums(url: str) -> dict[str, str]:
    return {t: scalar(url, f"SELECT md5(string_agg(x::text, E'\\n' ORDER BY x::text)) FROM {t} x") for t in TABLES}


@pytest.fixture(scope="module")
def small(admin_url: str) -> str:
    return create_demo(admin_url, "demo_small_a", scale=SMALL, seed=42)


# -- determinism and scale ---------------------------------------------------


def test_same_seed_same_bytes_and_other_seed_differs(admin_url: str, small: str) -> None:
    again = create_demo(admin_url, "demo_small_b", scale=SMALL, seed=42)
    other = create_demo(admin_url, "demo_small_c", scale=SMALL, seed=43)
    first = checksums(small)
    assert checksums(again) == first
    differing = {t for t, digest in checksums(other).items() if digest != first[t]}
    assert {"customers", "orders", "order_items", "payments"} <= differing


def test_generator_is_pure() -> None:
    assert generate(7, 0.01) == generate(7, 0.01)
    assert generate(7, 0.01) != generate(8, 0.01)


def test_row_counts_scale(admin_url: str, small: str) -> None:
    double = table_counts(create_demo(admin_url, "demo_small_d", scale=2 * SMALL, seed=42))
    counts = table_counts(small)
    assert counts["customers"] == 250 and double["customers"] == 500
    assert counts["orders"] == 1500 and double["orders"] == 3000
    for table in ("order_items", "payments", "addresses"):
        assert 1.6 < double[table] / counts[table] < 2.4, table


def test_default_scale_sizes(demo_url: str) -> None:
    counts = table_counts(demo_url)
    assert counts["customers"] == 5000 and counts["orders"] == 30000
    assert counts["products"] == 300 and counts["stores"] == 20
    assert 60_000 < counts["order_items"] < 100_000
    assert 25_000 < counts["payments"] < 35_000
    assert counts["reviews"] == 2000
    # ANALYZE ran: the planner's estimates are the real counts.
    assert scalar(demo_url, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'orders'") == 30000


def test_scale_out_of_range_is_bad_input(admin_url: str) -> None:
    with pytest.raises(BadInput, match="scale"):
        create_demo(admin_url, "demo_never", scale=0)


# -- marker -------------------------------------------------------------------


def test_marker_names_version_seed_scale(small: str, make_db) -> None:
    assert demo_marker(small) == f"decide-sql demo v{DEMO_VERSION} seed=42 scale={SMALL}"
    assert DemoMarker.parse(demo_marker(small)) == DemoMarker(version=DEMO_VERSION, seed=42, scale=SMALL)
    assert demo_marker(make_db("CREATE TABLE t (x int)")) is None
    assert demo_marker(database_url(small, "no_such_database")) is None


def test_database_url_keeps_the_query_string() -> None:
    assert database_url("postgresql://postgres:@/postgres?host=/tmp/x", "demo") == "postgresql://postgres:@/demo?host=/tmp/x"
    assert database_url("postgresql://u:p@h:5433/a", "b") == "postgresql://u:p@h:5433/b"


# -- schema: keys, comments, checks ---------------------------------------------

EXPECTED_FKS = {
    ("product_categories", "parent_id", "product_categories"), ("products", "category_id", "product_categories"),
    ("products", "supplier_id", "suppliers"), ("employees", "store_id", "stores"), ("employees", "manager_id", "employees"),
    ("addresses", "customer_id", "customers"), ("orders", "customer_id", "customers"), ("orders", "store_id", "stores"),
    ("orders", "employee_id", "employees"), ("orders", "shipping_address_id", "addresses"),
    ("order_items", "order_id", "orders"), ("order_items", "product_id", "products"), ("payments", "order_id", "orders"),
    ("shipments", "order_id", "orders"), ("returns", "order_item_id", "order_items"), ("reviews", "product_id", "products"),
    ("reviews", "customer_id", "customers"), ("reviews", "order_id", "orders"), ("inventory", "store_id", "stores"),
    ("inventory", "product_id", "products"),
}


def test_primary_and_foreign_keys_exist_and_are_validated(small: str) -> None:
    fks = query(small, """
        SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, c.convalidated
        FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f'""")
    assert {(t, col, ref) for t, col, ref, _ in fks} == EXPECTED_FKS
    assert all(valid for *_, valid in fks)
    with_pk = {t for (t,) in query(small, "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'p' AND connamespace = 'public'::regnamespace")}
    assert with_pk == set(TABLES)


def test_every_table_and_column_has_a_comment(small: str) -> None:
    missing_tables = query(small, """
        SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'
          AND coalesce(obj_description(oid, 'pg_class'), '') = ''""")
    missing_columns = query(small, """
        SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
          AND coalesce(col_description(c.oid, a.attnum), '') = ''""")
    assert missing_tables == [] and missing_columns == []
    assert "cancelled" in scalar(small, "SELECT col_description('orders'::regclass, 7)")  # status meanings are spelled out


@pytest.mark.parametrize(
    ("table", "column", "bad", "good"),
    [
        ("orders", "status", "lost", {"pending", "paid", "shipped", "delivered", "cancelled", "returned"}),
        ("payments", "method", "bitcoin", {"card", "paypal", "gift_card", "bank_transfer", "cash"}),
        ("customers", "loyalty_tier", "diamond", {"bronze", "silver", "gold", "platinum"}),
        ("returns", "reason", "bored", {"damaged", "wrong_item", "not_as_described", "changed_mind", "too_small", "too_large", "late_delivery"}),
    ],
)
def test_status_checks_reject_unknown_values(small: str, table: str, column: str, bad: str, good: set[str]) -> None:
    assert {v for (v,) in query(small, f"SELECT DISTINCT {column} FROM {table}")} <= good
    conn = psycopg2.connect(small)
    try:
        with conn.cursor() as cur, pytest.raises(psycopg2.errors.CheckViolation):
            cur.execute(f"UPDATE {table} SET {column} = %s WHERE ctid = (SELECT min(ctid) FROM {table})", (bad,))
    finally:
        conn.rollback()
        conn.close()


# -- consistency (on the shared default-scale demo) -------------------------------

# Each query counts rows that break one business rule; all must be 0.
VIOLATIONS = {
    "subtotal is the sum of the lines": """
        SELECT count(*) FROM orders o JOIN (SELECT order_id, sum(line_total) s FROM order_items GROUP BY order_id) i
          USING (order_id) WHERE o.subtotal_amount <> i.s""",
    "every order has lines": "SELECT count(*) FROM orders WHERE order_id NOT IN (SELECT order_id FROM order_items)",
    "total = subtotal + shipping": "SELECT count(*) FROM orders WHERE total_amount <> subtotal_amount + shipping_amount",
    "one captured payment of the total for paid+ orders": """
        SELECT count(*) FROM orders o WHERE status IN ('paid','shipped','delivered','returned') AND 1 <>
          (SELECT count(*) FROM payments p WHERE p.order_id = o.order_id AND p.status = 'captured' AND p.amount = o.total_amount)""",
    "no captured payment for pending or cancelled orders": """
        SELECT count(*) FROM payments p JOIN orders o USING (order_id)
        WHERE p.status = 'captured' AND o.status IN ('pending','cancelled')""",
    "shipments only for shipped online orders": """
        SELECT count(*) FROM shipments s JOIN orders o USING (order_id)
        WHERE o.status NOT IN ('shipped','delivered','returned') OR o.channel = 'in_store'""",
    "every shipped online order has a shipment": """
        SELECT count(*) FROM orders o WHERE o.channel <> 'in_store' AND o.status IN ('shipped','delivered','returned')
          AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.order_id)""",
    "in transit exactly when status is shipped": """
        SELECT count(*) FROM shipments s JOIN orders o USING (order_id) WHERE (s.delivered_at IS NULL) <> (o.status = 'shipped')""",
    "returns only for returned orders": """
        SELECT count(*) FROM returns r JOIN order_items i USING (order_item_id) JOIN orders o USING (order_id)
        WHERE o.status <> 'returned' OR r.quantity > i.quantity OR r.refund_amount > i.line_total OR r.returned_at <= o.ordered_at""",
    "every returned order has a return": """
        SELECT count(*) FROM orders o WHERE o.status = 'returned'
          AND NOT EXISTS (SELECT 1 FROM returns r JOIN order_items i USING (order_item_id) WHERE i.order_id = o.order_id)""",
    "reviews are of delivered purchases": """
        SELECT count(*) FROM reviews r JOIN orders o USING (order_id)
        WHERE o.customer_id <> r.customer_id OR o.status NOT IN ('delivered','returned') OR r.created_at <= o.ordered_at
           OR NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = r.order_id AND i.product_id = r.product_id)""",
    "signup before the first order": """
        SELECT count(*) FROM customers c JOIN orders o USING (customer_id) WHERE o.ordered_at < c.signup_at""",
    "shipping address belongs to the customer": """
        SELECT count(*) FROM orders o JOIN addresses a ON a.address_id = o.shipping_address_id
        WHERE a.customer_id <> o.customer_id OR a.address_type <> 'shipping'""",
    "in-store orders served by staff of that store": """
        SELECT count(*) FROM orders o JOIN employees e USING (employee_id) WHERE e.store_id <> o.store_id""",
    "products are in subcategories": """
        SELECT count(*) FROM products p JOIN product_categories c USING (category_id) WHERE c.parent_id IS NULL""",
    "discontinued products are not sold after 2024 nor stocked": """
        SELECT (SELECT count(*) FROM order_items i JOIN orders o USING (order_id) JOIN products p USING (product_id)
                WHERE NOT p.is_active AND o.ordered_at >= '2025-01-01')
             + (SELECT count(*) FROM inventory JOIN products p USING (product_id) WHERE NOT p.is_active)""",
    "everyone but the CEO has a manager": "SELECT count(*) FROM employees WHERE (manager_id IS NULL) <> (role = 'ceo')",
}


@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
def test_data_is_consistent(demo_url: str, rule: str) -> None:
    assert scalar(demo_url, VIOLATIONS[rule]) == 0


def test_reporting_lines_reach_the_ceo(demo_url: str) -> None:
    reached = scalar(demo_url, """
        WITH RECURSIVE chain AS (SELECT employee_id FROM employees WHERE role = 'ceo'
          UNION SELECT e.employee_id FROM employees e JOIN chain ON e.manager_id = chain.employee_id)
        SELECT count(*) FROM chain""")
    assert reached == scalar(demo_url, "SELECT count(*) FROM employees")


def test_two_years_of_orders_in_every_status(demo_url: str) -> None:
    first, last = query(demo_url, "SELECT min(ordered_at)::date::text, max(ordered_at)::date::text FROM orders")[0]
    assert first.startswith("2024-01") and last.startswith("2025-12")
    statuses = dict(query(demo_url, "SELECT status, count(*) FROM orders GROUP BY status"))
    assert set(statuses) == {"pending", "paid", "shipped", "delivered", "cancelled", "returned"}
    assert statuses["delivered"] > 0.7 * sum(statuses.values())
    channels = {c for (c,) in query(demo_url, "SELECT DISTINCT channel FROM orders")}
    assert channels == {"web", "mobile_app", "in_store"}


def test_sales_are_skewed(demo_url: str) -> None:
    top_customers_share = scalar(demo_url, """
        WITH spend AS (SELECT customer_id, sum(total_amount) s FROM orders GROUP BY customer_id),
             ranked AS (SELECT s, ntile(10) OVER (ORDER BY s DESC) decile FROM spend)
        SELECT sum(s) FILTER (WHERE decile = 1) / sum(s) FROM ranked""")
    top_products_share = scalar(demo_url, """
        WITH units AS (SELECT product_id, sum(quantity) u FROM order_items GROUP BY product_id),
             ranked AS (SELECT u, row_number() OVER (ORDER BY u DESC) r FROM units)
        SELECT sum(u) FILTER (WHERE r <= 10)::numeric / sum(u) FROM ranked""")
    never_ordered = scalar(demo_url, "SELECT count(*) FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM orders)")
    assert top_customers_share > 0.3  # uniform would be 0.1
    assert top_products_share > 0.2  # uniform would be 10/300
    assert never_ordered > 100
