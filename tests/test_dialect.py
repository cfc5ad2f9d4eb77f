"""SQLite, MySQL and T-SQL habits transpiled to PostgreSQL before validation
(engine/policy/dialect.py): each construct validated, run on a real PostgreSQL
with its expected rows and its dialect recorded; correct PostgreSQL left
byte-for-byte unchanged; hostile SQL in another dialect's spelling still refused."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from engine.database.executor import Executor
from engine.errors import SqlRefused
from engine.policy.dialect import FOREIGN_FUNCTIONS, to_postgres
from engine.policy.validator import validate
from engine.settings import Settings

SETUP = """
CREATE TABLE customers (customer_id integer PRIMARY KEY, first_name text, last_name text, email text, country text);
CREATE TABLE orders (order_id integer PRIMARY KEY, customer_id integer REFERENCES customers, status text,
  ordered_at timestamp, shipped_at timestamp, total numeric(10,2));
INSERT INTO customers VALUES (1, 'Ann', 'Lee', 'ann@x.test', 'US'), (2, 'Bo', 'Kim', NULL, 'DE'), (3, 'Cy', 'Park', 'cy@x.test', 'US');
INSERT INTO orders VALUES (10, 1, 'paid', '2024-01-15 10:00', '2024-01-18 09:00', 120.50),
  (11, 1, 'shipped', '2024-02-03 08:30', '2024-02-04 08:30', 80.00), (12, 2, 'paid', '2024-02-20 12:00', NULL, 45.25),
  (13, 3, 'cancelled', '2023-12-31 23:00', NULL, 10.00);
