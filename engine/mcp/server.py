"""The MCP server: decide-sql's tools, resources and prompts on the official SDK (``mcp`` 2.x, ``MCPServer``).

Tools are read-only by construction (every statement passes the validator and runs in a
READ ONLY transaction), so each carries ``readOnlyHint``/``idempotentHint`` and no
destructive or open-world hint. Results are structured (an output schema per tool; ``ask``
returns the CLI's Answer, docs/answer.schema.json) with the same JSON as compact text for
clients that read only text. Failures are tool errors (``isError``) whose text is the CLI's
JSON error object, so the assistant reads what went wrong and how to fix it.

No ``from __future__ import annotations`` here: the SDK reads the tools' annotations
(descriptions built at run time) from the function objects.
"""

import json
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

import anyio.from_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from engine.answer import Answer, ErrorInfo
from engine.errors import DecideSqlError, ExitCode
from engine.mcp.results import SqlResult, TableList
from engine.mcp.tools import McpTools, UnknownTable
from engine.schema import Table
from programs.context import MAX_QUESTION_CHARS

MAX_SQL_ARG_CHARS = 100_000  # the validator refuses statements over 20,000 characters itself, with its own code
MAX_NAME_CHARS = 200
MAX_CONVERSATION_ID_CHARS = 64
FOLLOW_UP = (
    "The conversation_id of an earlier answer: the question is then read as a follow-up of that conversation "
    "('and in 2024?', 'only the top 3'). Omit it for a new question; the answer carries a new conversation_id."
)
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
log = logging.getLogger("decide_sql.mcp")

INSTRUCTIONS = (
    "decide-sql answers questions about one PostgreSQL database with validated, read-only SQL. "
    "Use `ask` for a question in plain language (it picks tables, writes and checks the SQL, runs it and "
    "returns rows, the SQL and an explanation; status `clarify` carries a question to put to the user, "
    "`refused` a reason). Use `list_tables` and `describe_table` to explore the schema, and `run_sql` to "
    "run your own SELECT: it is checked against the read-only policy and refused with a typed reason "
    "otherwise. Rows are capped; `truncated` says when more existed."
)


def _text(payload: dict[str, Any]) -> list[TextContent]:
    return [TextContent(type="text", text=json.dumps(payload, ensure_ascii=False, default=str, separators=(",", ":")))]


def ok_result(model: BaseModel, *, is_error: bool = False) -> CallToolResult:
    """A structured result with the same JSON as text (compact, for clients that only read text)."""
    payload = model.model_dump(mode="json")
    return CallToolResult(content=_text(payload), structured_content=payload, is_error=is_error)


def error_result(code: str, message: str, *, status: str = "error") -> CallToolResult:
    """A tool error whose text is the CLI's JSON error object."""
    return CallToolResult(content=_text({"status": status, "error": ErrorInfo(code=code, message=message).model_dump()}), is_error=True)


def guarded(tool: str, fn: Callable[[], CallToolResult], scrub: Callable[[str], str]) -> CallToolResult:
    """Run one tool body: typed errors become tool errors; a bug becomes one stderr line, never a traceback."""
    try:
        return fn()
    except DecideSqlError as err:
        return error_result(err.code, scrub(err.message), status="refused" if err.exit_code == ExitCode.REFUSED else "error")
    except Exception as exc:  # noqa: BLE001 - the server must keep running
        if os.environ.get("DECIDE_SQL_DEBUG"):
            log.exception("internal error in %s", tool)
        else:
            log.error("internal error in %s: %s (rerun with DECIDE_SQL_DEBUG=1 for a traceback and report it)", tool, type(exc).__name__)
        return error_result("internal_error", f"internal error in {tool} ({type(exc).__name__}); this is a bug, please report it")


def bad_arguments(tool: str, exc: ValidationError) -> str:
    """One line naming each bad argument and what it must be; never the rejected values."""
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "arguments"
        problems.append(f"{where}: {err['msg']}")
    return f"bad arguments for {tool}: {'; '.join(problems)}; fix them to match the tool's input schema"


def progress_reporter(ctx: Context | None) -> Callable[[str, dict], None] | None:
    """Each decision and SQL attempt as a progress notification (a no-op unless the client sent a progress token).

    A local model can take a while on a cold cache; progress tells the assistant the call is alive.
    Called on the tool's worker thread, so it hops to the event loop with ``anyio.from_thread``.
    """
    if ctx is None:
        return None
    step = 0

    def report(kind: str, data: dict) -> None:
        nonlocal step
        step += 1
        if kind == "decision":
            message = f"decided {data.get('program')} ({data.get('ms', 0):.0f} ms)"
        else:
            error = data.get("error") or {}
            message = f"SQL {data.get('stage')}" + (f": {error.get('code')}" if error else "")
        try:
            anyio.from_thread.run(ctx.report_progress, step, None, message)
        except Exception as exc:  # noqa: BLE001 - progress is best effort; the answer still comes
            log.debug("progress not sent: %s", type(exc).__name__)

    return report


class DecideSqlServer(MCPServer):
    """MCPServer whose argument errors are one-line JSON errors like the CLI's."""

    async def call_tool(self, name: str, arguments: dict[str, Any], context: Any = None) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if isinstance(exc.__cause__, ValidationError):
                return error_result("bad_input", bad_arguments(name, exc.__cause__))
            if name not in {t.name for t in self._tool_manager.list_tools()}:
                return error_result("unknown_tool", f"unknown tool {name[:MAX_NAME_CHARS]!r}; call tools/list for the tools")
            raise


