"""Per-database schema cache keyed by the catalog fingerprint.

Checking the fingerprint is one cheap query; a full introspection happens
only when the structure (relations, columns, keys, comments) changed. Row
estimates and sample values are data, not structure: they refresh with the
next structural change or ``refresh=True``.

A cache file is named ``<database>-<version>.json``: ``database`` hashes the
caller's database key (a masked URL, so no password) with the introspection
options; ``version`` hashes the fingerprint. Writing a new version removes the
database's older ones, and a corrupt file is ignored and rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import psycopg2.extensions
from pydantic import ValidationError

from engine.schema import introspect as introspection
from engine.schema import Schema


# Bumped when introspection reads more than before, so no older cache is reused (2: keys the data proves).
CACHE_FORMAT = 2


def cache_path(cache_dir: Path, database_key: str, fingerprint: str, introspect_kwargs: dict[str, Any]) -> Path:
    """Where the Schema of this database, structure, introspection options and cache format is cached."""
    options = json.dumps({**introspect_kwargs, "cache_format": CACHE_FORMAT}, sort_keys=True, default=str)
    database = _digest(f"{database_key}\n{options}")
    return Path(cache_dir) / "schemas" / f"{database}-{_digest(fingerprint)}.json"


def load_schema(
    conn: psycopg2.extensions.connection,
    cache_dir: Path,
    *,
    database_key: str,
    refresh: bool = False,
    **introspect_kwargs: Any,
) -> Schema:
    """The database's Schema: from the cache when its fingerprint matches, else introspected and cached."""
    current = introspection.fingerprint(conn, schemas=introspect_kwargs.get("schemas"))
    path = cache_path(cache_dir, database_key, current, introspect_kwargs)
    if not refresh:
        cached = _read(path)
        if cached is not None and cached.fingerprint == current:
            return cached
    schema = introspection.introspect(conn, **introspect_kwargs)
    # Cache under the fingerprint the schema was read at (the structure may have moved since our check).
    _write(cache_path(cache_dir, database_key, schema.fingerprint, introspect_kwargs), schema)
    return schema


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _read(path: Path) -> Schema | None:
    try:
        return Schema.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, ValueError):
        return None  # missing or corrupt: introspect and rewrite


def _write(path: Path, schema: Schema) -> None:
    """Write atomically (temp file + os.replace), then drop this database's older versions."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".schema-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(schema.model_dump_json())
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
        database = path.name.split("-")[0]
        for old in path.parent.glob(f"{database}-*.json"):
            if old != path:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # an unwritable cache directory only costs speed
