"""The schema instrument: read any PostgreSQL's catalog into ``engine.schema.Schema``.

pg_catalog is read directly (information_schema is slow on wide schemas) in
a fixed number of queries, whatever the table count: fingerprint, relations,
columns, constraints, statistics. Sample values come from pg_stats (no table
scan); only tables that were never analyzed get a bounded ``SELECT DISTINCT``
per column, each under a statement timeout, until ``sample_budget_ms`` is spent.
Foreign keys no one declared are then read from the data the same way, under
a budget of their own (engine/schema/profiled_keys.py).

Only what the connected role may read is listed: schemas it may use, tables
and columns it may SELECT, and keys whose columns are all readable.

All reads run read-only without disturbing the caller: an idle connection gets
a REPEATABLE READ READ ONLY transaction of ours (one snapshot for every query)
that is rolled back; a connection inside a transaction gets a read-only
savepoint that is rolled back to. Session settings are never changed.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
import psycopg2.extensions
from psycopg2 import sql

from engine.errors import DatabaseError
from engine.schema.bounded import bounded_rows
from engine.schema.profiled_keys import profile_keys
from engine.schema.render import clean_text
from engine.schema import Column, ForeignKey, Schema, Table

KINDS = {"r": "table", "v": "view", "m": "materialized_view", "f": "foreign_table", "p": "partitioned_table"}
MAX_DISTINCT = 30  # at most this many distinct values counts as low cardinality
MAX_SAMPLES = 6
SAMPLE_CHARS = 60
SAMPLE_QUERY_MS = 250  # statement_timeout of one fallback DISTINCT query
SCANNABLE_KINDS = ("table", "partitioned_table", "materialized_view")  # views and foreign tables may be costly
_SAVEPOINT = "decide_sql_introspect"

# The relations a Schema holds; every query below starts from this set.
_RELS = """
WITH rels AS (
  SELECT c.oid, n.nspname, c.relname, c.relkind, c.reltuples
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r','v','m','f','p') AND NOT c.relispartition
    AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
    AND n.nspname !~ '^pg_(toast_)?temp_'
    AND (%(schemas)s::text[] IS NULL OR n.nspname = ANY(%(schemas)s::text[]))
    AND pg_catalog.has_schema_privilege(n.oid, 'USAGE') AND pg_catalog.has_any_column_privilege(c.oid, 'SELECT')
)
"""
# Only what the connected role may read: a role granted some tables or columns (a read-only role for one
# schema, say) would otherwise be offered names whose every query fails with "permission denied".
_READABLE = "pg_catalog.has_column_privilege(a.attrelid, a.attnum, 'SELECT')"
_DESCRIPTION = "LEFT JOIN pg_catalog.pg_description {d} ON {d}.classoid = 'pg_catalog.pg_class'::regclass AND {d}.objoid = {oid} AND {d}.objsubid = {sub}"

# One cheap query: a sha256 over every structural fact the Schema holds (the cache key).
FINGERPRINT_SQL = _RELS + f"""
SELECT encode(pg_catalog.sha256(convert_to(coalesce(string_agg(x, E'\\n' ORDER BY x), ''), 'UTF8')), 'hex') FROM (
  SELECT concat_ws('|', 'r', r.oid, r.nspname, r.relname, r.relkind, d.description) AS x
  FROM rels r {_DESCRIPTION.format(d="d", oid="r.oid", sub="0")}
  UNION ALL
  SELECT concat_ws('|', 'a', a.attrelid, a.attnum, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod),
                   a.attnotnull, a.attgenerated, ad.oid, d.description)
  FROM rels r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
  LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  {_DESCRIPTION.format(d="d", oid="a.attrelid", sub="a.attnum")}
  WHERE a.attnum > 0 AND NOT a.attisdropped AND {_READABLE}
  UNION ALL
  SELECT concat_ws('|', 'c', con.oid, con.conname, con.contype, con.conrelid, con.confrelid, con.conkey::text, con.confkey::text)
  FROM rels r JOIN pg_catalog.pg_constraint con ON con.conrelid = r.oid
  WHERE con.contype IN ('p', 'f') AND con.conparentid = 0
) facts
"""
_RELATIONS_SQL = _RELS + f"""
SELECT r.oid, r.nspname, r.relname, r.relkind, d.description,
       CASE WHEN r.relkind <> 'p' THEN r.reltuples
            ELSE (SELECT CASE WHEN bool_or(c.reltuples >= 0) THEN sum(greatest(c.reltuples, 0)) ELSE -1 END
                  FROM pg_catalog.pg_partition_tree(r.oid) pt JOIN pg_catalog.pg_class c ON c.oid = pt.relid WHERE pt.isleaf)
       END::float8
FROM rels r {_DESCRIPTION.format(d="d", oid="r.oid", sub="0")}
ORDER BY r.nspname, r.relname
"""
_COLUMNS_SQL = _RELS + f"""
SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), NOT a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END, d.description,
       t.typcategory IN ('S', 'E')
