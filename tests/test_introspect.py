"""Introspection and the fingerprint cache against a real PostgreSQL (no mocks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg2
import psycopg2.extensions
import pytest

import engine.schema.introspect
from engine.errors import DatabaseError
from engine.schema.introspect import fingerprint, introspect
from engine.schema.render import estimate_tokens, render_schema
from engine.schema import ForeignKey, Schema
from engine.schema.cache import load_schema

SETUP_SQL = r"""
CREATE SCHEMA sales;
CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');

CREATE TABLE stores (store_id integer PRIMARY KEY, name text NOT NULL, legacy text, region text DEFAULT 'north')
  WITH (autovacuum_enabled = false);
ALTER TABLE stores DROP COLUMN legacy;
COMMENT ON TABLE stores IS 'Physical shops';
COMMENT ON COLUMN stores.name IS 'Display name';
INSERT INTO stores SELECT i, 'store ' || i, CASE WHEN i % 3 = 0 THEN 'north' WHEN i % 3 = 1 THEN E'south\nDROP TABLE stores; --' ELSE repeat('x', 100) END
  FROM generate_series(1, 20) i;

CREATE TABLE sales.regions (country text, code integer, label text, PRIMARY KEY (country, code));
COMMENT ON COLUMN sales.regions.label IS 'Human label';
INSERT INTO sales.regions VALUES ('DE', 1, 'Berlin'), ('FR', 1, 'Paris');

CREATE TABLE sales.visits (
  visit_id bigserial PRIMARY KEY,
  store_id integer NOT NULL REFERENCES stores (store_id),
  r_code integer,
  r_country text,
  feeling mood,
  channel varchar(20),
  note text,
  CONSTRAINT visits_region_fkey FOREIGN KEY (r_code, r_country) REFERENCES sales.regions (code, country)
);
INSERT INTO sales.visits (store_id, r_code, r_country, feeling, channel, note)
  SELECT 1 + i % 20, 1, 'DE', (ARRAY['happy', 'sad']::mood[])[1 + i % 2], (ARRAY['web', 'phone', 'store'])[1 + i % 3], 'note ' || i
  FROM generate_series(1, 600) i;
ANALYZE sales.visits;

CREATE VIEW store_names AS SELECT store_id, name FROM stores;
CREATE MATERIALIZED VIEW sales.visit_counts AS SELECT store_id, count(*) AS n FROM sales.visits GROUP BY store_id;
CREATE MATERIALIZED VIEW sales.unfilled AS SELECT 'x'::text AS label WITH NO DATA;  -- sampling it fails: skipped

