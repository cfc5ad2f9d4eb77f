"""A fixed retail schema and a table-driven corpus of statements for the validator.

``retail_schema()`` is built by hand from engine.schema models and matches
``SETUP_SQL`` (the property test checks that against real introspection).
Each ``Case`` says ``allow`` or the refusal code the validator must raise.
"""

from __future__ import annotations

from typing import NamedTuple

from engine.schema import Column, ForeignKey, Schema, Table

SETUP_SQL = """
CREATE TABLE addresses (address_id integer PRIMARY KEY, street text, city text, country text);
CREATE TABLE customers (customer_id integer PRIMARY KEY, first_name text, last_name text, email text,
  address_id integer REFERENCES addresses, created_at timestamp with time zone);
CREATE TABLE products (product_id integer PRIMARY KEY, name text, category text, price numeric(10,2),
  attributes jsonb, tags text[]);
CREATE TABLE orders (order_id integer PRIMARY KEY, customer_id integer REFERENCES customers, status text,
  total_amount numeric(12,2), ordered_at timestamp with time zone);
CREATE TABLE order_items (order_item_id integer PRIMARY KEY, order_id integer REFERENCES orders,
  product_id integer REFERENCES products, quantity integer, unit_price numeric(10,2));
CREATE TABLE "AuditLog" ("EventId" integer PRIMARY KEY, "EventType" text, payload jsonb);
CREATE SCHEMA warehouse;
CREATE TABLE warehouse.stock (product_id integer REFERENCES products, warehouse_code text, quantity integer,
  updated_at timestamp with time zone);
CREATE SEQUENCE order_seq;
INSERT INTO addresses SELECT i, i || ' Main St', (ARRAY['Lyon','Oslo','Lima'])[1 + i % 3], 'X' FROM generate_series(1, 5) i;
INSERT INTO customers SELECT i, 'F' || i, 'L' || i, 'c' || i || '@x.test', 1 + i % 5, '2024-01-01'::timestamptz + i * interval '1 day'
  FROM generate_series(1, 10) i;
INSERT INTO products SELECT i, 'P' || i, (ARRAY['toys','books'])[1 + i % 2], i * 1.5, jsonb_build_object('color', 'red', 'size', i),
  ARRAY['a', 'b'] FROM generate_series(1, 6) i;
INSERT INTO orders SELECT i, 1 + i % 10, (ARRAY['paid','shipped','cancelled'])[1 + i % 3], i * 10.25,
  '2024-02-01'::timestamptz + i * interval '3 hours' FROM generate_series(1, 20) i;
INSERT INTO order_items SELECT i, 1 + i % 20, 1 + i % 6, 1 + i % 4, 2.5 FROM generate_series(1, 40) i;
INSERT INTO "AuditLog" VALUES (1, 'login', '{"ip": "127.0.0.1"}');
INSERT INTO warehouse.stock SELECT i, 'W' || (i % 2), i * 3, now() FROM generate_series(1, 6) i;
"""

_TYPES = {"int": "integer", "text": "text", "ts": "timestamp with time zone", "num": "numeric(10,2)", "num12": "numeric(12,2)", "jsonb": "jsonb", "text[]": "text[]"}
_TABLES: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("public", "addresses"): [("address_id", "int"), ("street", "text"), ("city", "text"), ("country", "text")],
    ("public", "customers"): [("customer_id", "int"), ("first_name", "text"), ("last_name", "text"), ("email", "text"), ("address_id", "int"), ("created_at", "ts")],
    ("public", "products"): [("product_id", "int"), ("name", "text"), ("category", "text"), ("price", "num"), ("attributes", "jsonb"), ("tags", "text[]")],
    ("public", "orders"): [("order_id", "int"), ("customer_id", "int"), ("status", "text"), ("total_amount", "num12"), ("ordered_at", "ts")],
    ("public", "order_items"): [("order_item_id", "int"), ("order_id", "int"), ("product_id", "int"), ("quantity", "int"), ("unit_price", "num")],
    ("public", "AuditLog"): [("EventId", "int"), ("EventType", "text"), ("payload", "jsonb")],
    ("warehouse", "stock"): [("product_id", "int"), ("warehouse_code", "text"), ("quantity", "int"), ("updated_at", "ts")],
}
_FKS = [  # (from schema, from table, column, to table, to column); targets are public
    ("public", "customers", "address_id", "addresses", "address_id"),
    ("public", "orders", "customer_id", "customers", "customer_id"),
    ("public", "order_items", "order_id", "orders", "order_id"),
    ("public", "order_items", "product_id", "products", "product_id"),
    ("warehouse", "stock", "product_id", "products", "product_id"),
]


