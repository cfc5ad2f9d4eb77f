"""The executor instrument: run validated SQL read-only, bounded, and always rolled back.

It is the second line of defence after the validator: even a write handed
to it directly cannot persist, because every statement runs inside a
``READ ONLY`` transaction that is rolled back, with ``statement_timeout``,
``lock_timeout`` and ``idle_in_transaction_session_timeout`` set locally.
Rows are fetched through a server-side cursor, at most ``max_rows + 1`` of
them, and fetching stops once the JSON size passes ``max_result_bytes``;
either limit sets ``truncated``. While a statement runs, psycopg2 waits in
Python (``wait_select``), so Ctrl-C cancels the query on the server at once;
the wait callback is removed afterwards because COPY (the demo loader) cannot
run with one.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

import psycopg2
import psycopg2.errors
import psycopg2.extensions
import psycopg2.extras
from pydantic import BaseModel

from engine.answer import ResultColumn
from engine.database.connection import connect
from engine.errors import DatabaseError, ErrorCode, ErrorDetails
from engine.database.jsonsafe import to_jsonable
from engine.settings import Settings
from engine.database.urls import mask_url, password_of, scrub

FETCH_CHUNK = 500
# SQLSTATE class 53 (insufficient resources): the server, not the SQL, is short of something; say what to do.
RESOURCE_FIXES: dict[str, str] = {
    "53000": "retry later, or ask for fewer rows or less sorting and grouping",
    "53100": "the server's disk is full: free space on it (or ask its administrator), then retry",
    "53200": "the server is out of memory: ask for fewer rows or less sorting and grouping, or retry when it is less busy",
    "53300": "the server has no free connection slots: retry later, or raise max_connections",
    "53400": "a server limit such as temp_file_limit was hit: ask for less sorting and grouping over big tables, or raise the limit",
}


class QueryResult(BaseModel):
    columns: list[ResultColumn]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    ms: float


class Executor:
    """Runs statements on one reused connection; reconnects once if it was lost between runs."""

    def __init__(self, url: str, settings: Settings | None = None, *, max_rows: int | None = None) -> None:
        self.url = url
        self.settings = settings or Settings.load()
        self.max_rows = max_rows or self.settings.max_rows
        self._conn: psycopg2.extensions.connection | None = None
        self._type_names: dict[int, str] = {}

    # -- connection --------------------------------------------------------------
    def connection(self) -> psycopg2.extensions.connection:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.url)
            self._conn.set_session(readonly=True, autocommit=False)
            self._type_names = {}
        return self._conn

    def close(self) -> None:
        if self._conn is not None and not self._conn.closed:
            self._conn.close()
        self._conn = None

    def __enter__(self) -> "Executor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running -----------------------------------------------------------------
    def run(self, sql: str, *, max_rows: int | None = None) -> QueryResult:
        """Run one statement read-only; raise ``DatabaseError`` with a stable code on failure."""
        limit = max_rows or self.max_rows
        conn = self.connection()
        started = time.perf_counter()
        try:
            _interruptible(True)
            with conn.cursor() as setup:
                setup.execute("SET TRANSACTION READ ONLY")
                setup.execute(
                    "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true), "
                    "set_config('idle_in_transaction_session_timeout', %s, true), "
                    # bare names resolve to built-ins first (a user function in public cannot shadow an allowed one),
                    # and strings are read the way the validator regenerated them
                    "set_config('search_path', 'pg_catalog, public', true), set_config('standard_conforming_strings', 'on', true)",
                    (str(self.settings.statement_timeout_ms), str(self.settings.lock_timeout_ms), str(self.settings.idle_timeout_ms)),
                )
            rows, truncated, description = self._fetch(conn, sql, limit)
            columns = self._columns(conn, description)
        except psycopg2.Error as exc:
            raise self._error(exc) from None
        finally:
            _interruptible(False)
            self._rollback()
        return QueryResult(columns=columns, rows=rows, row_count=len(rows), truncated=truncated, ms=(time.perf_counter() - started) * 1000)

    def _fetch(self, conn: psycopg2.extensions.connection, sql: str, limit: int) -> tuple[list[list[Any]], bool, Any]:
        rows: list[list[Any]] = []
        size = 0
        with conn.cursor(name="decide_sql_result") as cur:  # server-side: only fetched rows travel
            try:
                cur.execute(sql)
            except psycopg2.Error as exc:
                exc.sent_query = cur.query  # type: ignore[attr-defined]  # the error's position counts in this text
                raise
            while len(rows) <= limit:
                chunk = cur.fetchmany(min(FETCH_CHUNK, limit + 1 - len(rows)))
                if not chunk:
                    break
                for raw in chunk:
                    row = [to_jsonable(v) for v in raw]
                    size += len(json.dumps(row, default=str))
                    if size > self.settings.max_result_bytes:
                        return rows, True, cur.description
                    rows.append(row)
            truncated = len(rows) > limit
            return rows[:limit], truncated, cur.description

    def _columns(self, conn: psycopg2.extensions.connection, description: Any) -> list[ResultColumn]:
        if not description:
            return []
        missing = [d.type_code for d in description if d.type_code not in self._type_names]
        if missing:
            with conn.cursor() as cur:
                cur.execute("SELECT oid, typname FROM pg_catalog.pg_type WHERE oid = ANY(%s)", (missing,))
                self._type_names.update({int(oid): name for oid, name in cur.fetchall()})
        return [ResultColumn(name=d.name, type=self._type_names.get(d.type_code, str(d.type_code))) for d in description]

    def _rollback(self) -> None:
        if self._conn is None or self._conn.closed:
            return
        try:
            self._conn.rollback()
        except psycopg2.Error:
            self.close()

    def _error(self, exc: psycopg2.Error) -> DatabaseError:
        if isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)) and (self._conn is None or self._conn.closed):
            self.close()
            return DatabaseError(f"lost the connection to {mask_url(self.url)} while running the query; run it again (decide-sql reconnects)", code="connection_lost")
        message = _server_message(exc, password_of(self.url))
        if isinstance(exc, psycopg2.errors.QueryCanceled):
            return DatabaseError(f"the query ran longer than statement_timeout ({self.settings.statement_timeout_ms} ms) and was cancelled; simplify it or raise DECIDE_SQL_STATEMENT_TIMEOUT_MS", code="statement_timeout")
        if isinstance(exc, psycopg2.errors.LockNotAvailable):
            return DatabaseError(f"a table is locked by another session (lock_timeout {self.settings.lock_timeout_ms} ms); try again later", code="lock_timeout")
        if isinstance(exc, psycopg2.errors.ReadOnlySqlTransaction):
            return DatabaseError(f"refused by the read-only transaction: {message}", code="read_only_violation")
        if exc.pgcode and exc.pgcode.startswith("53"):
            fix = RESOURCE_FIXES.get(exc.pgcode, RESOURCE_FIXES["53000"])
            return DatabaseError(f"the database server ran out of resources: {message} (SQLSTATE {exc.pgcode}); {fix}", code="resources_exhausted")
        if isinstance(exc, (psycopg2.OperationalError, psycopg2.InterfaceError)) and (exc.pgcode or "08")[:2] in ("08", "57"):
            self.close()
            return DatabaseError(f"database failure: {message}", code="connection_lost")
        code = f" (SQLSTATE {exc.pgcode})" if exc.pgcode else ""
        unknown = _undefined_names(exc)
        return DatabaseError(f"{message}{code}", code=ErrorCode.SQL_ERROR, details=ErrorDetails(unknown_names=unknown, sqlstate=exc.pgcode) if unknown or exc.pgcode else None)


_running = 0  # statements running in this process with the wait callback set
_running_lock = threading.Lock()


def _interruptible(start: bool) -> None:
    """Set psycopg2's wait callback (Ctrl-C cancels a running query) while any statement runs.

    The callback is process-wide: counted, so that one thread finishing its
    statement does not clear it under another thread's running one (the server
    runs statements from several threads).
    """
    global _running
    with _running_lock:
        _running += 1 if start else -1
        if start and _running == 1:
            psycopg2.extensions.set_wait_callback(psycopg2.extras.wait_select)
        elif not start and _running == 0:
            psycopg2.extensions.set_wait_callback(None)


UNDEFINED_NAME_STATES = ("42703", "42P01")  # undefined_column, undefined_table
_REFERENCE = re.compile(r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)(?:\.(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*))*')


def _undefined_names(exc: psycopg2.Error) -> list[str]:
    """The name an undefined-column or -table error points at, read from the statement at the server's error position.

    PostgreSQL reports where in the statement the name is (``diag.statement_position``,
    1-based characters), so the name comes from the SQL itself, not from the message text.
    """
    position = getattr(getattr(exc, "diag", None), "statement_position", None)
    sent = getattr(exc, "sent_query", None)
    if exc.pgcode not in UNDEFINED_NAME_STATES or not position or not sent:
        return []
    text = sent.decode("utf-8", "replace") if isinstance(sent, bytes) else str(sent)
    match = _REFERENCE.match(text, int(position) - 1)
    if match is None:
        return []
    last = re.split(r'\.(?=(?:[^"]*"[^"]*")*[^"]*$)', match.group(0))[-1]
    return [last[1:-1].replace('""', '"') if last.startswith('"') else last.lower()]


def _server_message(exc: psycopg2.Error, password: str | None) -> str:
    diag = getattr(exc, "diag", None)
    lines = str(exc).strip().splitlines()
    primary = getattr(diag, "message_primary", None) or (lines[0] if lines else type(exc).__name__)
    hint = getattr(diag, "message_hint", None)
    text = f"{primary} (hint: {hint})" if hint else primary
    return scrub(" ".join(str(text).split()), password)
