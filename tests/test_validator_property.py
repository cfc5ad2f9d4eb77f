"""Property: whatever the validator accepts leaves a real database unchanged.

Statements are composed from the schema's names with random clauses (some
hostile), or are random mutations and concatenations of corpus statements.
Every accepted one runs with autocommit on a connection that is NOT read-only,
so a write would persist; a checksum of every table, the sequence and the
catalog must not move.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg2
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from engine.errors import SqlRefused
from engine.schema.introspect import introspect
from engine.policy.validator import validate
from tests.validator_corpus import CASES, SETUP_SQL, retail_schema

SCHEMA = retail_schema()
# A short run in every test session; benchmarks/fuzz_validator.py sets a long one.
FUZZ_EXAMPLES = int(os.environ.get("DECIDE_SQL_FUZZ_EXAMPLES", "200"))
TABLES = [t for t in SCHEMA.tables]
CHECKSUM_SQL = """
SELECT md5(string_agg(part, '|' ORDER BY part)) FROM (
  SELECT 'a' || coalesce(string_agg(t::text, ',' ORDER BY t::text), '') AS part FROM addresses t
  UNION ALL SELECT 'c' || coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM customers t
  UNION ALL SELECT 'p' || coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM products t
  UNION ALL SELECT 'o' || coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM orders t
  UNION ALL SELECT 'i' || coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM order_items t
  UNION ALL SELECT 'l' || coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM "AuditLog" t
  UNION ALL SELECT 's' || coalesce(string_agg(t::text, ',' ORDER BY t::text), '') FROM warehouse.stock t
  UNION ALL SELECT 'q' || last_value || is_called FROM order_seq
  UNION ALL SELECT 'r' || count(*) FROM pg_class
  UNION ALL SELECT 'n' || count(*) FROM pg_namespace
) parts
"""

FUNCTIONS = ["count", "sum", "max", "lower", "upper", "length", "abs", "coalesce", "pg_sleep", "nextval", "setval",
             "set_config", "lo_import", "pg_advisory_lock", "query_to_xml", "current_setting", "txid_current", "md5"]
HOSTILE_TAILS = ["", " FOR UPDATE", " FOR SHARE", "; DELETE FROM orders", " /* */; DROP TABLE orders", " --\n; TRUNCATE orders",
                 " INTO x", " UNION SELECT nextval('order_seq')::text"]
SEPARATORS = [";", " ", "\n", " /* */ ", " UNION ALL ", " -- ", "$$", "'", ")", "("]
INSERTS = ["DELETE FROM orders", "INSERT INTO orders (order_id) VALUES (9999)", "UPDATE orders SET status = 'x'",
           "nextval('order_seq')", "setval('order_seq', 99)", "pg_advisory_lock(1)", "CREATE TABLE z (a int)", ";", "'", "$$",
           "/*", "*/", "--", "FOR UPDATE", "INTO t2", "lo_creat(-1)", "DROP TABLE orders", "(", ")"]


@pytest.fixture(scope="module")
def conn(make_db) -> Iterator[psycopg2.extensions.connection]:
    url = make_db(SETUP_SQL)
    connection = psycopg2.connect(url, options="-c statement_timeout=2000 -c lock_timeout=1000")
    connection.autocommit = True  # no transaction to roll back: a write would persist
    yield connection
    connection.close()


def checksum(connection: psycopg2.extensions.connection) -> str:
    with connection.cursor() as cur:
        cur.execute(CHECKSUM_SQL)
        return cur.fetchone()[0]


def test_hand_schema_matches_introspection(conn) -> None:
    real = introspect(conn, sample_values=False)
    shape = {(t.key, tuple(c.name for c in t.columns)) for t in real.tables}
    assert shape == {(t.key, tuple(c.name for c in t.columns)) for t in SCHEMA.tables}


def test_checksum_sees_writes(make_db) -> None:
    """The checksum must move on a row change, a sequence step and a new table, or the property proves nothing."""
    connection = psycopg2.connect(make_db(SETUP_SQL))
    connection.autocommit = True
    try:
        seen = [checksum(connection)]
        for write in ["UPDATE orders SET status = 'x' WHERE order_id = 1", "SELECT nextval('order_seq')", "CREATE TABLE z (a int)"]:
            with connection.cursor() as cur:
                cur.execute(write)
            seen.append(checksum(connection))
        assert len(set(seen)) == len(seen)
    finally:
        connection.close()


@st.composite
def composed(draw: st.DrawFn) -> str:
    table = draw(st.sampled_from(TABLES))
    names = [c.name for c in table.columns] + ["nope", "ID", "total"]
    quoted = draw(st.booleans())
    cols = [f'"{n}"' if quoted else n for n in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3))]
    fn = draw(st.sampled_from(FUNCTIONS))
    select = ", ".join(cols + ([f"{fn}({cols[0]})"] if draw(st.booleans()) else []))
    sql = f'SELECT {select} FROM {table.display_name if table.name.islower() else chr(34) + table.name + chr(34)} t'
    if draw(st.booleans()):
        sql += f" WHERE {cols[0]} IS NOT NULL"
    if draw(st.booleans()):
        sql += f" ORDER BY 1 LIMIT {draw(st.integers(0, 5000))}"
    if draw(st.booleans()):
        sql = f"WITH w AS ({draw(st.sampled_from(['SELECT 1 AS one', 'DELETE FROM orders RETURNING 1', 'SELECT nextval(%s)' % chr(39) + 'order_seq' + chr(39)]))}) {sql}"
    return sql + draw(st.sampled_from(HOSTILE_TAILS))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    first = draw(st.sampled_from(CASES)).sql
    if draw(st.booleans()):
        return first + draw(st.sampled_from(SEPARATORS)) + draw(st.sampled_from(CASES)).sql
    pos = draw(st.integers(0, len(first)))
    return first[:pos] + " " + draw(st.sampled_from(INSERTS)) + " " + first[pos:]


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sql=st.one_of(composed(), mutated()))
def test_accepted_statements_never_change_the_database(conn, sql: str) -> None:
    try:
        result = validate(sql, SCHEMA, max_rows=50)
    except SqlRefused as refused:
        assert refused.code and refused.message
        event(f"refused: {refused.code}")
        return
    event("accepted")
    before = checksum(conn)
    with conn.cursor() as cur:
        try:
            cur.execute(result.sql)
            assert len(cur.fetchall()) <= 50
        except psycopg2.Error:
            pass  # a runtime error (bad cast, timeout) is fine; only a change is not
    assert checksum(conn) == before, result.sql
