"""Load ``<db>.sql`` dumps into a PostgreSQL server once; reload only when a dump changes.

- Cache: each loaded database carries a marker, ``COMMENT ON DATABASE`` with
  the sha256 of the dump (and of its ``<db>.json``), written after the load
  completed. Same marker: reused without touching the data.
- Atomic: a dump loads, in one transaction, into a scratch database
  ``<db>__loading`` that is renamed to ``<db>`` only once it loaded
  completely; a failure drops the scratch database, so nothing half-loaded
  is ever visible and nothing is left behind.
- Clear errors: a statement that fails is named by file, line and its first
  words (the server's error position, or a statement-by-statement replay
  when the server gives none).
- ``<db>.json`` beside a dump holds defog-style column descriptions,
  ``{"table_metadata": {table: [{"column_name", "data_type", "column_description"}]}}``,
  applied as ``COMMENT ON COLUMN`` so the engine sees them as a catalog would.
- An advisory lock serializes loaders of the same database across processes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql as pgsql
from pydantic import BaseModel

from engine.errors import BadInput
from engine.evaluation.questions import DB_NAME
from engine.evaluation.sqltext import Statement, line_of, split_statements

MARK = "decide-sql dump v1 sha256="
SCRATCH_SUFFIX = "__loading"
_TABLE_NAME = re.compile(r"^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$")


class DumpDatabase(BaseModel):
    url: str
    sha256: str
    loaded: bool  # False when the cached database was reused
    skipped_descriptions: int = 0  # descriptions naming a table or column the dump does not have


def database_url(server_url: str, dbname: str) -> str:
    """``server_url`` pointing at database ``dbname`` instead."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def dump_digest(sql_path: Path, json_path: Path) -> str:
    h = hashlib.sha256(sql_path.read_bytes())
    if json_path.is_file():
        h.update(b"\0descriptions\0" + json_path.read_bytes())
    return h.hexdigest()


def current_marker(admin_url: str, db: str) -> str | None:
    """The marker comment of database ``db``, or None when it does not exist or has none."""
    conn = psycopg2.connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (db,))
            row = cur.fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def ensure_dump(admin_url: str, dumps_dir: Path, db: str, *, progress: Callable[[str], None] | None = None) -> DumpDatabase:
    """Database ``db`` loaded from ``dumps_dir/<db>.sql``, loading it only when missing or changed."""
    if not re.match(DB_NAME, db):
        raise BadInput(f"database name {db!r} cannot name a dump; use letters, digits and _ (at most 50)")
    sql_path, json_path = Path(dumps_dir) / f"{db}.sql", Path(dumps_dir) / f"{db}.json"
    if not sql_path.is_file():
        raise BadInput(f"no dump for database {db}: {sql_path} does not exist; put <db>.sql files in the --dumps directory")
    digest = dump_digest(sql_path, json_path)
    url = database_url(admin_url, db)
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(hashtext(%s))", ("decide-sql dump " + db,))
        if current_marker(admin_url, db) == MARK + digest:
            return DumpDatabase(url=url, sha256=digest, loaded=False)
        if progress:
            progress(f"loading dump {sql_path}")
        scratch = db + SCRATCH_SUFFIX
        _run(admin, "DROP DATABASE IF EXISTS {} WITH (FORCE)", scratch)
        _run(admin, "CREATE DATABASE {}", scratch)
        try:
            skipped = _load(database_url(admin_url, scratch), sql_path, json_path)
            _run(admin, "COMMENT ON DATABASE {} IS %s", scratch, params=(MARK + digest,))
        except BaseException:
            _run(admin, "DROP DATABASE IF EXISTS {} WITH (FORCE)", scratch)
            raise
        _run(admin, "DROP DATABASE IF EXISTS {} WITH (FORCE)", db)
        _run(admin, "ALTER DATABASE {} RENAME TO {}", scratch, db)
        if skipped and progress:
            progress(f"note: {skipped} column descriptions in {json_path} name no column of the dump; skipped")
        return DumpDatabase(url=url, sha256=digest, loaded=True, skipped_descriptions=skipped)
    finally:
        admin.close()  # also releases the advisory lock


def _run(admin: psycopg2.extensions.connection, template: str, *names: str, params: tuple[str, ...] = ()) -> None:
    with admin.cursor() as cur:
        cur.execute(pgsql.SQL(template).format(*map(pgsql.Identifier, names)), params or None)


def _load(url: str, sql_path: Path, json_path: Path) -> int:
    """Run the dump and its descriptions in one transaction; return the descriptions skipped."""
    try:
        text = sql_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"dump {sql_path} is not UTF-8 text (byte {exc.start}); re-export it as UTF-8") from None
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            try:
                cur.execute(text)
            except psycopg2.Error as exc:
                conn.rollback()
                raise _dump_error(conn, sql_path, text, exc) from None
            skipped = _apply_descriptions(cur, json_path) if json_path.is_file() else 0
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
        return skipped
    finally:
        conn.close()


def _dump_error(conn: psycopg2.extensions.connection, sql_path: Path, text: str, exc: psycopg2.Error) -> BadInput:
    """One line naming the file, the line and the statement that failed."""
    statements = split_statements(text)
    position = getattr(exc.diag, "statement_position", None)
    failed: Statement | None = None
    if position:
        offset = int(position) - 1
        failed = next((s for s in reversed(statements) if s.start <= offset), None)
    else:  # e.g. a constraint violation: replay statement by statement to find it
        with conn.cursor() as cur:
            for statement in statements:
                try:
                    cur.execute(statement.text)
                except psycopg2.Error as replayed:
                    failed, exc = statement, replayed
                    break
        conn.rollback()
    message = " ".join((exc.diag.message_primary or str(exc)).split())[:200]
    where = ""
    if failed is not None:
        head = " ".join(failed.text.split())
        where = f" at line {line_of(text, failed.start)} ({head[:60]}{'...' if len(head) > 60 else ''})"
    return BadInput(f"dump {sql_path} failed to load{where}: {message}; fix the dump and rerun (nothing was loaded)")


def _apply_descriptions(cur: psycopg2.extensions.cursor, json_path: Path) -> int:
    try:
        metadata = json.loads(json_path.read_text(encoding="utf-8"))["table_metadata"]
        columns = [(table, col["column_name"], (col.get("column_description") or "").strip()) for table, cols in metadata.items() for col in cols]
    except (ValueError, KeyError, TypeError, AttributeError):
        raise BadInput(f"{json_path} is not a column-description file; expected {{\"table_metadata\": {{table: [{{\"column_name\", \"column_description\"}}]}}}}") from None
    skipped = 0
    for table, column, text in columns:
        if not text:
            continue
        if not _TABLE_NAME.match(table):
            skipped += 1
            continue
        # defog names tables as written in the dump's DDL (unquoted, maybe schema-qualified): resolve them the same way
        cur.execute(
            "SELECT c.oid::regclass::text, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.oid = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped AND a.attname IN (%s, lower(%s)) "
            "ORDER BY a.attname = %s DESC LIMIT 1",
            (table, column, column, column),
        )
        row = cur.fetchone()
        if row is None:
            skipped += 1
            continue
        cur.execute(pgsql.SQL("COMMENT ON COLUMN {}.{} IS %s").format(pgsql.SQL(row[0]), pgsql.Identifier(row[1])), (text,))
    return skipped