def retail_schema() -> Schema:
    """The hand-built Schema matching SETUP_SQL."""
    fks = [
        ForeignKey(name=f"{t}_{c}_fkey", from_schema=s, from_table=t, from_columns=[c], to_schema="public", to_table=dt, to_columns=[dc])
        for s, t, c, dt, dc in _FKS
    ]
    tables = [
        Table(
            schema_name=s,
            name=n,
            columns=[Column(name=c, type=_TYPES[ty]) for c, ty in cols],
            primary_key=[] if (s, n) == ("warehouse", "stock") else [cols[0][0]],
            foreign_keys=[fk for fk in fks if (fk.from_schema, fk.from_table) == (s, n)],
            referenced_by=[fk for fk in fks if (fk.to_schema, fk.to_table) == (s, n)],
        )
        for (s, n), cols in _TABLES.items()
    ]
    return Schema(database="retail", tables=tables)


class Case(NamedTuple):
    id: str
    sql: str
    expect: str  # "allow" or the SqlRefused code


ALLOW = "allow"

_ALLOWED = {
    "simple": "SELECT order_id, status FROM orders",
    "star": "SELECT * FROM orders",
    "qualified_star": "SELECT o.* FROM orders o",
    "upper_case_names": "SELECT ORDER_ID FROM ORDERS",
    "mixed_case_names": "SELECT Order_Id FROM Orders AS O WHERE O.Status = 'paid'",
    "quoted_lower": 'SELECT "order_id" FROM "orders"',
    "quoted_mixed_table": 'SELECT "EventId", "EventType" FROM "AuditLog"',
    "auditlog_bare": "SELECT EventId FROM AuditLog",  # folds to auditlog: quoted as the schema spells it (schema_spelling)
    "second_schema": "SELECT warehouse_code, quantity FROM warehouse.stock",
    "second_schema_alias": "SELECT s.quantity FROM warehouse.stock AS s JOIN products p ON p.product_id = s.product_id",
    "second_schema_bare": "SELECT * FROM stock",  # only warehouse holds a stock: qualified (schema_spelling)
    "trailing_semicolon": "SELECT 1;",
    "trailing_semicolons": "SELECT 1;;  ",
    "comment_only_tail": "SELECT 1 -- just a comment",
    "block_comment": "SELECT /* the id */ order_id FROM orders",
    "comment_with_semicolon": "SELECT 1 /* ; DROP TABLE orders */",
    "no_from": "SELECT 1 + 1 AS two",
    "where_and_or": "SELECT order_id FROM orders WHERE status = 'paid' AND (total_amount > 10 OR customer_id IN (1, 2))",
    "join_on": "SELECT c.first_name, o.total_amount FROM customers c JOIN orders o ON o.customer_id = c.customer_id",
    "join_using": "SELECT customer_id, order_id FROM customers JOIN orders USING (customer_id)",
    "left_join": "SELECT c.email, o.order_id FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id",
    "three_way_join": "SELECT c.email, a.city, o.status FROM customers c JOIN addresses a ON a.address_id = c.address_id JOIN orders o ON o.customer_id = c.customer_id",
    "self_join": "SELECT a.order_id, b.order_id FROM orders a JOIN orders b ON a.customer_id = b.customer_id AND a.order_id < b.order_id",
    "group_by_having": "SELECT customer_id, count(*) AS n, sum(total_amount) FROM orders GROUP BY customer_id HAVING count(*) > 1 ORDER BY n DESC",
    "group_by_ordinal": "SELECT status, count(*) FROM orders GROUP BY 1 ORDER BY 2 DESC",
    "count_distinct": "SELECT count(DISTINCT customer_id) FROM orders",
    "aggregate_filter": "SELECT count(*) FILTER (WHERE status = 'paid') AS paid FROM orders",
    "string_agg_order": "SELECT customer_id, string_agg(status, ', ' ORDER BY ordered_at) FROM orders GROUP BY customer_id",
    "percentile": "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total_amount) FROM orders",
    "window_rank": "SELECT order_id, rank() OVER (PARTITION BY customer_id ORDER BY total_amount DESC) FROM orders",
    "window_running_sum": "SELECT order_id, sum(total_amount) OVER (ORDER BY ordered_at ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM orders",
    "window_lag": "SELECT order_id, total_amount - lag(total_amount) OVER (ORDER BY order_id) AS delta FROM orders",
    "named_window": "SELECT order_id, row_number() OVER w FROM orders WINDOW w AS (PARTITION BY status ORDER BY order_id)",
    "cte": "WITH big AS (SELECT * FROM orders WHERE total_amount > 100) SELECT count(*) FROM big",
    "cte_chain": "WITH a AS (SELECT customer_id FROM orders), b AS (SELECT customer_id FROM a) SELECT * FROM b",
    "cte_shadows_table": "WITH orders AS (SELECT 1 AS x) SELECT x FROM orders",
    "recursive_cte": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT i FROM n",
    "cte_materialized": "WITH t AS MATERIALIZED (SELECT order_id FROM orders) SELECT order_id FROM t",
    "union": "SELECT city FROM addresses UNION SELECT email FROM customers",
    "union_all_order": "SELECT order_id FROM orders UNION ALL SELECT order_id FROM order_items ORDER BY 1",
    "intersect": "SELECT customer_id FROM customers INTERSECT SELECT customer_id FROM orders",
    "except": "SELECT customer_id FROM customers EXCEPT SELECT customer_id FROM orders",
    "parenthesized_union": "(SELECT 1) UNION (SELECT 2)",
    "outer_parens": "(SELECT order_id FROM orders)",
    "scalar_subquery": "SELECT order_id, (SELECT max(total_amount) FROM orders) AS top FROM orders",
    "correlated_subquery": "SELECT c.customer_id, (SELECT count(*) FROM orders o WHERE o.customer_id = c.customer_id) FROM customers c",
    "exists": "SELECT email FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)",
    "not_in_subquery": "SELECT email FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM orders)",
    "any_array": "SELECT order_id FROM orders WHERE status = ANY (ARRAY['paid', 'shipped'])",
    "derived_table": "SELECT t.n FROM (SELECT count(*) AS n FROM orders) t",
    "lateral": "SELECT c.customer_id, l.total_amount FROM customers c CROSS JOIN LATERAL (SELECT total_amount FROM orders o WHERE o.customer_id = c.customer_id ORDER BY total_amount DESC LIMIT 1) l",
    "comma_join": "SELECT o.order_id, c.email FROM orders o, customers c WHERE c.customer_id = o.customer_id",
    "nested_join_conditions": "SELECT 1 FROM orders o JOIN customers c JOIN addresses a ON a.address_id = c.address_id ON c.customer_id = o.customer_id",
    "natural_join": "SELECT order_id FROM orders NATURAL JOIN customers",
    "left_join_lateral": "SELECT c.customer_id, l.n FROM customers c LEFT JOIN LATERAL (SELECT count(*) AS n FROM orders o WHERE o.customer_id = c.customer_id) l ON true",
    "case": "SELECT CASE WHEN total_amount > 100 THEN 'big' WHEN total_amount > 10 THEN 'mid' ELSE 'small' END FROM orders",
    "simple_case": "SELECT CASE status WHEN 'paid' THEN 1 ELSE 0 END FROM orders",
    "coalesce_nullif": "SELECT coalesce(nullif(status, ''), 'none') FROM orders",
    "cast_colon": "SELECT total_amount::int, order_id::text FROM orders",
    "cast_fn": "SELECT CAST(total_amount AS numeric(10, 1)) FROM orders",
    "cast_date": "SELECT ordered_at::date, count(*) FROM orders GROUP BY 1",
    "typed_literal": "SELECT DATE '2024-01-01' + 1",
    "json_arrow": "SELECT attributes -> 'color', attributes ->> 'size' FROM products",
    "json_path": "SELECT attributes #> '{color}', attributes #>> '{size}' FROM products",
    "jsonb_contains": "SELECT name FROM products WHERE attributes @> '{\"color\": \"red\"}'",
    "jsonb_key_exists": "SELECT name FROM products WHERE attributes ? 'color'",
    "jsonb_functions": "SELECT jsonb_typeof(attributes), jsonb_object_keys(attributes) FROM products",
    "jsonb_each": "SELECT p.name, e.key, e.value FROM products p, jsonb_each(p.attributes) e",
    "json_build": "SELECT jsonb_build_object('id', order_id, 'total', total_amount) FROM orders",
    "json_agg": "SELECT customer_id, json_agg(order_id) FROM orders GROUP BY customer_id",
    "array_ops": "SELECT name, tags[1], array_length(tags, 1), cardinality(tags) FROM products WHERE 'a' = ANY (tags)",
    "array_contains": "SELECT name FROM products WHERE tags @> ARRAY['a']",
    "unnest": "SELECT name, unnest(tags) FROM products",
    "unnest_from": "SELECT t.tag FROM products, unnest(tags) AS t(tag)",
    "generate_series": "SELECT g FROM generate_series(1, 10) AS g",
    "generate_series_dates": "SELECT d::date FROM generate_series(DATE '2024-01-01', DATE '2024-01-31', INTERVAL '1 day') AS d",
    "date_trunc": "SELECT date_trunc('month', ordered_at) AS m, sum(total_amount) FROM orders GROUP BY 1 ORDER BY 1",
    "date_part": "SELECT date_part('year', ordered_at) FROM orders",
    "extract": "SELECT EXTRACT(YEAR FROM ordered_at), EXTRACT(DOW FROM ordered_at) FROM orders",
    "interval_arith": "SELECT order_id FROM orders WHERE ordered_at > now() - INTERVAL '30 days'",
    "current_date": "SELECT order_id FROM orders WHERE ordered_at::date >= current_date - 7",
    "current_timestamp": "SELECT current_timestamp, localtimestamp",
    "age": "SELECT age(now(), created_at) FROM customers",
    "to_char": "SELECT to_char(ordered_at, 'YYYY-MM') FROM orders",
    "at_time_zone": "SELECT ordered_at AT TIME ZONE 'UTC' FROM orders",
    "make_interval": "SELECT make_date(2024, 1, 1) + make_interval(days => 3)",
    "string_fns": "SELECT upper(first_name) || ' ' || lower(last_name), length(email), substring(email FROM 2 FOR 3) FROM customers",
    "string_fns2": "SELECT split_part(email, '@', 2), left(email, 3), replace(email, 'x', 'y'), trim(both ' ' from email) FROM customers",
    "position": "SELECT position('@' IN email) FROM customers",
    "concat_ws": "SELECT concat_ws(' ', first_name, last_name) FROM customers",
    "like_ilike": "SELECT email FROM customers WHERE email LIKE 'c1%' OR first_name ILIKE 'f%'",
    "similar_regex": "SELECT email FROM customers WHERE email ~ '^c[0-9]+' AND email !~* 'spam'",
    "like_escape": "SELECT email FROM customers WHERE email LIKE 'a!_%' ESCAPE '!'",
    "between": "SELECT order_id FROM orders WHERE total_amount BETWEEN 10 AND 100",
    "is_null": "SELECT order_id FROM orders WHERE status IS NOT NULL AND customer_id IS DISTINCT FROM 3",
    "math": "SELECT round(avg(total_amount), 2), abs(-1), ceil(1.2), floor(1.8), power(2, 3), sqrt(16), mod(7, 3) FROM orders",
    "greatest_least": "SELECT greatest(total_amount, 50), least(total_amount, 50) FROM orders",
    "random_uuid": "SELECT random(), gen_random_uuid()",
    "distinct": "SELECT DISTINCT status FROM orders",
    "distinct_on": "SELECT DISTINCT ON (customer_id) customer_id, order_id FROM orders ORDER BY customer_id, ordered_at DESC",
    "grouping_sets": "SELECT status, customer_id, count(*) FROM orders GROUP BY GROUPING SETS ((status), (customer_id), ())",
    "rollup": "SELECT status, customer_id, sum(total_amount) FROM orders GROUP BY ROLLUP (status, customer_id)",
    "cube": "SELECT status, customer_id, sum(total_amount) FROM orders GROUP BY CUBE (status, customer_id)",
    "order_nulls_last": "SELECT order_id FROM orders ORDER BY total_amount DESC NULLS LAST",
    "limit_offset": "SELECT order_id FROM orders ORDER BY order_id LIMIT 10 OFFSET 5",
    "fetch_first": "SELECT order_id FROM orders ORDER BY order_id FETCH FIRST 5 ROWS ONLY",
    "values_in_from": "SELECT v.x FROM (VALUES (1), (2)) AS v(x)",
    "values_join": "SELECT o.order_id, v.label FROM orders o JOIN (VALUES ('paid', 'P')) AS v(status, label) ON v.status = o.status",
    "table_statement": "TABLE orders",
    "dollar_quoted": "SELECT $$it's$$ AS s",
    "dollar_tagged": "SELECT $q$a $$ b$q$ AS s",
    "e_string": "SELECT E'tab\\there' AS s",
    "e_string_quote": "SELECT E'it\\'s' AS s",
    "unicode_string": "SELECT U&'d\\0061ta' AS s",
    "string_with_keywords": "SELECT 'DROP TABLE orders; DELETE FROM x' AS s",
    "pg_catalog_function": "SELECT pg_catalog.lower(email) FROM customers",
    "quoted_builtin_lower": 'SELECT "lower"(email) FROM customers',
    "row_constructor": "SELECT ROW(1, 2) = ROW(1, 2)",
    "tuple_in": "SELECT order_id FROM orders WHERE (customer_id, status) IN ((1, 'paid'), (2, 'shipped'))",
    "bool_agg": "SELECT bool_and(total_amount > 0), bool_or(status = 'paid') FROM orders",
    "array_agg": "SELECT array_agg(DISTINCT status) FROM orders",
    "nested_subqueries": "SELECT * FROM (SELECT * FROM (SELECT order_id FROM orders) a) b",
    "cte_in_subquery": "SELECT * FROM (WITH x AS (SELECT order_id FROM orders) SELECT order_id FROM x) y",
    "not_exists_stock": "SELECT p.name FROM products p WHERE NOT EXISTS (SELECT 1 FROM warehouse.stock s WHERE s.product_id = p.product_id)",
    "window_ntile": "SELECT customer_id, ntile(4) OVER (ORDER BY customer_id) FROM customers",
    "regexp_replace": "SELECT regexp_replace(email, '@.*$', '') FROM customers",
    "column_named_like_keyword_quoted": 'SELECT o."status" FROM orders o',
    "in_list_numbers": "SELECT * FROM order_items WHERE quantity IN (1, 2, 3) AND unit_price >= 2.5",
    "division_cast": "SELECT sum(quantity)::numeric / nullif(count(*), 0) FROM order_items",
}