"""

# (id, SQL in another dialect's habits, the dialect recorded, the expected rows)
CONSTRUCTS = [
    ("sqlite:strftime", "SELECT strftime('%Y-%m', ordered_at) AS ym, count(*) FROM orders GROUP BY ym ORDER BY ym", "sqlite",
     [["2023-12", 1], ["2024-01", 1], ["2024-02", 2]]),
    ("sqlite:date_modifier", "SELECT order_id, date(ordered_at, '+7 days') FROM orders WHERE order_id = 10", "sqlite", [[10, "2024-01-22"]]),
    ("sqlite:date_modifiers_two", "SELECT date(ordered_at, '-1 month', '+2 days') FROM orders WHERE order_id = 12", "sqlite", [["2024-01-22"]]),
    ("sqlite:datetime_modifier", "SELECT datetime(ordered_at, '+90 minutes') FROM orders WHERE order_id = 11", "sqlite", [["2024-02-03T10:00:00"]]),
    ("sqlite:ifnull", "SELECT first_name, ifnull(email, 'none') FROM customers ORDER BY customer_id", "sqlite",
     [["Ann", "ann@x.test"], ["Bo", "none"], ["Cy", "cy@x.test"]]),
    ("sqlite:group_concat", "SELECT length(group_concat(first_name, ',')) FROM customers", "sqlite", [[9]]),
    ("sqlite:instr", "SELECT instr(email, '@') FROM customers WHERE customer_id = 1", "sqlite", [[4]]),
    ("mysql:backticks", "SELECT `first_name` FROM `customers` WHERE `customer_id` = 2", "mysql", [["Bo"]]),
    ("mysql:year_month", "SELECT YEAR(ordered_at) AS y, MONTH(ordered_at) AS m, count(*) FROM orders GROUP BY YEAR(ordered_at), MONTH(ordered_at) ORDER BY 1, 2",
     "mysql", [[2023, 12, 1], [2024, 1, 1], [2024, 2, 2]]),
    ("mysql:day", "SELECT DAY(ordered_at) FROM orders WHERE order_id = 12", "mysql", [[20]]),
    ("mysql:datediff", "SELECT order_id, DATEDIFF(shipped_at, ordered_at) FROM orders WHERE shipped_at IS NOT NULL ORDER BY 1", "mysql",
     [[10, 3], [11, 1]]),
    ("mysql:interval_number", "SELECT count(*) FROM orders WHERE ordered_at > TIMESTAMP '2024-02-25' - INTERVAL 30 DAY", "mysql", [[2]]),
    ("mysql:if", "SELECT order_id, IF(total > 100, 'big', 'small') FROM orders ORDER BY 1", "mysql",
     [[10, "big"], [11, "small"], [12, "small"], [13, "small"]]),
    ("mysql:date_format", "SELECT DATE_FORMAT(ordered_at, '%Y-%m-%d') FROM orders WHERE order_id = 12", "mysql", [["2024-02-20"]]),
    ("mysql:curdate_date_sub", "SELECT count(*) FROM orders WHERE ordered_at < DATE_SUB(CURDATE(), INTERVAL 30 DAY)", "mysql", [[4]]),
    ("mysql:group_concat_separator", "SELECT length(GROUP_CONCAT(first_name SEPARATOR '; ')) FROM customers", "mysql", [[11]]),
    ("mysql:lcase_ucase", "SELECT LCASE(first_name), UCASE(last_name) FROM customers WHERE customer_id = 3", "mysql", [["cy", "PARK"]]),
    ("tsql:top", "SELECT TOP 2 order_id FROM orders ORDER BY total DESC", "tsql", [[10], [11]]),
    ("tsql:top_parenthesized", "SELECT TOP (1) first_name FROM customers ORDER BY customer_id", "tsql", [["Ann"]]),
    ("tsql:top_with_ties", "SELECT TOP 1 WITH TIES customer_id FROM orders ORDER BY status", "tsql", [[3]]),
    ("tsql:brackets", "SELECT [first_name] FROM [customers] WHERE [customer_id] = 3", "tsql", [["Cy"]]),
    ("tsql:datediff", "SELECT order_id, DATEDIFF(day, ordered_at, shipped_at) FROM orders WHERE shipped_at IS NOT NULL ORDER BY 1", "tsql",
     [[10, 3], [11, 1]]),
    ("tsql:dateadd", "SELECT DATEADD(day, 7, ordered_at) FROM orders WHERE order_id = 10", "tsql", [["2024-01-22T10:00:00"]]),
    ("tsql:datepart", "SELECT DATEPART(year, ordered_at) FROM orders WHERE order_id = 13", "tsql", [[2023]]),
    ("tsql:getdate", "SELECT count(*) FROM orders WHERE ordered_at < GETDATE()", "tsql", [[4]]),
    ("tsql:isnull", "SELECT ISNULL(email, 'none') FROM customers WHERE customer_id = 2", "tsql", [["none"]]),
    ("tsql:len", "SELECT LEN(first_name) FROM customers WHERE customer_id = 1", "tsql", [[3]]),
    ("tsql:iif", "SELECT IIF(total > 100, 'big', 'small') FROM orders WHERE order_id = 10", "tsql", [["big"]]),
    ("tsql:charindex", "SELECT CHARINDEX('@', email) FROM customers WHERE customer_id = 3", "tsql", [[3]]),
    ("tsql:convert", "SELECT CONVERT(VARCHAR(10), ordered_at, 120) FROM orders WHERE order_id = 11", "tsql", [["2024-02-03"]]),
    ("tsql:eomonth", "SELECT EOMONTH(ordered_at) FROM orders WHERE order_id = 12", "tsql", [["2024-02-29"]]),
    ("tsql:plus_concat", "SELECT first_name + ' ' + last_name FROM customers ORDER BY customer_id", "tsql", [["Ann Lee"], ["Bo Kim"], ["Cy Park"]]),
    ("tsql:plus_concat_where", "SELECT customer_id FROM customers WHERE first_name + last_name = 'BoKim'", "tsql", [[2]]),
    ("tsql:top_and_plus", "SELECT TOP 1 last_name + ', ' + first_name AS name FROM customers ORDER BY customer_id DESC", "tsql", [["Park, Cy"]]),
]

# Correct PostgreSQL, some of it looking like another dialect: never changed.
POSTGRES = [
    "SELECT first_name || ' ' || last_name FROM customers",
    "SELECT count(*) FROM orders WHERE ordered_at > CURRENT_DATE - INTERVAL '7' DAY",
    "SELECT DATE(ordered_at), count(*) FROM orders GROUP BY DATE(ordered_at)",
    "SELECT date('now')",
    "SELECT left(first_name, 2), right(last_name, 2), substr(email, 1, 3) FROM customers",
    "SELECT format('%s-%s', first_name, last_name) FROM customers",
    "SELECT extract(year FROM ordered_at), date_part('month', ordered_at) FROM orders",
    "SELECT ordered_at + '1 day' FROM orders",
    "SELECT ordered_at + INTERVAL '1 day', total + 1 FROM orders",
    "SELECT coalesce(email, 'none') FROM customers",
    "SELECT to_char(ordered_at, 'YYYY-MM') FROM orders",
    "SELECT (ARRAY[1, 2, 3])[2]",
    "WITH month(m) AS (SELECT 1) SELECT m FROM month",
    "SELECT d FROM generate_series(1, 3) AS day(d)",
    "SELECT order_id FROM orders ORDER BY total DESC NULLS LAST FETCH FIRST 2 ROWS WITH TIES",
    "SELECT status, string_agg(first_name, ', ' ORDER BY first_name) FROM customers JOIN orders USING (customer_id) GROUP BY status",
    "SELECT '1' || 2",
    "select top from (select 1 as top) t",
]

# Hostile SQL in another dialect's spelling: the transpiled statement meets the full validator.
HOSTILE = [
    ("SELECT TOP 1 * FROM pg_catalog.pg_authid", "system_catalog"),
    ("SELECT `usename`, `passwd` FROM `pg_shadow`", "system_catalog"),
    ("SELECT IFNULL(pg_read_file('/etc/passwd'), 'x')", "forbidden_function"),
    ("SELECT TOP 1 pg_sleep(10) FROM orders", "forbidden_function"),
    ("SELECT DATEADD(day, 1, now()), set_config('default_transaction_read_only', 'off', false)", "forbidden_function"),
    ("SELECT `order_id` FROM `orders`; DELETE FROM `orders`", "multiple_statements"),
    ("DELETE TOP (1) FROM orders", "write_statement"),
    ("UPDATE `orders` SET `status` = 'x'", "write_statement"),
    ("SELECT TOP 1 * INTO evil FROM orders", "select_into"),
    ("SELECT IFNULL(secret, 1) FROM nowhere", "unknown_table"),
]


@pytest.fixture(scope="module")
def db(make_schema_db) -> tuple[str, object]:
    return make_schema_db(SETUP)


@pytest.fixture(scope="module")
def executor(db) -> Iterator[Executor]:
    with Executor(db[0], Settings(database_url=db[0])) as ex:
        yield ex


@pytest.mark.parametrize(("sql", "dialect", "rows"), [c[1:] for c in CONSTRUCTS], ids=[c[0] for c in CONSTRUCTS])
def test_construct_is_transpiled_and_runs(db, executor, sql: str, dialect: str, rows: list) -> None:
    checked = validate(sql, db[1])
    assert checked.normalized_from == dialect
    assert checked.sql != sql
    assert executor.run(checked.sql).rows == rows


@pytest.mark.parametrize("sql", POSTGRES)
def test_postgres_is_left_unchanged(db, executor, sql: str) -> None:
    assert to_postgres(sql, db[1]) is None
    checked = validate(sql, db[1], max_rows=None)
    assert checked.normalized_from is None
    assert validate(sql, db[1], max_rows=None, normalize_dialect=False).sql == checked.sql
    executor.run(checked.sql)


@pytest.mark.parametrize(("sql", "code"), HOSTILE)
def test_hostile_sql_in_another_dialect_is_still_refused(db, sql: str, code: str) -> None:
    with pytest.raises(SqlRefused) as info:
        validate(sql, db[1])
    assert info.value.code == code, info.value.message


def test_without_the_step_the_habits_are_refused(db) -> None:
    refused = 0
    for _, sql, _, _ in CONSTRUCTS:
        try:
            validate(sql, db[1], normalize_dialect=False)
        except SqlRefused:
            refused += 1
    assert refused >= len(CONSTRUCTS) // 2  # the rest sqlglot's PostgreSQL reading rewrites silently (IFNULL -> COALESCE)


def test_foreign_functions_are_not_postgresql_functions(admin_url: str) -> None:
    """The evidence a statement is not PostgreSQL: a call PostgreSQL cannot make."""
    names = sorted(set().union(*FOREIGN_FUNCTIONS.values()))
    conn = psycopg2.connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT DISTINCT proname FROM pg_catalog.pg_proc WHERE proname = ANY(%s)", (names,))
            assert [r[0] for r in cur.fetchall()] == []
    finally:
        conn.close()


def test_decide_sql_sql_reports_the_dialect(db) -> None:
    exe = Path(sys.executable).parent / "decide-sql"
    out = subprocess.run(
        [str(exe), "sql", "SELECT TOP 1 first_name + ' ' + last_name AS name FROM customers ORDER BY customer_id"],
        capture_output=True, text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "DATABASE_URL": db[0], "HOME": str(Path.home())},
    )
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["rows"] == [["Ann Lee"]] and answer["normalized_from"] == "tsql"