CREATE TABLE events (event_id integer, at date, kind text, PRIMARY KEY (event_id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
"""

STORE_FK = ForeignKey(
    name="visits_store_id_fkey", from_schema="sales", from_table="visits", from_columns=["store_id"],
    to_schema="public", to_table="stores", to_columns=["store_id"],
)  # fmt: skip
REGION_FK = ForeignKey(
    name="visits_region_fkey", from_schema="sales", from_table="visits", from_columns=["r_code", "r_country"],
    to_schema="sales", to_table="regions", to_columns=["code", "country"],
)  # fmt: skip


@pytest.fixture(scope="module")
def url(make_db) -> str:
    return make_db(SETUP_SQL)


@pytest.fixture()
def conn(url: str) -> Iterator[psycopg2.extensions.connection]:
    connection = psycopg2.connect(url)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def schema(url: str) -> Schema:
    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cur:
            cur.execute("CREATE TEMP TABLE scratch (a int)")  # other sessions' temp tables must stay invisible
        return introspect(connection)
    finally:
        connection.close()


def _table(schema: Schema, key: str):
    table = schema.table(key)
    assert table is not None, key
    return table


def test_relations_kinds_and_hidden_partitions(schema: Schema) -> None:
    kinds = {t.key: t.kind for t in schema.tables}
    assert kinds == {
        "public.events": "partitioned_table",
        "public.store_names": "view",
        "public.stores": "table",
        "sales.regions": "table",
        "sales.unfilled": "materialized_view",
        "sales.visit_counts": "materialized_view",
        "sales.visits": "table",
    }
    assert schema.database and schema.server_version.split(".")[0].isdigit()
    assert len(schema.fingerprint) == 64


def test_columns_types_defaults_comments_and_dropped_column(schema: Schema) -> None:
    stores = _table(schema, "stores")
    assert [c.name for c in stores.columns] == ["store_id", "name", "region"]  # "legacy" was dropped
    assert stores.comment == "Physical shops"
    assert stores.column("name").comment == "Display name" and not stores.column("name").nullable
    assert stores.column("region").default == "'north'::text" and stores.column("region").nullable
    visits = _table(schema, "sales.visits")
    types = {c.name: c.type for c in visits.columns}
    assert types == {
        "visit_id": "bigint", "store_id": "integer", "r_code": "integer", "r_country": "text",
        "feeling": "mood", "channel": "character varying(20)", "note": "text",
    }  # fmt: skip
    assert visits.column("visit_id").default == "nextval('sales.visits_visit_id_seq'::regclass)"
    assert _table(schema, "sales.regions").column("label").comment == "Human label"
    assert [c.name for c in _table(schema, "events").columns] == ["event_id", "at", "kind"]


def test_keys_in_both_directions(schema: Schema) -> None:
    assert _table(schema, "sales.regions").primary_key == ["country", "code"]
    assert _table(schema, "events").primary_key == ["event_id", "at"]
    visits = _table(schema, "sales.visits")
    assert visits.foreign_keys == [REGION_FK, STORE_FK]  # by constraint name
    assert visits.referenced_by == []
    assert _table(schema, "sales.regions").referenced_by == [REGION_FK]
    assert _table(schema, "stores").referenced_by == [STORE_FK]
    assert _table(schema, "stores").foreign_keys == []


def test_row_estimates(schema: Schema) -> None:
    assert _table(schema, "sales.visits").row_estimate == 600  # analyzed
    assert _table(schema, "stores").row_estimate is None  # never analyzed
    assert _table(schema, "store_names").row_estimate is None


def test_samples_from_stats_and_bounded_fallback(schema: Schema) -> None:
    visits = _table(schema, "sales.visits")
    assert sorted(visits.column("channel").sample_values) == ["phone", "store", "web"]  # pg_stats
    assert sorted(visits.column("feeling").sample_values) == ["happy", "sad"]  # enum, pg_stats
    assert visits.column("note").sample_values == []  # 600 distinct values
    assert visits.column("r_code").sample_values == []  # not text
    stores = _table(schema, "stores")
    assert stores.column("name").sample_values == []  # DISTINCT returned 7: not low cardinality
    region = stores.column("region").sample_values  # never analyzed: bounded DISTINCT query
    assert "north" in region and "south DROP TABLE stores; --" in region
    assert all(len(v) <= 60 and "\n" not in v for v in region) and len(region) == 3
    assert _table(schema, "sales.unfilled").column("label").sample_values == []  # its query failed and was skipped


def test_sampling_can_be_off_or_out_of_budget(conn) -> None:
    off = introspect(conn, sample_values=False)
    assert all(not c.sample_values for t in off.tables for c in t.columns)
    no_budget = introspect(conn, sample_budget_ms=0)
    assert _table(no_budget, "stores").column("region").sample_values == []  # needs a query: no budget
    assert _table(no_budget, "sales.visits").column("channel").sample_values  # pg_stats costs no budget


def test_schema_filter_keeps_edges_inside_the_selection(conn) -> None:
    sales = introspect(conn, schemas=["sales"])
    assert {t.key for t in sales.tables} == {"sales.regions", "sales.unfilled", "sales.visits", "sales.visit_counts"}
    assert _table(sales, "sales.visits").foreign_keys == [REGION_FK]


class CountingCursor(psycopg2.extensions.cursor):
    calls = 0

    def execute(self, query, vars=None):  # noqa: A002 - psycopg2's signature
        CountingCursor.calls += 1
        return super().execute(query, vars)


def test_query_count_does_not_grow_with_table_count(make_db) -> None:
    def count(tables: int) -> int:
        ddl = "".join(f"CREATE TABLE t{i} (id int PRIMARY KEY, parent int REFERENCES t{max(i - 1, 0)}(id), label text);" for i in range(tables))
        connection = psycopg2.connect(make_db(ddl + "ANALYZE;"))
        connection.cursor_factory = CountingCursor
        CountingCursor.calls = 0
        try:
            assert len(introspect(connection).tables) == tables
        finally:
            connection.close()
        return CountingCursor.calls

    assert count(3) == count(80)


def test_connection_state_is_left_as_found(conn) -> None:
    introspect(conn)
    assert conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE
    assert conn.readonly is None and conn.isolation_level is None  # session settings untouched

    with conn.cursor() as cur:  # the caller's own open transaction survives, writable
        cur.execute("CREATE TABLE mine (a int); INSERT INTO mine VALUES (1)")
        assert "public.mine" in {t.key for t in introspect(conn).tables}
        assert conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
        cur.execute("INSERT INTO mine VALUES (2); SELECT count(*) FROM mine")
        assert cur.fetchone()[0] == 2
    conn.rollback()

    conn.autocommit = True
    assert fingerprint(conn) == introspect(conn).fingerprint
    assert conn.get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE


def test_failed_transaction_is_reported_not_hidden(conn) -> None:
    with conn.cursor() as cur, pytest.raises(psycopg2.Error):
        cur.execute("SELECT 1/0")
    with pytest.raises(DatabaseError, match="roll it back") as err:
        introspect(conn)
    assert err.value.code == "sql_error"


def test_fingerprint_follows_structure_not_data(make_db) -> None:
    connection = psycopg2.connect(make_db(SETUP_SQL))
    connection.autocommit = True
    try:
        seen = [fingerprint(connection)]
        assert fingerprint(connection) == seen[0]
        with connection.cursor() as cur:
            cur.execute("INSERT INTO stores VALUES (99, 'new'); ANALYZE")  # data and statistics only
            assert fingerprint(connection) == seen[0]
            for change in [
                "ALTER TABLE stores ADD COLUMN phone text",
                "COMMENT ON COLUMN stores.phone IS 'Landline'",
                "COMMENT ON TABLE sales.regions IS 'Sales regions'",
                "ALTER TABLE sales.visits DROP CONSTRAINT visits_store_id_fkey",
                "ALTER TABLE stores ALTER COLUMN region SET DEFAULT 'south'",
                "ALTER TABLE stores RENAME COLUMN phone TO telephone",
            ]:
                cur.execute(change)
                seen.append(fingerprint(connection))
        assert len(set(seen)) == len(seen), seen
    finally:
        connection.close()


# -- cache ------------------------------------------------------------------------------


@pytest.fixture()
def introspect_calls(monkeypatch) -> list[object]:
    calls: list[object] = []
    real = engine.schema.introspect.introspect

    def counting(conn, **kwargs):
        calls.append(kwargs)
        return real(conn, **kwargs)

    monkeypatch.setattr(engine.schema.introspect, "introspect", counting)
    return calls


def test_cache_hit_skips_introspection(make_db, tmp_path: Path, introspect_calls: list[object]) -> None:
    connection = psycopg2.connect(make_db(SETUP_SQL))
    try:
        first = load_schema(connection, tmp_path, database_key="postgresql://app:***@db/shop")
        second = load_schema(connection, tmp_path, database_key="postgresql://app:***@db/shop")
        assert len(introspect_calls) == 1 and second == first
        load_schema(connection, tmp_path, database_key="postgresql://app:***@db/shop", refresh=True)
        assert len(introspect_calls) == 2
        load_schema(connection, tmp_path, database_key="postgresql://app:***@db/shop", schemas=["sales"])
        assert len(introspect_calls) == 3  # other options: another cache entry
        files = sorted(p.name for p in (tmp_path / "schemas").iterdir())
        assert len(files) == 2 and not any("shop" in name or "app" in name for name in files)
    finally:
        connection.close()


def test_structure_change_refreshes_and_replaces_the_entry(make_db, tmp_path: Path, introspect_calls: list[object]) -> None:
    connection = psycopg2.connect(make_db(SETUP_SQL))
    connection.autocommit = True
    try:
        key = "postgresql://app@db/shop"
        load_schema(connection, tmp_path, database_key=key)
        with connection.cursor() as cur:
            cur.execute("ALTER TABLE stores ADD COLUMN phone text")
        assert _table(load_schema(connection, tmp_path, database_key=key), "stores").column("phone") is not None
        with connection.cursor() as cur:
            cur.execute("COMMENT ON TABLE stores IS 'Shops, renamed'")
        assert _table(load_schema(connection, tmp_path, database_key=key), "stores").comment == "Shops, renamed"
        assert _table(load_schema(connection, tmp_path, database_key=key), "stores").comment == "Shops, renamed"
        assert len(introspect_calls) == 3
        assert len(list((tmp_path / "schemas").iterdir())) == 1  # older versions removed
    finally:
        connection.close()


def test_corrupt_cache_file_is_ignored_and_rewritten(make_db, tmp_path: Path, introspect_calls: list[object]) -> None:
    connection = psycopg2.connect(make_db(SETUP_SQL))
    try:
        good = load_schema(connection, tmp_path, database_key="k")
        (path,) = (tmp_path / "schemas").iterdir()
        path.write_text('{"database": "x", "tables": [{"name": ')
        assert load_schema(connection, tmp_path, database_key="k") == good
        assert len(introspect_calls) == 2
        assert Schema.model_validate_json(path.read_text()) == good
    finally:
        connection.close()


# -- the demo retail database ----------------------------------------------------------------


def test_demo_database(demo_url: str) -> None:
    from engine.demo.data import TABLES, table_counts

    connection = psycopg2.connect(demo_url)
    try:
        schema = introspect(connection)
    finally:
        connection.close()
    assert {t.key for t in schema.tables} == {f"public.{name}" for name in TABLES}
    counts = table_counts(demo_url)
    for table in schema.tables:
        assert table.comment and table.primary_key
        assert table.row_estimate is not None and abs(table.row_estimate - counts[table.name]) <= 0.1 * counts[table.name] + 1
        for fk in table.foreign_keys:  # every edge sits on both of its tables
            assert fk in _table(schema, fk.to_table).referenced_by
    assert sum(len(t.foreign_keys) for t in schema.tables) == sum(len(t.referenced_by) for t in schema.tables) > 10
    assert _table(schema, "employees").column("role").sample_values  # low cardinality, from pg_stats
    text = render_schema(schema, max_tokens=1500)
    assert estimate_tokens(text) <= 1500 and "CREATE TABLE" in text


def test_only_what_the_role_may_read(url: str, make_role) -> None:
    """A role granted some tables and columns is offered exactly those: every name listed can be read."""
    reader_url = make_role(
        url,
        "GRANT SELECT ON stores TO {role}; "  # sales.*: no USAGE on the schema, whatever the table grants
        "GRANT SELECT ON sales.regions TO {role}; "
        "GRANT SELECT (event_id, kind) ON events TO {role}",  # columns only: the key's `at` is not readable
    )
    with closing(psycopg2.connect(reader_url)) as reader, closing(psycopg2.connect(url)) as admin:
        readable = introspect(reader)
        assert {t.key: [c.name for c in t.columns] for t in readable.tables} == {
            "public.stores": ["store_id", "name", "region"],
            "public.events": ["event_id", "kind"],
        }
        assert _table(readable, "public.stores").primary_key == ["store_id"]
        assert _table(readable, "public.events").primary_key == []  # (event_id, at): a key the role cannot use
        assert not _table(readable, "public.stores").referenced_by  # sales.visits is out of reach
        with reader.cursor() as cur:
            for table in readable.tables:
                cur.execute(f"SELECT {', '.join(c.name for c in table.columns)} FROM {table.key} LIMIT 1")
        reader.rollback()
        assert fingerprint(reader) == readable.fingerprint != introspect(admin).fingerprint
