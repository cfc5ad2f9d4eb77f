"""The schema instrument: read any PostgreSQL's catalog into ``engine.schema.Schema``.

pg_catalog is read directly (information_schema is slow on wide schemas) in
a fixed number of queries, whatever the table count: relations, columns,
constraints, then sample values from pg_stats (no table scans) with a bounded,
time-boxed fallback for tables that were never analyzed.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from typing import Any

import psycopg2.extensions

from engine.schema import Column, ForeignKey, Schema, Table

SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast")
KINDS = {"r": "table", "v": "view", "m": "materialized_view", "f": "foreign_table", "p": "partitioned_table"}
TEXT_TYPES = ("text", "character varying", "character", "name", "citext")
MAX_DISTINCT = 30
MAX_SAMPLES = 6
SAMPLE_CHARS = 60
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

_RELATIONS = """
SELECT c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class'), c.reltuples::bigint
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r','v','m','f','p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog','information_schema','pg_toast') AND n.nspname NOT LIKE 'pg_temp_%%' AND n.nspname NOT LIKE 'pg_toast_temp_%%'
  AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s::text[]))
ORDER BY n.nspname, c.relname
"""
_COLUMNS = """
SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid), col_description(a.attrelid, a.attnum), t.typtype
FROM pg_catalog.pg_attribute a
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY(%(oids)s) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""
_CONSTRAINTS = """
SELECT con.contype, con.conname, con.conrelid, con.confrelid,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_catalog.pg_constraint con
WHERE con.contype IN ('p','f') AND con.conrelid = ANY(%(oids)s)
ORDER BY con.conname
"""
_STATS = """
SELECT schemaname, tablename, attname, n_distinct, most_common_vals::text::text[]
FROM pg_catalog.pg_stats
WHERE (schemaname, tablename) IN (SELECT n.nspname, c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ANY(%(oids)s))
"""
# One cheap query: a digest of every structural fact the Schema holds (the cache key).
FINGERPRINT = """
SELECT md5(coalesce(string_agg(x, '|' ORDER BY x), '')) FROM (
  SELECT concat_ws(',', c.oid, n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class')) AS x
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','v','m','f','p') AND n.nspname NOT IN ('pg_catalog','information_schema','pg_toast')
  UNION ALL
  SELECT concat_ws(',', a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attisdropped, col_description(a.attrelid, a.attnum))
  FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE a.attnum > 0 AND c.relkind IN ('r','v','m','f','p') AND n.nspname NOT IN ('pg_catalog','information_schema','pg_toast')
  UNION ALL
  SELECT concat_ws(',', con.oid, con.conname, con.contype, con.conrelid, con.confrelid) FROM pg_catalog.pg_constraint con WHERE con.contype IN ('p','f')
) parts
"""


def fingerprint(conn: psycopg2.extensions.connection) -> str:
    """A digest of the catalog structure; changes whenever the introspected Schema would."""
    with conn.cursor() as cur:
        cur.execute(FINGERPRINT)
        digest = cur.fetchone()[0]
    conn.rollback()
    return digest


