"""Load ``<db>.sql`` dumps into the embedded PostgreSQL once, reloading only when a dump changes.

Each database carries a marker (``COMMENT ON DATABASE``) with the dump's
sha256, written last. A dump is loaded into a scratch database that is
renamed into place only after it loaded completely, so a malformed dump
leaves nothing half-loaded behind. ``<db>.json`` beside a dump (defog's
column descriptions) is applied as ``COMMENT ON COLUMN``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2

from engine.errors import BadInput

MARK = "decide-sql dump sha256="


def database_url(server_url: str, dbname: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + dbname, parts.query, parts.fragment))


def _digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


def _marker(admin: psycopg2.extensions.connection, dbname: str) -> str | None:
    with admin.cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (dbname,))
        row = cur.fetchone()
    return row[0] if row else None


def ensure_dump(admin_url: str, dumps_dir: Path, db: str, *, progress: Callable[[str], None] | None = None) -> str:
    """URL of database ``db`` loaded from ``dumps_dir/db.sql`` (cached by content hash)."""
    sql_path, json_path = Path(dumps_dir) / f"{db}.sql", Path(dumps_dir) / f"{db}.json"
    if not sql_path.is_file():
        raise BadInput(f"no dump for database {db}: {sql_path} does not exist; pass --dumps DIR holding <db>.sql files")
    mark = MARK + _digest([sql_path, json_path])
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    try:
        if _marker(admin, db) == mark:
            return database_url(admin_url, db)
        if progress:
            progress(f"loading dump {sql_path}")
        scratch = f"{db}__loading"
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            cur.execute(f'CREATE DATABASE "{scratch}"')
        try:
            _load(database_url(admin_url, scratch), sql_path, json_path)
        except Exception:
            with admin.cursor() as cur:
                cur.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
            raise
        with admin.cursor() as cur:
            cur.execute(f'COMMENT ON DATABASE "{scratch}" IS %s', (mark,))
            cur.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            cur.execute(f'ALTER DATABASE "{scratch}" RENAME TO "{db}"')
        return database_url(admin_url, db)
    finally:
        admin.close()


def _load(url: str, sql_path: Path, json_path: Path) -> None:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            try:
                cur.execute(sql_path.read_text(encoding="utf-8"))
            except psycopg2.Error as exc:
                message = " ".join(str(exc).split())[:300]
                raise BadInput(f"dump {sql_path} failed to load: {message}; fix the dump (nothing was loaded)") from None
            except UnicodeDecodeError:
                raise BadInput(f"dump {sql_path} is not UTF-8 text") from None
            if json_path.is_file():
                _apply_descriptions(cur, json_path)
            cur.execute("ANALYZE")
        conn.commit()
    finally:
        conn.close()


def _apply_descriptions(cur: psycopg2.extensions.cursor, json_path: Path) -> None:
    try:
        metadata = json.loads(json_path.read_text(encoding="utf-8")).get("table_metadata", {})
    except (ValueError, AttributeError):
        raise BadInput(f"{json_path} is not a column-description file ({{\"table_metadata\": ...}})") from None
    for table, columns in metadata.items():
        for col in columns:
            text = (col.get("column_description") or "").strip()
            if text:
                cur.execute("SAVEPOINT c")
                try:
                    cur.execute(f'COMMENT ON COLUMN "{table}"."{col["column_name"]}" IS %s', (text,))
                    cur.execute("RELEASE SAVEPOINT c")
                except psycopg2.Error:  # a description for a column the dump does not have
                    cur.execute("ROLLBACK TO SAVEPOINT c")
