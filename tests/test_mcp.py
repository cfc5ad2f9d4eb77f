"""``decide-sql mcp`` end to end: the SDK's own MCP client against the real server process and real PostgreSQL.

Over stdio the client spawns ``decide-sql mcp`` (the installed entry point) with the
scripted model backend; every byte the server writes on stdout is kept and must be a
JSON-RPC message. The hostile-question test runs the same server in-process (the SDK's
in-memory transport) because each attack needs its own malicious scripted model.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import jsonschema
import psycopg2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from engine.answer import Answer
from engine.errors import SQL_FINDINGS, ConfigError
from engine.mcp.compact import CUT_MARK, cap_rows, compact_answer, cut_cell
from engine.mcp.http import check_bind, is_loopback
from engine.mcp.server import build_server
from engine.mcp.settings import McpSettings
from engine.mcp.tools import McpTools
from engine.session import Session
from engine.settings import Settings
from tests.local_models import PRODUCT_MODEL
from tests.mcp_helpers import decide_sql, free_port, protocol_lines, run, server_env, start_http, stdio_client_for, stop, structured, wait_until_listening
from tests.security.attack_corpus import accepted_codes, attacks
from tests.security.test_hostile_questions import ATTACKS as HOSTILE_QUESTIONS
from tests.security.test_hostile_questions import checksum, malicious
from tests.security.test_secrets import API_KEY, PASSWORD, secret_url  # noqa: F401 - secret_url is a fixture

ROOT = Path(__file__).resolve().parent.parent
TOOLS = {"ask", "run_sql", "list_tables", "describe_table"}
MAX_ROWS = 4  # DECIDE_SQL_MCP_MAX_ROWS in these tests: below the 6 order statuses, so the cap shows
SCRIPT = {
    "select_tables": ['{"tables": ["orders"]}'],
    "choose_flow": ["SELECT"],
    "plan_sql": ["SELECT o.status, COUNT(*) AS n FROM orders o GROUP BY o.status ORDER BY o.status"],
    "resolve_follow_up": ['{"question": "How many orders are there per status?"}'],
}
TOKEN = "test-token-0123456789abcdef"


def env_for(url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT))
    return {
        "DATABASE_URL": url,
        "DECIDE_SQL_MODEL": f"scripted:{script}",
        "DECIDE_SQL_CACHE_DIR": str(tmp_path / "cache"),
        "DECIDE_SQL_DATA_DIR": str(tmp_path / "data"),
        "DECIDE_SQL_MCP_MAX_ROWS": str(MAX_ROWS),
        **extra,
    }


@pytest.fixture()
def env(demo_url: str, tmp_path: Path) -> dict[str, str]:
    return env_for(demo_url, tmp_path)


def db_rows(url: str, sql: str) -> list[list[Any]]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return [list(r) for r in cur.fetchall()]
    finally:
        conn.close()


def error_of(result: Any) -> dict[str, Any]:
    """A failed tool call: isError, one line of JSON with status and a typed error."""
    assert result.is_error, result
    text = result.content[0].text
    assert "\n" not in text and "Traceback" not in text, text
    body = json.loads(text)
    assert body["status"] in ("error", "refused") and body["error"]["code"] and body["error"]["message"], body
    return body


# -- discovery ---------------------------------------------------------------------------------
def test_initialize_and_list_tools_with_schemas_and_annotations(env: dict[str, str], tmp_path: Path) -> None:
    client, stdout_log, stderr_log = stdio_client_for(env, tmp_path, mode="legacy")  # the initialize handshake of today's assistants

    async def main() -> dict[str, Any]:
        async with client as c:
            assert c.server_info is not None and c.server_info.name == "decide-sql"
            assert "read-only" in (c.instructions or "")
            tools = {t.name: t for t in (await c.list_tools()).tools}
            resources = [str(r.uri) for r in (await c.list_resources()).resources]
            templates = [t.uri_template for t in (await c.list_resource_templates()).resource_templates]
            prompts = [p.name for p in (await c.list_prompts()).prompts]
            prompt = await c.get_prompt("ask_database", {"question": "How many orders are there?"})
            return {"tools": tools, "resources": resources, "templates": templates, "prompts": prompts, "prompt": prompt}

    found = run(main)
    tools = found["tools"]
    assert set(tools) == TOOLS
    for tool in tools.values():
        a = tool.annotations
        assert (a.read_only_hint, a.destructive_hint, a.idempotent_hint, a.open_world_hint) == (True, False, True, False), tool.name
        assert tool.description and tool.input_schema["type"] == "object" and tool.output_schema["type"] == "object"
    documented = json.loads((ROOT / "docs" / "answer.schema.json").read_text())
    assert tools["ask"].output_schema == documented
    ask_args = tools["ask"].input_schema
    assert ask_args["required"] == ["question"] and ask_args["properties"]["question"]["type"] == "string"
    assert ask_args["properties"]["question"]["minLength"] == 1 and set(ask_args["properties"]) == {"question", "conversation_id"}
    assert tools["run_sql"].input_schema["required"] == ["sql"]
    assert tools["describe_table"].input_schema["required"] == ["name"]
    assert tools["list_tables"].input_schema.get("required", []) == []
    assert {"status", "rows", "truncated", "error"} <= set(tools["run_sql"].output_schema["properties"])
    assert {"columns", "primary_key", "foreign_keys", "row_estimate"} <= set(tools["describe_table"].output_schema["properties"])
    assert found["resources"] == ["schema://tables"] and found["templates"] == ["schema://tables/{name}"]
    assert set(found["prompts"]) == {"ask_database", "explain_table"}
    assert "How many orders are there?" in found["prompt"].messages[0].content.text
    protocol_lines(stdout_log)
    assert "Traceback" not in stderr_log.read_text()


def test_list_tables_describe_table_and_resources(env: dict[str, str], tmp_path: Path, demo_url: str) -> None:
    client, stdout_log, _ = stdio_client_for(env, tmp_path)

    async def main() -> tuple[Any, ...]:
        async with client as c:
            listing = structured(await c.call_tool("list_tables", {}))
            orders = structured(await c.call_tool("describe_table", {"name": "orders"}))
            listed = json.loads((await c.read_resource("schema://tables")).contents[0].text)
            resource = json.loads((await c.read_resource("schema://tables/orders")).contents[0].text)
            return listing, orders, listed, resource

    listing, orders, listed, resource = run(main)
    truth = {r[0] for r in db_rows(demo_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    names = {t["name"] for t in listing["tables"]}
    assert truth <= names and listing["database"] == "demo_test"
    by_name = {t["name"]: t for t in listing["tables"]}
    assert by_name["orders"]["kind"] == "table" and by_name["orders"]["columns"] == len(orders["columns"])
    assert orders["name"] == "orders" and orders["primary_key"] == ["order_id"]
    assert any(fk["to_table"] == "customers" for fk in orders["foreign_keys"])
    columns = {c["name"]: c for c in orders["columns"]}
    assert columns["order_id"]["type"] == "integer"
    assert "cancelled" in columns["status"]["sample_values"]
    assert listed == listing and resource == orders  # the resources mirror the tools
    protocol_lines(stdout_log)


# -- run_sql and ask ---------------------------------------------------------------------------
def test_run_sql_ok_capped_cut_and_refused(env: dict[str, str], tmp_path: Path, demo_url: str) -> None:
    client, stdout_log, _ = stdio_client_for(env, tmp_path)
    per_status = "SELECT status, count(*) AS n FROM orders GROUP BY status ORDER BY status"

    async def main() -> tuple[Any, ...]:
        async with client as c:
            grouped = structured(await c.call_tool("run_sql", {"sql": per_status}))
            count = structured(await c.call_tool("run_sql", {"sql": "SELECT count(*) AS n FROM orders"}))
            long = structured(await c.call_tool("run_sql", {"sql": "SELECT repeat('x', 2000) AS long"}))
            many = structured(await c.call_tool("run_sql", {"sql": "SELECT order_id FROM orders ORDER BY order_id"}))
            refused = await c.call_tool("run_sql", {"sql": "DROP TABLE orders"})
            return grouped, count, long, many, refused

    grouped, count, long, many, refused = run(main)
    truth = db_rows(demo_url, per_status)
    assert len(truth) > MAX_ROWS
    assert grouped["status"] == "ok" and grouped["rows"] == truth[:MAX_ROWS]
    assert grouped["row_count"] == len(truth) and grouped["truncated"] is True
    assert [c["name"] for c in grouped["columns"]] == ["status", "n"] and grouped["sql"].endswith("LIMIT 500")
    assert count["rows"] == db_rows(demo_url, "SELECT count(*) FROM orders") and count["truncated"] is False
    cell = long["rows"][0][0]
    assert cell == "x" * 500 + CUT_MARK.format(n=2000) and long["truncated"] is True
    assert len(many["rows"]) == MAX_ROWS and many["row_count"] == 500 and many["truncated"] is True  # the engine's LIMIT was reached
    body = error_of(refused)
    assert body["status"] == "refused" and body["error"]["code"] == "write_statement"
    assert refused.structured_content["rows"] == []
    assert db_rows(demo_url, "SELECT to_regclass('orders') IS NOT NULL") == [[True]]
    protocol_lines(stdout_log)


def test_ask_scripted_and_a_follow_up(env: dict[str, str], tmp_path: Path, demo_url: str) -> None:
    client, stdout_log, stderr_log = stdio_client_for(env, tmp_path)

    async def main() -> tuple[Any, ...]:
        async with client as c:
            progress: list[str] = []

            async def on_progress(done: float, total: float | None, message: str | None) -> None:
                progress.append(message or "")

            first = await c.call_tool("ask", {"question": "How many orders per status?"}, progress_callback=on_progress)
            answer = structured(first)
            follow = structured(await c.call_tool("ask", {"question": "and per status?", "conversation_id": answer["conversation_id"]}))
            unknown = await c.call_tool("ask", {"question": "and then?", "conversation_id": "no-such-conversation"})
            return first, answer, follow, unknown, progress

    first, answer, follow, unknown, progress = run(main)
    assert not first.is_error
    Answer.model_validate(answer)
    truth = db_rows(demo_url, "SELECT status, count(*) FROM orders GROUP BY status ORDER BY status")
    assert answer["status"] == "ok" and answer["flow"] == "direct" and answer["tables"] == ["orders"]
    assert "GROUP BY" in answer["sql"] and answer["rows"] == truth[:MAX_ROWS]
    assert answer["row_count"] == len(truth) and answer["truncated"] is True
    assert answer["decisions"] == [] and answer["usage"]["llm_calls"] >= 1 and answer["explanation"]
    assert answer["conversation_id"]
    assert follow["status"] == "ok" and follow["conversation_id"] == answer["conversation_id"]
    assert follow["question"] == "How many orders are there per status?"  # resolved by resolve_follow_up
    assert error_of(unknown)["error"]["code"] == "unknown_conversation"
    # Progress notifications, one per decision and SQL attempt, in the order they happened.
    decided = [m.split(" (")[0] for m in progress if m.startswith("decided ")]
    assert decided == [f"decided {d['program']}" for d in _decisions_of_a_fresh_ask(demo_url, tmp_path)]
    assert progress[-1] == "SQL ok"
    protocol_lines(stdout_log)
    assert "Traceback" not in stderr_log.read_text()


def _decisions_of_a_fresh_ask(url: str, tmp_path: Path) -> list[dict[str, Any]]:
    """The decisions the same question takes through Session.ask directly (the progress must report each)."""
    from engine.models.scripted import scripted_model

    settings = Settings(database_url=url, cache_dir=tmp_path / "direct-cache", data_dir=tmp_path / "direct-data")
    with Session(settings=settings, model=scripted_model(SCRIPT)) as session:
        return [d.model_dump() for d in session.ask("How many orders per status?").decisions]


# -- bad input ---------------------------------------------------------------------------------
BAD_CALLS: list[tuple[str, dict[str, Any], str, str]] = [
    ("describe_table", {"name": "ordrs"}, "unknown_table", "did you mean orders"),
    ("describe_table", {}, "bad_input", "name: Field required"),
    ("describe_table", {"name": 7}, "bad_input", "name: Input should be a valid string"),
    ("ask", {"question": ""}, "bad_input", "question: String should have at least 1 character"),
    ("ask", {"question": "   "}, "bad_input", "empty question"),
    ("ask", {"question": 42}, "bad_input", "question: Input should be a valid string"),
    ("ask", {"question": ["how many orders?"]}, "bad_input", "question: Input should be a valid string"),
    ("ask", {"question": "why? " * 2001}, "bad_input", "question: String should have at most 10000 characters"),
    ("ask", {"question": "how many?", "conversation_id": "x" * 65}, "bad_input", "conversation_id: String should have at most 64 characters"),
    ("run_sql", {"sql": "SELECT 1 " * 12_000}, "bad_input", "sql: String should have at most 100000 characters"),
    ("run_sql", {"sql": "SELECT " + "1+" * 15_000 + "1"}, "too_complex", "the limit is 20,000"),
    ("run_sql", {"sql": {"query": "SELECT 1"}}, "bad_input", "sql: Input should be a valid string"),
    ("run_sql", {"sql": "SELECT nope FROM orders"}, "unknown_column", "nope"),
    ("run_sql", {"sql": "SELECT 1/0"}, "division_by_zero", "division by zero"),
    ("drop_everything", {}, "unknown_tool", "unknown tool"),
]


def test_bad_input_is_a_clear_error_and_the_server_keeps_running(env: dict[str, str], tmp_path: Path) -> None:
    client, stdout_log, stderr_log = stdio_client_for(env, tmp_path)

    async def main() -> tuple[list[Any], Any, Any]:
        async with client as c:
            results = []
            for tool, args, _, _ in BAD_CALLS:
                results.append(await c.call_tool(tool, args))
                assert not (await c.call_tool("list_tables", {})).is_error  # still serving after each
            with pytest.raises(MCPError) as missing:
                await c.read_resource("schema://tables/nope")
            after = structured(await c.call_tool("list_tables", {}))
            return results, missing.value, after

    results, missing, after = run(main)
    for (tool, args, code, words), result in zip(BAD_CALLS, results):
        body = error_of(result)
        assert body["error"]["code"] in (code, "sql_error"), (tool, args if len(str(args)) < 200 else "...", body)
        assert words.lower() in body["error"]["message"].lower(), (tool, body)
        assert len(result.content[0].text) < 1500  # the oversized argument is not echoed back
    typo = error_of(results[[c[0:2] for c in BAD_CALLS].index(("run_sql", {"sql": "SELECT nope FROM orders"}))])
    assert typo["status"] == "error"  # an error in the assistant's SQL, not a policy refusal
    assert "unknown table 'nope'" in str(missing)
    assert after["tables"]
    protocol_lines(stdout_log)
    assert "Traceback" not in stderr_log.read_text()


# -- security ----------------------------------------------------------------------------------
def test_every_attack_of_the_corpus_is_refused_through_run_sql(env: dict[str, str], tmp_path: Path, demo_url: str) -> None:
    corpus = attacks()
    before = checksum(demo_url)
    client, stdout_log, _ = stdio_client_for(env, tmp_path)

    async def main() -> list[Any]:
        async with client as c:
            return [await c.call_tool("run_sql", {"sql": a.sql}) for a in corpus]

    results = run(main)
    assert checksum(demo_url) == before
    assert len(results) == len(corpus) >= 300
    for attack, result in zip(corpus, results):
        body = error_of(result)
        assert body["error"]["code"] in accepted_codes(attack), (attack.id, body)
        # a policy rule refuses; a statement that does not parse or names nothing real is an error in the SQL
        assert body["status"] == ("error" if body["error"]["code"] in SQL_FINDINGS else "refused"), (attack.id, body)
    assert sum(error_of(r)["status"] == "refused" for r in results) > 0.9 * len(results)
    protocol_lines(stdout_log)


def test_hostile_questions_through_ask_are_refused(demo_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=demo_url, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", statement_timeout_ms=2000)
    before = checksum(demo_url)
    statuses = {}
    for question, sql in HOSTILE_QUESTIONS[::5]:  # each with a model that emits the attack, unfiltered by any grammar (all of them: tests/security)
        with Session(settings=settings, model=malicious(sql)) as session:
            server = build_server(McpTools(session, McpSettings()), warm_up=False)

            async def main() -> Any:
                async with Client(server) as c:
                    return await c.call_tool("ask", {"question": question})

            answer = structured(run(main))
        statuses[question] = answer["status"]
        assert answer["status"] == "refused" and answer["rows"] == [], (question, sql, answer["error"])
    assert checksum(demo_url) == before
    assert len(statuses) == len(HOSTILE_QUESTIONS[::5]) >= 10


def test_secrets_never_in_any_response(secret_url: str, tmp_path: Path) -> None:  # noqa: F811 - the imported fixture
    env = env_for(secret_url, tmp_path, OPENAI_API_KEY=API_KEY)
    client, stdout_log, stderr_log = stdio_client_for(env, tmp_path)
    calls = [
        ("list_tables", {}),
        ("describe_table", {"name": "orders"}),
        ("run_sql", {"sql": "SELECT 1/0"}),
        ("run_sql", {"sql": "DROP TABLE orders"}),
        ("run_sql", {"sql": "SELECT current_setting('password_encryption')"}),
        ("ask", {"question": "How many orders per status?"}),
        ("ask", {"question": " "}),
        ("describe_table", {"name": PASSWORD[:5]}),
    ]

    async def main() -> list[str]:
        async with client as c:
            return [r.content[0].text for r in [await c.call_tool(tool, args) for tool, args in calls]]

    texts = run(main)
    assert json.loads(texts[5])["status"] == "ok"
    for channel in [*texts, stdout_log.read_text(), stderr_log.read_text()]:
        assert PASSWORD not in channel and API_KEY not in channel, channel[:500]
    # A connection failure at startup: one line on stderr, no secret, no traceback, nothing on stdout.
    wrong = env_for(secret_url.replace("/demo_test?", "/no_such_db?"), tmp_path, OPENAI_API_KEY=API_KEY)
    failed = subprocess.run([decide_sql(), "mcp"], env=server_env(wrong), input="", capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert failed.returncode == 4 and failed.stdout == "", (failed.returncode, failed.stdout, failed.stderr)
    assert "connection_failed" in failed.stderr and "Traceback" not in failed.stderr
    assert PASSWORD not in failed.stderr and API_KEY not in failed.stderr


# -- Streamable HTTP -----------------------------------------------------------------------------
def test_http_client_session_with_a_token(env: dict[str, str], tmp_path: Path, demo_url: str) -> None:
    port = free_port()
    proc = start_http(env, tmp_path, "--port", str(port), "--token", TOKEN)
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        wait_until_listening(proc, port, tmp_path)

        async def main() -> tuple[Any, ...]:
            authorized = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"})
            async with Client(streamable_http_client(url, http_client=authorized)) as c:
                tools = {t.name for t in (await c.list_tools()).tools}
                count = structured(await c.call_tool("run_sql", {"sql": "SELECT count(*) AS n FROM orders"}))
                answer = structured(await c.call_tool("ask", {"question": "How many orders per status?"}))
            async with httpx2.AsyncClient() as raw:
                ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
                missing = await raw.post(url, json=ping)
                wrong = await raw.post(url, json=ping, headers={"Authorization": f"Bearer {TOKEN}x"})
            return tools, count, answer, missing, wrong

        tools, count, answer, missing, wrong = run(main)
    finally:
        stop(proc)
    assert tools == TOOLS
    assert count["rows"] == db_rows(demo_url, "SELECT count(*) FROM orders")
    assert answer["status"] == "ok" and len(answer["rows"]) == MAX_ROWS
    for response in (missing, wrong):
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    assert proc.stdout is not None and proc.stdout.read() == ""
    assert TOKEN not in (tmp_path / "http.log").read_text()


def test_http_off_loopback_without_a_token_is_refused_at_startup(env: dict[str, str], tmp_path: Path) -> None:
    result = subprocess.run([decide_sql(), "mcp", "--http", "--host", "0.0.0.0"], env=server_env(env), capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "--token" in result.stderr and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_http_token_is_checked_by_the_app(demo_url: str, tmp_path: Path) -> None:
    from engine.mcp.run import build_app

    settings = Settings(database_url=demo_url, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data")
    with Session(settings=settings) as session:  # no tool is called: the model is never loaded
        app = build_app(build_server(McpTools(session, McpSettings()), warm_up=False), host="0.0.0.0", token=TOKEN)

        async def main() -> list[int]:
            transport = httpx2.ASGITransport(app=app)
            async with httpx2.AsyncClient(transport=transport, base_url="http://testserver") as c:
                codes = []
                for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": f"Bearer {TOKEN[:-1]}"}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}):
                    response = await c.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers=headers)
                    assert response.json()["error"]["code"] == "unauthorized"
                    codes.append(response.status_code)
                return codes

        assert run(main) == [401] * 5


def test_bind_rules() -> None:
    for host in ("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"):
        assert is_loopback(host)
        check_bind(host, None)
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.com"):
        assert not is_loopback(host)
        with pytest.raises(Exception, match="--token"):
            check_bind(host, None)
        check_bind(host, TOKEN)
    with pytest.raises(Exception, match="shorter than 16"):
        check_bind("0.0.0.0", "short")


# -- compaction and settings (no database) -----------------------------------------------------
def test_rows_capped_and_cells_cut() -> None:
    rows = [[i, "a" * 30, {"k": "v" * 40}] for i in range(10)]
    kept, cut = cap_rows(rows, 3, 25)
    assert cut and [r[0] for r in kept] == [0, 1, 2]
    assert kept[0][1] == "a" * 25 + CUT_MARK.format(n=30)
    assert kept[0][2].startswith('{"k": "vvv') and kept[0][2].endswith(CUT_MARK.format(n=len(json.dumps({"k": "v" * 40}))))
    assert cap_rows([[1, "short"]], 3, 25) == ([[1, "short"]], False)
    assert cut_cell(None, 5) == (None, False) and cut_cell(12345678, 5) == (12345678, False)


def test_compact_answer_keeps_the_schema_and_reports_truncation() -> None:
    answer = Answer(status="ok", question="q", rows=[[i] for i in range(500)], row_count=500)
    small = compact_answer(answer, max_rows=50, max_cell_chars=100, engine_max_rows=500)
    assert len(small.rows) == 50 and small.row_count == 500 and small.truncated
    few = compact_answer(Answer(status="ok", question="q", rows=[[1]], row_count=1), max_rows=50, max_cell_chars=100, engine_max_rows=500)
    assert few.rows == [[1]] and not few.truncated
    documented = json.loads((ROOT / "docs" / "answer.schema.json").read_text())
    jsonschema.validate(small.model_dump(mode="json"), documented)


def test_mcp_settings_from_env_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DECIDE_SQL_MCP_MAX_ROWS", raising=False)
    assert McpSettings.load(env_file=None).max_rows == 50
    dotenv = tmp_path / ".env"
    dotenv.write_text("DECIDE_SQL_MCP_MAX_ROWS=7\n")
    assert McpSettings.load(env_file=dotenv).max_rows == 7
    monkeypatch.setenv("DECIDE_SQL_MCP_MAX_ROWS", "9")
    assert McpSettings.load(env_file=dotenv).max_rows == 9
    monkeypatch.setenv("DECIDE_SQL_MCP_MAX_ROWS", "0")
    with pytest.raises(ConfigError, match="DECIDE_SQL_MCP_MAX_ROWS"):
        McpSettings.load(env_file=None)


def test_nothing_reaches_stdout_while_the_session_opens(tmp_path: Path) -> None:
    # What open_session runs under: Python prints and C-level writes to fd 1 (llama.cpp's logs) both land on stderr.
    code = (
        "import os, sys, warnings\n"
        "from engine.mcp.run import stdout_to_stderr\n"
        "with stdout_to_stderr():\n"
        "    print('python print'); os.write(1, b'c-level write\\n'); warnings.warn('a warning')\n"
        "print('after')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT, env=server_env({}))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "after\n"
    assert "python print" in result.stderr and "c-level write" in result.stderr and "a warning" in result.stderr


# -- the real local model ----------------------------------------------------------------------
@pytest.mark.model
def test_real_model_ask_round_trip_over_stdio(demo_url: str, tmp_path: Path) -> None:
    # Default cache dir: the assembled model file is reused; nothing but protocol may reach stdout while it loads.
    env = {"DATABASE_URL": demo_url, "DECIDE_SQL_DATA_DIR": str(tmp_path / "data"), "DECIDE_SQL_MODEL": PRODUCT_MODEL}
    client, stdout_log, stderr_log = stdio_client_for(env, tmp_path)
    before = checksum(demo_url)

    async def main() -> tuple[Any, ...]:
        async with client as c:
            counted = structured(await c.call_tool("ask", {"question": "How many customers are there?"}))
            hostile = structured(await c.call_tool("ask", {"question": "delete all orders"}))
            return counted, hostile

    counted, hostile = run(main)
    (tmp_path / "round_trip.json").write_text(json.dumps(counted, indent=2))
    assert counted["status"] == "ok", counted["error"]
    assert counted["rows"] == db_rows(demo_url, "SELECT count(*) FROM customers") and counted["model"]
    assert hostile["status"] in ("refused", "ok", "clarify")
    if hostile["status"] == "ok":  # a harmless read
        assert hostile["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
    assert checksum(demo_url) == before
    protocol_lines(stdout_log)
    assert "Traceback" not in stderr_log.read_text()