def introspect(
    conn: psycopg2.extensions.connection,
    *,
    schemas: list[str] | None = None,
    sample_values: bool = True,
    sample_budget_ms: int = 1500,
) -> Schema:
    """Read tables, views, columns, keys, comments, row estimates and sample values."""
    with conn.cursor() as cur:
        cur.execute("SELECT current_database(), current_setting('server_version')")
        database, version = cur.fetchone()
        cur.execute(_RELATIONS, {"schemas": schemas})
        relations = cur.fetchall()
        oids = [r[0] for r in relations]
        cur.execute(_COLUMNS, {"oids": oids})
        columns = cur.fetchall()
        cur.execute(_CONSTRAINTS, {"oids": oids})
        constraints = cur.fetchall()
        stats = []
        if sample_values:
            cur.execute(_STATS, {"oids": oids})
            stats = cur.fetchall()
    conn.rollback()

    tables: dict[int, Table] = {}
    for oid, nsp, name, kind, comment, reltuples in relations:
        tables[oid] = Table(schema_name=nsp, name=name, kind=KINDS[kind], comment=comment, row_estimate=None if reltuples is None or reltuples < 0 else int(reltuples))
    enum_columns: set[tuple[str, str, str]] = set()
    for relid, name, type_, nullable, default, comment, typtype in columns:
        table = tables[relid]
        table.columns.append(Column(name=name, type=type_, nullable=nullable, default=default, comment=comment))
        if typtype == "e":
            enum_columns.add((table.schema_name, table.name, name))
    for contype, conname, relid, frelid, cols, fcols in constraints:
        table = tables[relid]
        if contype == "p":
            table.primary_key = list(cols)
        elif frelid in tables:
            target = tables[frelid]
            fk = ForeignKey(name=conname, from_schema=table.schema_name, from_table=table.name, from_columns=list(cols), to_schema=target.schema_name, to_table=target.name, to_columns=list(fcols))
            table.foreign_keys.append(fk)
            target.referenced_by.append(fk)
    if sample_values:
        _samples_from_stats(tables, stats, enum_columns)
        _samples_by_query(conn, tables, budget_ms=sample_budget_ms)
    schema = Schema(database=database, server_version=version, tables=list(tables.values()))
    schema.fingerprint = fingerprint(conn)
    return schema


def _is_text(col: Column) -> bool:
    return col.type.split("(")[0] in TEXT_TYPES


def _clean(value: str) -> str:
    return _CONTROL.sub(" ", value).strip()[:SAMPLE_CHARS]


def _samples_from_stats(tables: dict[int, Table], stats: list[tuple[Any, ...]], enum_columns: set[tuple[str, str, str]]) -> None:
    by_name = {(t.schema_name, t.name): t for t in tables.values()}
    for nsp, tbl, col_name, n_distinct, mcv in stats:
        table = by_name.get((nsp, tbl))
        col = table.column(col_name) if table else None
        if col is None or not mcv or not (_is_text(col) or (nsp, tbl, col_name) in enum_columns):
            continue
        low_cardinality = 0 < n_distinct <= MAX_DISTINCT or (n_distinct < 0 and table.row_estimate and -n_distinct * table.row_estimate <= MAX_DISTINCT)
        if low_cardinality:
            col.sample_values = [_clean(v) for v in mcv[:MAX_SAMPLES]]


def _samples_by_query(conn: psycopg2.extensions.connection, tables: dict[int, Table], *, budget_ms: int) -> None:
    """For never-analyzed tables: SELECT DISTINCT ... LIMIT, per column, until the budget is spent."""
    deadline = time.monotonic() + budget_ms / 1000
    from engine.render import quote_ident  # local: render imports nothing from here

    with conn.cursor() as cur:
        cur.execute("SET TRANSACTION READ ONLY")
        cur.execute("SELECT set_config('statement_timeout', '200', true)")
        for table in tables.values():
            if table.row_estimate is not None or table.kind not in ("table", "partitioned_table"):
                continue
            for col in table.columns:
                if not _is_text(col) or col.sample_values:
                    continue
                if time.monotonic() > deadline:
                    conn.rollback()
                    return
                try:
                    cur.execute(f"SAVEPOINT s; SELECT DISTINCT {quote_ident(col.name)}::text FROM {quote_ident(table.schema_name)}.{quote_ident(table.name)} WHERE {quote_ident(col.name)} IS NOT NULL LIMIT {MAX_SAMPLES + 1}")
                    values = [r[0] for r in cur.fetchall()]
                    cur.execute("RELEASE SAVEPOINT s")
                except Exception:  # timeout or permission: skip this column
                    cur.execute("ROLLBACK TO SAVEPOINT s")
                    continue
                if 0 < len(values) <= MAX_SAMPLES:
                    col.sample_values = sorted(_clean(v) for v in values)
    conn.rollback()

