"""Per-database schema cache keyed by the catalog fingerprint.

Checking the fingerprint is one cheap query; a full introspection happens
only when the structure (tables, columns, keys, comments) changed. Cache
files are named by a hash of the (masked) database URL and hold no secrets.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import psycopg2.extensions
from pydantic import ValidationError

from engine.introspect import fingerprint, introspect
from engine.schema import Schema


def cache_path(cache_dir: Path, database_key: str) -> Path:
    digest = hashlib.sha256(database_key.encode()).hexdigest()[:24]
    return Path(cache_dir) / "schemas" / f"{digest}.json"


def load_schema(conn: psycopg2.extensions.connection, cache_dir: Path, *, database_key: str, refresh: bool = False, **introspect_kwargs: Any) -> Schema:
    """The database's Schema: from the cache when its fingerprint matches, else introspected and cached."""
    path = cache_path(cache_dir, database_key)
    if not refresh and path.is_file():
        current = fingerprint(conn)
        try:
            cached = Schema.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, OSError, ValueError):
            cached = None
        if cached is not None and cached.fingerprint == current:
            return cached
    schema = introspect(conn, **introspect_kwargs)
    _write_atomically(path, schema.model_dump_json())
    return schema


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".schema-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only cache dir only costs speed
