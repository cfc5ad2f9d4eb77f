"""What the server holds while it runs: warm sessions, a pool of database connections, the conversations.

Opened once at start-up (model loaded, schema introspected, value index
sampled, every connection opened), so requests pay only the engine's warm
latency and no request opens a connection; closed once at shutdown (every
connection closed, worker threads joined).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from engine.conversation import ConversationStore
from engine.database.executor import Executor
from engine.instruments import Instruments
from engine.server.config import REMOTE_KINDS, ServerConfig
from engine.server.pool import Pool
from engine.session import Session
from engine.settings import Settings

# psycopg2's wait callback (which lets Ctrl-C cancel a running query) is process-wide, and Executor.run sets it
# and clears it around each statement: two statements running at once in two threads clear it under each
# other ("lost the connection"). Until the executor counts its users, the server runs one statement at a
# time; model work (the long part of a question) still runs concurrently. Statements are bounded by
# statement_timeout, so the wait is too.
_STATEMENTS = threading.Lock()


def one_statement_at_a_time(executor: Executor) -> Executor:
    run = executor.run

    def locked(*args: Any, **kwargs: Any) -> Any:
        with _STATEMENTS:
            return run(*args, **kwargs)

    executor.run = locked  # type: ignore[method-assign]
    return executor


class ServerState:
    def __init__(self, config: ServerConfig, settings: Settings, *, model: Any = None, progress: Callable[[str], None] | None = None) -> None:
        self.config = config
        self.settings = settings
        self._model = model  # a ModelHandle (tests), a spec string, or None for settings.model
        self._progress = progress
        self.sessions: list[Session] = []
        self.sql_instruments: list[Instruments] = []
        self.conversations = ConversationStore(max_conversations=config.max_conversations, max_age_s=config.conversation_age_s)
        self.threads: ThreadPoolExecutor | None = None
        self.ask_pool: Pool[Session] | None = None
        self.sql_pool: Pool[Instruments] | None = None

    # -- lifetime --------------------------------------------------------------
    def open(self) -> None:
        """Blocking: sessions, model, value index, connections. Raises DecideSqlError with the fix on failure.

        Idempotent: ``decide-sql serve`` opens the state before uvicorn starts (so a failure is the CLI's
        one-line error, not a lifespan traceback), and the lifespan's call is then a no-op.
        """
        if self.ask_pool is not None:
            return
        spec = self._model if isinstance(self._model, str) else getattr(self._model, "spec", None) or self.settings.model
        kind = getattr(self._model, "kind", None) or str(spec).partition(":")[0]
        slots = self.config.concurrency if kind in REMOTE_KINDS else 1
        try:
            first = Session(settings=self.settings, model=self._model, progress=self._progress)
            self.sessions.append(first)
            for _ in range(slots - 1):  # each its own connection and model client: nothing shared between threads
                self.sessions.append(Session(settings=self.settings, model=spec))
            for session in self.sessions:
                one_statement_at_a_time(session.instruments.executor)
                one_statement_at_a_time(session.probe)
                _ = session.model  # load now: the first question must not pay for it
                _ = session.values
                session.instruments.executor.connection()
            url = first.instruments.url
            for _ in range(self.config.sql_pool):
                executor = one_statement_at_a_time(Executor(url, self.settings))
                executor.connection()
                self.sql_instruments.append(Instruments(self.settings, url, first.schema, executor))
        except BaseException:
            self.close()
            raise
        self.threads = ThreadPoolExecutor(max_workers=slots + self.config.sql_pool + 2, thread_name_prefix="decide-sql-serve")
        what = "the local model" if slots == 1 else "the model server"
        self.ask_pool = Pool(self.sessions, max_waiting=self.config.queue_size, what=what, threads=self.threads)
        self.sql_pool = Pool(self.sql_instruments, max_waiting=self.config.sql_queue_size, what="the database connection pool", threads=self.threads)

    def close(self) -> None:
        """Join the worker threads (a question being answered finishes first), then close every connection."""
        if self.threads is not None:
            self.threads.shutdown(wait=True, cancel_futures=True)
            self.threads = None
        for inst in self.sql_instruments:
            inst.executor.close()
        for session in self.sessions:
            try:
                session.close()
            except Exception as exc:  # noqa: BLE001 - keep closing the others
                sys.stderr.write(f"closing a session failed: {type(exc).__name__}\n")
        self.sql_instruments, self.sessions = [], []

    # -- facts for /api/health -------------------------------------------------
    @property
    def first(self) -> Session:
        return self.sessions[0]

    @property
    def slots(self) -> int:
        return len(self.sessions)