FROM rels r JOIN pg_catalog.pg_attribute a ON a.attrelid = r.oid
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
{_DESCRIPTION.format(d="d", oid="a.attrelid", sub="a.attnum")}
WHERE a.attnum > 0 AND NOT a.attisdropped AND {_READABLE}
ORDER BY a.attrelid, a.attnum
"""
_KEY_NAMES = """ARRAY(SELECT a.attname::text FROM unnest(con.{keys}) WITH ORDINALITY k(num, pos)
       JOIN pg_catalog.pg_attribute a ON a.attrelid = con.{rel} AND a.attnum = k.num ORDER BY k.pos)"""
_CONSTRAINTS_SQL = _RELS + f"""
SELECT con.contype, con.conname, con.conrelid, con.confrelid,
       {_KEY_NAMES.format(keys="conkey", rel="conrelid")}, {_KEY_NAMES.format(keys="confkey", rel="confrelid")}
FROM rels r JOIN pg_catalog.pg_constraint con ON con.conrelid = r.oid
WHERE con.contype IN ('p', 'f') AND con.conparentid = 0
ORDER BY con.conrelid, con.conname
"""
# pg_stats only shows columns the user may SELECT; partitioned parents keep their stats as inherited.
_STATS_SQL = _RELS + """
SELECT r.oid, s.attname, s.n_distinct, s.most_common_vals::text::text[], s.histogram_bounds::text::text[]
FROM rels r JOIN pg_catalog.pg_stats s ON s.schemaname = r.nspname AND s.tablename = r.relname AND s.inherited = (r.relkind = 'p')
WHERE s.most_common_vals IS NOT NULL OR s.histogram_bounds IS NOT NULL
"""


def fingerprint(conn: psycopg2.extensions.connection, *, schemas: list[str] | None = None) -> str:
    """sha256 of the catalog structure (one query): changes whenever the introspected Schema's structure would."""
    with _read_only(conn) as cur:
        return _fingerprint(cur, schemas)


def introspect(
    conn: psycopg2.extensions.connection,
    *,
    schemas: list[str] | None = None,
    sample_values: bool = True,
    sample_budget_ms: int = 1500,
) -> Schema:
    """Read relations, columns, keys, comments, row estimates and (optionally) sample values."""
    params = {"schemas": schemas}
    with _read_only(conn) as cur:
        digest = _fingerprint(cur, schemas)
        cur.execute("SELECT current_database(), current_setting('server_version')")
        database, version = cur.fetchone()
        tables = _relations(cur, params)
        sampleable = _columns(cur, params, tables)
        _constraints(cur, params, tables)
        if sample_values:
            cur.execute(_STATS_SQL, params)
            _samples_from_stats(tables, cur.fetchall(), sampleable)
            _samples_by_query(cur, tables, sampleable, budget_ms=sample_budget_ms)
            profile_keys(cur, list(tables.values()), budget_ms=sample_budget_ms)
    return Schema(database=database, server_version=version, fingerprint=digest, tables=list(tables.values()))


def _fingerprint(cur: psycopg2.extensions.cursor, schemas: list[str] | None) -> str:
    cur.execute(FINGERPRINT_SQL, {"schemas": schemas})
    return cur.fetchone()[0]


def _relations(cur: psycopg2.extensions.cursor, params: dict[str, Any]) -> dict[int, Table]:
    cur.execute(_RELATIONS_SQL, params)
    return {
        oid: Table(schema_name=nsp, name=name, kind=KINDS[kind], comment=comment, row_estimate=None if rows is None or rows < 0 else int(rows))
        for oid, nsp, name, kind, comment, rows in cur.fetchall()
    }


def _columns(cur: psycopg2.extensions.cursor, params: dict[str, Any], tables: dict[int, Table]) -> set[tuple[int, str]]:
    """Fill every table's columns; return the (table oid, column) pairs of text and enum type."""
    cur.execute(_COLUMNS_SQL, params)
    sampleable = set()
    for relid, name, type_, nullable, default, comment, is_text in cur.fetchall():
        if relid not in tables:  # created after the relations query (only possible inside a caller's READ COMMITTED transaction)
            continue
        tables[relid].columns.append(Column(name=name, type=type_, nullable=nullable, default=default, comment=comment))
        if is_text:
            sampleable.add((relid, name))
    return sampleable


def _constraints(cur: psycopg2.extensions.cursor, params: dict[str, Any], tables: dict[int, Table]) -> None:
    """Primary keys and foreign keys (in constraint column order), each FK on both of its tables."""
    cur.execute(_CONSTRAINTS_SQL, params)
    for contype, conname, relid, frelid, cols, fcols in cur.fetchall():
        table = tables.get(relid)
        if table is None:  # as in _columns: a relation newer than the relations query
            continue
        if not _readable(table, cols):  # a key over a column the role may not read cannot be used
            continue
        if contype == "p":
            table.primary_key = list(cols)
        elif frelid in tables and _readable(tables[frelid], fcols):  # edges to relations outside the introspected set are not shown
            target = tables[frelid]
            fk = ForeignKey(
                name=conname,
                from_schema=table.schema_name,
                from_table=table.name,
                from_columns=list(cols),
                to_schema=target.schema_name,
                to_table=target.name,
                to_columns=list(fcols),
            )
            table.foreign_keys.append(fk)
            target.referenced_by.append(fk)