def build_server(tools: McpTools, *, warm_up: bool = True) -> MCPServer:
    """The server over one McpTools (one Session for the server's lifetime)."""
    warmed = threading.Event()

    @asynccontextmanager
    async def lifespan(_: MCPServer) -> AsyncIterator[None]:
        if warm_up and not warmed.is_set():  # once per process, also when HTTP opens many MCP sessions
            warmed.set()
            threading.Thread(target=_warm, args=(tools,), name="decide-sql-warm-up", daemon=True).start()
        yield None

    server = DecideSqlServer(name="decide-sql", title="decide-sql", instructions=INSTRUCTIONS, version=_version(), log_level="WARNING", lifespan=lifespan)
    _add_tools(server, tools)
    _add_resources(server, tools)
    _add_prompts(server)
    return server


def _warm(tools: McpTools) -> None:
    try:
        tools.warm_up()
    except Exception as exc:  # noqa: BLE001 - reported again, typed, by the first ask
        sys.stderr.write(f"decide-sql mcp: model not loaded ahead ({type(exc).__name__}: {str(exc)[:200]}); ask will report it\n")


def _add_tools(server: MCPServer, tools: McpTools) -> None:
    @server.tool(name="ask", title="Ask the database", annotations=READ_ONLY)
    def ask(
        question: Annotated[str, Field(description="A question about the data, in plain language.", min_length=1, max_length=MAX_QUESTION_CHARS)],
        conversation_id: Annotated[str | None, Field(description=FOLLOW_UP, max_length=MAX_CONVERSATION_ID_CHARS)] = None,
        ctx: Context | None = None,
    ) -> Annotated[CallToolResult, Answer]:
        """Answer a question about the database with validated, read-only SQL.

        Returns status (ok, clarify, refused, error), flow, tables, the SQL that ran, columns, rows
        (capped; `truncated` says when more existed; `row_count` counts what the query returned),
        an explanation, a clarifying question or refusal reason, token usage, and the conversation_id
        to pass back with a follow-up question.
        """

        def run() -> CallToolResult:
            answer = tools.ask(question, conversation_id, on_event=progress_reporter(ctx))
            return ok_result(answer, is_error=answer.status == "error")

        return guarded("ask", run, tools.scrub)

    @server.tool(name="run_sql", title="Run a read-only SQL query", annotations=READ_ONLY)
    def run_sql(
        sql: Annotated[str, Field(description="One PostgreSQL SELECT (or WITH ... SELECT) statement over the tables of list_tables.", min_length=1, max_length=MAX_SQL_ARG_CHARS)],
    ) -> Annotated[CallToolResult, SqlResult]:
        """Validate one SQL statement against the read-only policy and run it, bounded.

        Anything but one bounded read (writes, DDL, several statements, locking, forbidden functions,
        system catalogs) is refused with a typed code and a message saying how to fix it. A LIMIT is
        added or tightened; rows are capped and long cells cut (`truncated`).
        """

        def run() -> CallToolResult:
            result = tools.run_sql(sql)
            return ok_result(result, is_error=result.status != "ok")

        return guarded("run_sql", run, tools.scrub)

    @server.tool(name="list_tables", title="List the tables", annotations=READ_ONLY)
    def list_tables() -> Annotated[CallToolResult, TableList]:
        """Every table and view that questions and SQL may read: name, kind, column count, row estimate, comment."""
        return guarded("list_tables", lambda: ok_result(tools.list_tables()), tools.scrub)

    @server.tool(name="describe_table", title="Describe a table", annotations=READ_ONLY)
    def describe_table(
        name: Annotated[str, Field(description="A table name from list_tables (bare for public tables, else schema.table).", min_length=1, max_length=MAX_NAME_CHARS)],
    ) -> Annotated[CallToolResult, Table]:
        """One table's columns (types, nullability, comments, sample values), primary key, foreign keys both ways and row estimate."""
        return guarded("describe_table", lambda: ok_result(tools.describe_table(name)), tools.scrub)


def _add_resources(server: MCPServer, tools: McpTools) -> None:
    """``schema://tables`` and ``schema://tables/{name}``: the schema tools as resources, for clients that prefer them."""

    @server.resource("schema://tables", name="tables", title="Tables", description="Every table and view (as list_tables).", mime_type="application/json")
    def tables_resource() -> str:
        return tools.list_tables().model_dump_json()

    @server.resource("schema://tables/{name}", name="table", title="Table", description="One table (as describe_table).", mime_type="application/json")
    def table_resource(name: str) -> str:
        try:
            return tools.describe_table(name).model_dump_json()
        except UnknownTable as err:
            raise ResourceNotFoundError(err.message) from None


def _add_prompts(server: MCPServer) -> None:
    @server.prompt(name="ask_database", title="Ask the database", description="Answer a question with the ask tool and explain the result.")
    def ask_database(question: str) -> str:
        return (
            f"Use the decide-sql `ask` tool to answer this question about the database: {question}\n"
            "Then give the answer in a sentence or a small table, show the SQL it ran, and say whether the rows were truncated. "
            "If the status is `clarify`, put its clarifying question (with the options) to me instead; if it is `refused`, tell me why."
        )

    @server.prompt(name="explain_table", title="Explain a table", description="Describe one table with describe_table.")
    def explain_table(name: str) -> str:
        return (
            f"Use the decide-sql `describe_table` tool on {name} and explain in plain language what one row holds, "
            "what its keys link to, and three questions it can answer."
        )


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("decide-sql")
    except Exception:  # noqa: BLE001 - a source checkout without metadata
        return "0"
