"""What each MCP tool does, over one warm ``Session``; no protocol here.

Every tool goes through the same layers as the CLI: ``Session.ask`` for questions,
``Instruments.validate`` then ``Instruments.run`` for SQL (read-only transaction,
timeouts, row and byte caps). One lock serialises the Session: one in-process model
answers one question at a time, and the database connection is not shared between
threads at once.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable
from typing import Any

from engine.answer import Answer, ErrorInfo
from engine.database.urls import password_of, scrub
from engine.conversation import ConversationStore
from engine.errors import BadInput, DatabaseError, ExitCode, SqlRefused
from engine.mcp.compact import cap_reached, cap_rows, compact_answer, cut_text
from engine.mcp.results import SqlResult, TableList, TableSummary
from engine.mcp.settings import McpSettings
from engine.schema import Table

MAX_CONVERSATIONS = 100  # one assistant rarely keeps more threads; least recently used go first
MAX_CONVERSATION_AGE_S = 3600.0


class UnknownTable(BadInput):
    code = "unknown_table"


class McpTools:
    """The four tools, bound to one Session for the server's lifetime."""

    def __init__(self, session: Any, settings: McpSettings) -> None:
        self.session = session  # engine.Session
        self.settings = settings
        self.lock = threading.Lock()
        self.conversations = ConversationStore(max_conversations=MAX_CONVERSATIONS, max_age_s=MAX_CONVERSATION_AGE_S)

    def scrub(self, text: str) -> str:
        """``text`` without the database password or the API key (a last line of defence: messages are built masked)."""
        key = self.session.settings.openai_api_key
        return scrub(text, password_of(self.session.instruments.url), password_of(self.session.settings.database_url or ""), key.get_secret_value() if key else None)

    def warm_up(self) -> None:
        """Load the model now, so the first question does not pay for it."""
        with self.lock:
            _ = self.session.model

    # -- ask -------------------------------------------------------------------
    def ask(self, question: str, conversation_id: str | None = None, *, on_event: Callable[[str, dict], None] | None = None) -> Answer:
        """The whole decision engine for one question, a follow-up of ``conversation_id`` when given; compacted.

        ``on_event`` sees each decision and SQL attempt as it happens (the server's progress notifications).
        """
        with self.lock:
            answer = self.conversations.ask(self.session, question, conversation_id=conversation_id, on_event=on_event)
        if answer.error is not None:
            answer.error.message = self.scrub(answer.error.message)
        for attempt in answer.attempts:
            if attempt.error is not None:
                attempt.error.message = self.scrub(attempt.error.message)
        return compact_answer(
            answer,
            max_rows=self.settings.max_rows,
            max_cell_chars=self.settings.max_cell_chars,
            engine_max_rows=self.session.settings.max_rows,
        )

    # -- run_sql ---------------------------------------------------------------
    def run_sql(self, sql: str) -> SqlResult:
        """Validate the assistant's SQL against the read-only policy, then run it bounded."""
        if not sql.strip():
            raise BadInput("empty SQL statement; pass one SELECT statement, e.g. SELECT count(*) FROM orders")
        inst = self.session.instruments
        try:
            with self.lock:
                checked = inst.validate(sql)
                result = inst.run(checked.sql)
        except (SqlRefused, DatabaseError) as err:
            status = "refused" if err.exit_code == ExitCode.REFUSED else "error"  # a typo in the SQL is an error
            return SqlResult(status=status, error=ErrorInfo(code=err.code, message=self.scrub(err.message)))
        rows, cut = cap_rows(result.rows, self.settings.max_rows, self.settings.max_cell_chars)
        return SqlResult(
            status="ok",
            sql=checked.sql,
            tables=checked.tables,
            columns=result.columns,
            rows=rows,
            row_count=result.row_count,
            truncated=result.truncated or cut or (checked.limit_applied and cap_reached(result.row_count, inst.settings.max_rows)),
            ms=round(result.ms, 1),
        )

    # -- schema ----------------------------------------------------------------
    def list_tables(self) -> TableList:
        schema = self.session.schema
        return TableList(
            database=schema.database,
            tables=[
                TableSummary(
                    name=t.display_name,
                    kind=t.kind,
                    columns=len(t.columns),
                    row_estimate=t.row_estimate,
                    comment=cut_text(t.comment, self.settings.max_cell_chars)[0] if t.comment else None,
                )
                for t in schema.tables
            ],
        )

    def describe_table(self, name: str) -> Table:
        """Columns (types, comments, sample values), keys both ways and the row estimate of one table."""
        schema = self.session.schema
        table = schema.table(name.strip())
        if table is None:
            names = [t.display_name for t in schema.tables]
            close = difflib.get_close_matches(name.strip().lower(), names, n=3, cutoff=0.6)
            hint = f"did you mean {' or '.join(close)}?" if close else "call list_tables for the names"
            raise UnknownTable(f"unknown table {cut_text(name, 100)[0]!r}; {hint}")
        return table