def _readable(table: Table, columns: list[str]) -> bool:
    """Whether every column of a key is one the role may read (introspection lists only those)."""
    names = {c.name for c in table.columns}
    return all(c in names for c in columns)


def _clean_values(values: list[str | None]) -> list[str]:
    """Sample values are data that may be hostile: one line each, capped, no control characters."""
    cleaned: list[str] = []
    for value in values:
        text = clean_text(value, SAMPLE_CHARS)
        if text and text not in cleaned:
            cleaned.append(text)
    return cleaned[:MAX_SAMPLES]


def _samples_from_stats(tables: dict[int, Table], stats: list[tuple[Any, ...]], sampleable: set[tuple[int, str]]) -> None:
    """Low-cardinality text/enum columns get their most common values from pg_stats (no table scan)."""
    for relid, col_name, n_distinct, mcv, bounds in stats:
        table = tables.get(relid)
        column = table.column(col_name) if table else None
        if column is None or (relid, col_name) not in sampleable:
            continue
        distinct = n_distinct if n_distinct >= 0 else -n_distinct * (table.row_estimate or 0)
        if 0 < distinct <= MAX_DISTINCT:
            column.sample_values = _clean_values((mcv or []) + (bounds or []))


def _samples_by_query(
    cur: psycopg2.extensions.cursor, tables: dict[int, Table], sampleable: set[tuple[int, str]], *, budget_ms: int
) -> None:
    """Never-analyzed tables: ``SELECT DISTINCT col ... LIMIT 7`` per text column until the budget is spent."""
    deadline = time.monotonic() + budget_ms / 1000
    for relid, table in tables.items():
        if table.row_estimate is not None or table.kind not in SCANNABLE_KINDS:
            continue
        for column in table.columns:
            if (relid, column.name) not in sampleable or column.sample_values:
                continue
            remaining_ms = int((deadline - time.monotonic()) * 1000)
            if remaining_ms <= 0:
                return
            values = _distinct_values(cur, table, column.name, timeout_ms=min(SAMPLE_QUERY_MS, remaining_ms))
            if values is not None and len(values) <= MAX_SAMPLES:
                column.sample_values = _clean_values(sorted(values))


def _distinct_values(cur: psycopg2.extensions.cursor, table: Table, column: str, *, timeout_ms: int) -> list[str] | None:
    """Up to MAX_SAMPLES + 1 distinct values, or None when the query fails (timeout, no privilege, unpopulated view)."""
    query = sql.SQL("SELECT DISTINCT {col}::text FROM {nsp}.{rel} WHERE {col} IS NOT NULL LIMIT {limit}").format(
        col=sql.Identifier(column), nsp=sql.Identifier(table.schema_name), rel=sql.Identifier(table.name), limit=sql.Literal(MAX_SAMPLES + 1)
    )
    rows = bounded_rows(cur, query, timeout_ms=timeout_ms)
    return None if rows is None else [row[0] for row in rows]


@contextmanager
def _read_only(conn: psycopg2.extensions.connection) -> Iterator[psycopg2.extensions.cursor]:
    """A cursor whose statements run read-only and leave the caller's transaction state as it was."""
    status = conn.get_transaction_status()
    if status == psycopg2.extensions.TRANSACTION_STATUS_INERROR:
        raise DatabaseError("cannot read the schema: the connection is in a failed transaction; roll it back first", code="sql_error")
    if status not in (psycopg2.extensions.TRANSACTION_STATUS_IDLE, psycopg2.extensions.TRANSACTION_STATUS_INTRANS):
        raise DatabaseError("cannot read the schema: the connection is busy or lost; open a new connection", code="connection_lost")
    nested = status == psycopg2.extensions.TRANSACTION_STATUS_INTRANS
    cur = conn.cursor()
    try:
        if nested:  # the caller's transaction: a savepoint whose rollback also undoes our settings
            cur.execute(f"SAVEPOINT {_SAVEPOINT}; SET LOCAL transaction_read_only = on")
        elif conn.autocommit:
            cur.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        else:  # psycopg2 has just sent BEGIN: this is the transaction's first statement
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cur.execute("SET LOCAL lock_timeout = 2000")
        yield cur
    except psycopg2.Error as exc:
        code = "connection_lost" if isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)) else "sql_error"
        detail = " ".join(str(exc).split())[:300]
        raise DatabaseError(f"cannot read the schema: {detail}; check that the user may read pg_catalog and the server is reachable", code=code) from None
    finally:
        if not conn.closed:
            _end(conn, cur, nested)
        cur.close()


def _end(conn: psycopg2.extensions.connection, cur: psycopg2.extensions.cursor, nested: bool) -> None:
    try:
        if nested:
            cur.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}; RELEASE SAVEPOINT {_SAVEPOINT}")
        elif conn.autocommit:
            cur.execute("ROLLBACK")
        else:
            conn.rollback()
    except psycopg2.Error:
        pass  # the connection broke; the error already raised says so
