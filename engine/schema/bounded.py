"""One statement of introspection's data reads, under its own statement timeout.

Sampling values and profiling keys read table data inside introspection's
read-only transaction; a slow table, a missing privilege or an unpopulated
view must cost one answer, never the whole introspection. Each statement runs
in a savepoint with ``SET LOCAL statement_timeout``; a failure is rolled back
to it and reads as None.
"""

from __future__ import annotations

from typing import Any

import psycopg2
import psycopg2.extensions
from psycopg2 import sql


def bounded_rows(cur: psycopg2.extensions.cursor, query: sql.Composable, *, timeout_ms: int) -> list[tuple[Any, ...]] | None:
    """The rows of ``query``, or None when it fails (timeout, no privilege, unpopulated view)."""
    cur.execute(f"SAVEPOINT bounded; SET LOCAL statement_timeout = {int(timeout_ms)}")
    try:
        cur.execute(query)
        rows = cur.fetchall()
    except psycopg2.Error:
        cur.execute("ROLLBACK TO SAVEPOINT bounded")  # raises in turn if the connection itself is gone
        return None
    cur.execute("RELEASE SAVEPOINT bounded")
    return rows