_REFUSED: dict[str, tuple[str, str]] = {
    # empty and parsing
    "empty": ("", "empty"),
    "whitespace": ("   \n\t ", "empty"),
    "only_semicolon": (";", "empty"),
    "only_comment": ("-- nothing here", "empty"),
    "only_block_comment": ("/* nothing */", "empty"),
    "garbage": ("SELEC order_id FROM orders", "parse_error"),
    "unbalanced": ("SELECT (1 + 2 FROM orders", "parse_error"),
    "nul_byte": ("SELECT 1\x00; DROP TABLE orders", "parse_error"),
    "psql_meta": ("SELECT 1 \\g", "parse_error"),
    "cyrillic_delete": ("DЕLETE FROM orders", "parse_error"),
    # PostgreSQL requires ON or USING after [INNER|LEFT|RIGHT|FULL] JOIN; sqlglot would read a plan cut short as a cross join
    "join_without_on": ("SELECT COUNT(*) FROM orders o JOIN customers c", "parse_error"),
    "join_without_on_where": ("SELECT o.order_id FROM orders o JOIN customers c WHERE o.status = 'paid'", "parse_error"),
    "inner_join_without_on": ("SELECT o.order_id FROM orders o INNER JOIN customers c", "parse_error"),
    "left_join_without_on": ("SELECT o.order_id FROM orders o LEFT JOIN customers c", "parse_error"),
    "second_join_without_on": ("SELECT 1 FROM orders o JOIN customers c ON c.customer_id = o.customer_id JOIN addresses a", "parse_error"),
    # stacked statements and comment tricks
    "stacked": ("SELECT 1; SELECT 2", "multiple_statements"),
    "stacked_drop": ("SELECT * FROM orders; DROP TABLE orders", "multiple_statements"),
    "comment_then_drop": ("SELECT 1 /* */; DROP TABLE orders", "multiple_statements"),
    "line_comment_then_drop": ("SELECT 1 -- hi\n; DROP TABLE orders", "multiple_statements"),
    "line_comment_newline_drop": ("-- select the orders\nDROP TABLE orders", "write_statement"),
    "leading_semicolon": ("; SELECT 1", "multiple_statements"),
    "stacked_in_string_then_real": ("SELECT ';'; DELETE FROM orders", "multiple_statements"),
    "stacked_dollar": ("SELECT $$x$$; UPDATE orders SET status = 'x'", "multiple_statements"),
    # not a query
    "insert": ("INSERT INTO orders (order_id) VALUES (999)", "write_statement"),
    "insert_select": ("INSERT INTO orders SELECT * FROM orders", "write_statement"),
    "update": ("UPDATE orders SET status = 'x'", "write_statement"),
    "delete": ("DELETE FROM orders", "write_statement"),
    "delete_lower_case": ("delete from orders where true", "write_statement"),
    "merge": ("MERGE INTO orders o USING orders s ON o.order_id = s.order_id WHEN MATCHED THEN DELETE", "write_statement"),
    "truncate": ("TRUNCATE orders", "write_statement"),
    "drop": ("DROP TABLE orders", "write_statement"),
    "create_table": ("CREATE TABLE x (a int)", "write_statement"),
    "create_temp_as": ("CREATE TEMP TABLE x AS SELECT * FROM orders", "write_statement"),
    "create_view": ("CREATE VIEW v AS SELECT 1", "write_statement"),
    "create_function": ("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql", "write_statement"),
    "alter": ("ALTER TABLE orders ADD COLUMN x int", "write_statement"),
    "grant": ("GRANT ALL ON orders TO public", "write_statement"),
    "revoke": ("REVOKE ALL ON orders FROM public", "write_statement"),
    "copy_to_program": ("COPY orders TO PROGRAM 'id'", "write_statement"),
    "copy_from_file": ("COPY orders FROM '/etc/passwd'", "write_statement"),
    "copy_query": ("COPY (SELECT 1) TO STDOUT", "write_statement"),
    "explain": ("EXPLAIN SELECT 1", "write_statement"),
    "explain_analyze": ("EXPLAIN ANALYZE DELETE FROM orders", "write_statement"),
    "show": ("SHOW work_mem", "write_statement"),
    "set": ("SET statement_timeout = 0", "write_statement"),
    "set_role": ("SET ROLE postgres", "write_statement"),
    "reset": ("RESET ALL", "write_statement"),
    "listen": ("LISTEN chan", "write_statement"),
    "notify": ("NOTIFY chan", "write_statement"),
    "notify_payload": ("NOTIFY chan, 'x'", "write_statement"),
    "prepare": ("PREPARE p AS SELECT 1", "write_statement"),
    "execute": ("EXECUTE p", "write_statement"),
    "deallocate": ("DEALLOCATE ALL", "write_statement"),
    "do_block": ("DO $$BEGIN DELETE FROM orders; END$$", "write_statement"),
    "call": ("CALL do_things()", "write_statement"),
    "begin": ("BEGIN", "write_statement"),
    "commit": ("COMMIT", "write_statement"),
    "vacuum": ("VACUUM orders", "write_statement"),
    "analyze": ("ANALYZE orders", "write_statement"),
    "lock": ("LOCK TABLE orders", "write_statement"),
    "refresh": ("REFRESH MATERIALIZED VIEW v", "write_statement"),
    "comment_on": ("COMMENT ON TABLE orders IS 'x'", "write_statement"),
    "discard": ("DISCARD ALL", "write_statement"),
    "values_top_level": ("VALUES (1), (2)", "write_statement"),
    "checkpoint": ("CHECKPOINT", "write_statement"),
    # writes hidden inside a query
    "writable_cte_delete": ("WITH d AS (DELETE FROM orders RETURNING *) SELECT * FROM d", "data_modifying_cte"),
    "writable_cte_update": ("WITH u AS (UPDATE orders SET status = 'x' RETURNING order_id) SELECT count(*) FROM u", "data_modifying_cte"),
    "writable_cte_insert": ("WITH i AS (INSERT INTO orders (order_id) VALUES (999) RETURNING 1) SELECT 1", "data_modifying_cte"),
    "writable_cte_nested": ("SELECT * FROM (WITH d AS (DELETE FROM orders RETURNING order_id) SELECT order_id FROM d) x", "data_modifying_cte"),
    "writable_cte_second": ("WITH a AS (SELECT 1), d AS (DELETE FROM orders RETURNING 1) SELECT * FROM a", "data_modifying_cte"),
    "select_into": ("SELECT * INTO copy_of_orders FROM orders", "select_into"),
    "select_into_temp": ("SELECT order_id INTO TEMP t FROM orders", "select_into"),
    "for_update": ("SELECT * FROM orders FOR UPDATE", "locking_clause"),
    "for_share": ("SELECT * FROM orders FOR SHARE", "locking_clause"),
    "for_no_key_update": ("SELECT * FROM orders FOR NO KEY UPDATE SKIP LOCKED", "locking_clause"),
    "for_key_share_nowait": ("SELECT * FROM orders FOR KEY SHARE NOWAIT", "locking_clause"),
    "for_update_in_subquery": ("SELECT * FROM (SELECT * FROM orders FOR UPDATE) x", "locking_clause"),
    # functions
    "pg_sleep": ("SELECT pg_sleep(10)", "forbidden_function"),
    "pg_sleep_in_where": ("SELECT order_id FROM orders WHERE pg_sleep(1) IS NULL", "forbidden_function"),
    "pg_sleep_in_subquery": ("SELECT (SELECT pg_sleep(1))", "forbidden_function"),
    "pg_sleep_lateral": ("SELECT * FROM orders, LATERAL (SELECT pg_sleep(1)) s", "forbidden_function"),
    "pg_sleep_from": ("SELECT * FROM pg_sleep(1)", "forbidden_function"),
    "pg_sleep_cte": ("WITH s AS (SELECT pg_sleep(1)) SELECT * FROM s", "forbidden_function"),
    "pg_sleep_quoted": ('SELECT "pg_sleep"(1)', "forbidden_function"),
    "pg_sleep_qualified": ("SELECT pg_catalog.pg_sleep(1)", "forbidden_function"),
    "pg_read_file": ("SELECT pg_read_file('/etc/passwd')", "forbidden_function"),
    "pg_ls_dir": ("SELECT pg_ls_dir('.')", "forbidden_function"),
    "dblink": ("SELECT * FROM dblink('host=x', 'DELETE FROM orders') AS t(a int)", "forbidden_function"),
    "lo_export": ("SELECT lo_export(1, '/tmp/x')", "forbidden_function"),
    "set_config": ("SELECT set_config('statement_timeout', '0', false)", "forbidden_function"),
    "current_setting": ("SELECT current_setting('data_directory')", "forbidden_function"),
    "query_to_xml": ("SELECT query_to_xml('DELETE FROM orders RETURNING 1', true, true, '')", "forbidden_function"),
    "table_to_xml": ("SELECT table_to_xml('orders', true, true, '')", "forbidden_function"),
    "xpath": ("SELECT xpath('/a', '<a/>')", "forbidden_function"),
    "nextval": ("SELECT nextval('order_seq')", "forbidden_function"),
    "setval": ("SELECT setval('order_seq', 1)", "forbidden_function"),
    "terminate": ("SELECT pg_terminate_backend(1)", "forbidden_function"),
    "advisory_lock": ("SELECT pg_advisory_lock(1)", "forbidden_function"),
    "pg_notify": ("SELECT pg_notify('c', 'x')", "forbidden_function"),
    "txid": ("SELECT txid_current()", "forbidden_function"),
    "version": ("SELECT version()", "forbidden_function"),
    "current_user": ("SELECT current_user", "forbidden_function"),
    "bare_user": ("SELECT user", "forbidden_function"),
    "current_database": ("SELECT current_database()", "forbidden_function"),
    "public_qualified_builtin": ("SELECT public.lower(email) FROM customers", "forbidden_function"),
    "quoted_upper_builtin_anon": ('SELECT "NUM_NONNULLS"(1, 2)', "forbidden_function"),
    "kelvin_sign_name": ("SELECT ran\u212a() OVER () FROM orders", "forbidden_function"),
    "regclass_cast": ("SELECT 'orders'::regclass", "forbidden_function"),
    "regproc_cast": ("SELECT CAST('now' AS regproc)", "forbidden_function"),
    "regclass_in_where": ("SELECT order_id FROM orders WHERE 'pg_authid'::regclass IS NOT NULL", "forbidden_function"),
    "operator_syntax": ("SELECT order_id FROM orders WHERE order_id OPERATOR(pg_catalog.=) 1", "forbidden_function"),
    # tables
    "unknown_table": ("SELECT * FROM ordrs", "unknown_table"),
    "unknown_schema_table": ("SELECT * FROM sales.orders", "unknown_table"),
    "quoted_upper_table": ('SELECT * FROM "Orders"', "unknown_table"),
    "auditlog_quoted_lower": ('SELECT * FROM "auditlog"', "unknown_table"),  # quoted names are exact: no spelling mends them
    "cross_database": ("SELECT * FROM otherdb.public.orders", "unknown_table"),
    "cte_out_of_scope": ("SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) a, x", "unknown_table"),
    "pg_catalog_table": ("SELECT * FROM pg_catalog.pg_class", "system_catalog"),
    "pg_bare": ("SELECT * FROM pg_shadow", "system_catalog"),
    "pg_authid_subquery": ("SELECT order_id FROM orders WHERE EXISTS (SELECT 1 FROM pg_authid)", "system_catalog"),
    "information_schema": ("SELECT * FROM information_schema.tables", "system_catalog"),
    "pg_toast": ("SELECT * FROM pg_toast.pg_toast_1", "system_catalog"),
    "pg_temp": ("SELECT * FROM pg_temp.x", "system_catalog"),
    "cte_named_pg_out_of_scope": ("SELECT * FROM (WITH pg_class AS (SELECT 1) SELECT * FROM pg_class) a, pg_class", "system_catalog"),
    # columns
    "unknown_column": ("SELECT total FROM orders", "unknown_column"),
    "unknown_qualified_column": ("SELECT o.total FROM orders o", "unknown_column"),
    "quoted_upper_column": ('SELECT "ID" FROM orders', "unknown_column"),
    "quoted_mixed_column_lower": ('SELECT "eventid" FROM "AuditLog"', "unknown_column"),
    "unknown_alias": ("SELECT x.order_id FROM orders o", "unknown_column"),
    "unknown_in_where": ("SELECT order_id FROM orders WHERE colour = 'red'", "unknown_column"),
    "unknown_in_subquery": ("SELECT order_id FROM orders WHERE customer_id IN (SELECT id FROM customers)", "unknown_column"),
    "fullwidth_column": ("SELECT ＤＥＬＥＴＥ FROM orders", "unknown_column"),
    "column_from_other_table": ("SELECT city FROM customers", "unknown_column"),
    "ambiguous": ("SELECT customer_id FROM orders o JOIN customers c ON o.customer_id = c.customer_id", "ambiguous_column"),
    "ambiguous_in_where": ("SELECT o.order_id FROM orders o JOIN order_items i ON i.order_id = o.order_id WHERE order_id > 3", "ambiguous_column"),
    # size
    "too_long": ("SELECT 1" + " " * 20_000, "too_complex"),
    "too_deep_parens": ("SELECT " + "(" * 60 + "1" + ")" * 60, "too_complex"),
    "too_deep_subqueries": ("SELECT " + "(SELECT " * 55 + "1" + ")" * 55, "too_complex"),
}

CASES: list[Case] = [Case(k, v, ALLOW) for k, v in _ALLOWED.items()] + [Case(k, sql, code) for k, (sql, code) in _REFUSED.items()]
