"""The HTTP API end to end: a real uvicorn server, real PostgreSQL, the scripted backend (real grammars)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from engine.answer import Answer
from engine.errors import ConfigError
from engine.server import ServerConfig
from engine.settings import Settings
from tests.demo import truth
from tests.local_models import PRODUCT_MODEL
from tests.server_helpers import (
    CONVERSATION_SCRIPT,
    FOLLOW_UP_SQL,
    GROUPED_SCRIPT,
    GROUPED_SQL,
    backend_connections,
    call,
    events,
    running_server,
)

TOKEN = "t0ken-for-tests-0123456789"


def test_ask_returns_the_cli_answer_with_a_conversation_id(settings: Settings) -> None:
    with running_server(settings) as (base, _):
        status, headers, body = call(base, "POST", "/api/ask", {"question": "How many orders are there per status?"})
    assert status == 200 and headers["x-decide-sql-exit-code"] == "0"
    answer = Answer.model_validate(body)  # the same object as decide-sql ask
    assert answer.status == "ok" and answer.rows == truth(settings, GROUPED_SQL)
    assert [c.name for c in answer.columns] == ["status", "orders"]
    assert answer.conversation_id and len(answer.conversation_id) == 32
    assert [d.program for d in answer.decisions] == ["select_tables", "choose_flow", "plan_sql"]


def test_stream_sends_each_decision_then_the_answer(settings: Settings) -> None:
    with running_server(settings, GROUPED_SCRIPT) as (base, _):
        status, headers, text = call(base, "POST", "/api/ask/stream", {"question": "How many orders are there per status?"})
        _, _, plain = call(base, "POST", "/api/ask", {"question": "How many orders are there per status?"})
    assert status == 200 and headers["content-type"].startswith("text/event-stream")
    found = events(text)
    names = [name for name, _ in found]
    assert names == ["started", "decision", "decision", "decision", "attempt", "result", "answer"]
    assert [data["program"] for name, data in found if name == "decision"] == ["select_tables", "choose_flow", "plan_sql"]
    flow = found[2][1]
    assert flow["output"]["flow"] == "direct" and flow["tokens"] > 0 and flow["ms"] > 0
    assert found[4][1]["stage"] == "ok" and found[4][1]["sql"].startswith("SELECT status")
    assert found[5][1]["status"] == "ok" and found[5][1]["row_count"] == len(truth(settings, GROUPED_SQL))
    answer = found[6][1]
    assert set(answer) == set(plain) and answer["rows"] == plain["rows"] and answer["sql"] == plain["sql"]


def test_a_three_turn_conversation_resolves_the_follow_up(settings: Settings) -> None:
    with running_server(settings) as (base, app):
        _, _, first = call(base, "POST", "/api/ask", {"question": "How many orders are there per status?"})
        cid = first["conversation_id"]
        _, _, text = call(base, "POST", "/api/ask/stream", {"question": "and only the cancelled ones?", "conversation_id": cid})
        _, _, third = call(base, "POST", "/api/ask", {"question": "delete all orders", "conversation_id": cid})
        turns = app.state.conversations.turns(cid)
        generated = app.state.first.model.lm.engine.generated
    found = events(text)
    assert found[1][0] == "decision" and found[1][1]["program"] == "resolve_follow_up"
    assert found[1][1]["output"]["follow_up"] is True
    second = found[-1][1]
    assert second["question"] == "How many orders are cancelled?" and second["conversation_id"] == cid
    assert second["rows"] == truth(settings, FOLLOW_UP_SQL) and second["decisions"][0]["program"] == "resolve_follow_up"
    assert second["usage"]["llm_calls"] == 3  # resolve_follow_up, choose_flow, plan_sql
    assert third["status"] == "refused" and third["question"] == "delete all orders" and third["sql"] is None
    assert third["decisions"][0]["output"]["follow_up"] is False
    assert [(t.question, t.status) for t in turns] == [
        ("How many orders are there per status?", "ok"),
        ("and only the cancelled ones?", "ok"),
        ("delete all orders", "refused"),
    ]
    assert turns[1].standalone == "How many orders are cancelled?" and turns[1].sql.startswith("SELECT COUNT(*)")
    # the follow-up decision saw the first turn's question and SQL
    assert [name for name, _ in generated].count("resolve_follow_up") == 2
    assert truth(settings, "SELECT count(*) FROM orders")[0][0] > 0  # nothing was deleted


def test_unknown_conversation_is_an_error_answer(settings: Settings) -> None:
    with running_server(settings) as (base, _):
        status, headers, body = call(base, "POST", "/api/ask", {"question": "and in 2024?", "conversation_id": "0" * 32})
        _, _, bad = call(base, "POST", "/api/ask", {"question": "and in 2024?", "conversation_id": "not/an id"})
    assert status == 200 and body["status"] == "error" and body["error"]["code"] == "unknown_conversation"
    assert headers["x-decide-sql-exit-code"] == "2" and "omit conversation_id" in body["error"]["message"]
    assert bad["error"]["code"] == "bad_conversation_id"


def test_sql_endpoint_validates_and_runs_read_only(settings: Settings) -> None:
    with running_server(settings) as (base, _):
        ok = call(base, "POST", "/api/sql", {"sql": "SELECT status, count(*) FROM orders GROUP BY 1 ORDER BY 1"})
        refused = call(base, "POST", "/api/sql", {"sql": "DROP TABLE orders"})
        unknown = call(base, "POST", "/api/sql", {"sql": "SELECT nope FROM orders"})
        empty = call(base, "POST", "/api/sql", {"sql": "  "})
    assert ok[0] == 200 and ok[2]["status"] == "ok" and ok[2]["sql"].endswith("LIMIT 500")
    assert ok[2]["rows"] == truth(settings, "SELECT status, count(*) FROM orders GROUP BY 1 ORDER BY 1")
    assert refused[0] == 200 and refused[2] == {"status": "refused", "error": refused[2]["error"]} and refused[2]["error"]["code"] == "write_statement"
    assert refused[1]["x-decide-sql-exit-code"] == "3"
    assert unknown[0] == 200 and unknown[2]["status"] == "error" and unknown[2]["error"]["code"] == "unknown_column"
    assert unknown[1]["x-decide-sql-exit-code"] == "4"  # an error in benign SQL, not a refusal
    assert empty[0] == 400 and empty[2]["error"]["code"] == "bad_input"
    assert truth(settings, "SELECT count(*) FROM orders")[0][0] > 0


def test_schema_and_health(settings: Settings) -> None:
    with running_server(settings) as (base, _):
        _, _, schema = call(base, "GET", "/api/schema")
        status, _, health = call(base, "GET", "/api/health")
    assert schema["status"] == "ok" and "orders" in [t["name"] for t in schema["tables"]]
    assert status == 200 and health["status"] == "ok" and health["model"]["loaded"] and health["model"]["kind"] == "scripted"
    assert health["database"]["reachable"] and health["database"]["tables"] == len(schema["tables"])
    assert {"python", "postgresql", "decide-sql", "guidance"} <= set(health["versions"])
    assert health["queue"] == {"running": 0, "waiting": 0, "limit": 8}


def test_token_is_required_on_every_api_request(settings: Settings) -> None:
    with running_server(settings, token=TOKEN) as (base, _):
        for method, path, body in [("GET", "/api/health", None), ("GET", "/api/schema", None), ("POST", "/api/ask", {"question": "x"}), ("POST", "/api/ask/stream", {"question": "x"}), ("POST", "/api/sql", {"sql": "SELECT 1"}), ("GET", "/api/openapi.json", None), ("GET", "/api/nothing", None)]:
            status, headers, err = call(base, method, path, body)
            assert status == 401 and err["error"]["code"] == "unauthorized" and headers["www-authenticate"] == "Bearer", path
            assert call(base, method, path, body, headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})[0] == 401
            assert call(base, method, path, body, headers={"Authorization": TOKEN})[0] == 401  # no scheme
        good = {"Authorization": "Bearer " + TOKEN}
        assert call(base, "GET", "/api/health", headers=good)[0] == 200
        assert call(base, "POST", "/api/sql", {"sql": "SELECT 1"}, headers=good)[2]["rows"] == [[1]]
        page = call(base, "GET", "/")  # the page holds no data; it asks for the token
        assert page[0] == 200 and TOKEN not in page[2] and "token-form" in page[2]


def test_binding_beyond_loopback_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="--token"):
        ServerConfig.load(host="0.0.0.0")
    with pytest.raises(ConfigError, match="at least 16"):
        ServerConfig.load(host="0.0.0.0", token="short")
    assert ServerConfig.load(host="0.0.0.0", token=TOKEN).token.get_secret_value() == TOKEN
    assert ServerConfig.load(host="::1").token is None
    with pytest.raises(ConfigError, match="no wildcard"):
        ServerConfig.load(cors_origin="*")


def test_body_and_question_limits(settings: Settings) -> None:
    with running_server(settings, max_body_bytes=40_000) as (base, _):
        too_big = call(base, "POST", "/api/ask", raw=json.dumps({"question": "x" * 50_000}).encode())
        long_question = call(base, "POST", "/api/ask", {"question": "how many " * 1200})
        not_json = call(base, "POST", "/api/ask", raw=b"{question: 1")
        extra = call(base, "POST", "/api/ask", {"question": "x", "sql": "DROP TABLE orders"})
        missing = call(base, "POST", "/api/sql", {})
    assert too_big[0] == 413 and too_big[2]["error"]["code"] == "body_too_large"
    assert long_question[0] == 400 and "the limit is 10,000" in long_question[2]["error"]["message"]
    assert not_json[0] == 400 and "not valid JSON" in not_json[2]["error"]["message"]
    assert extra[0] == 400 and "sql" in extra[2]["error"]["message"]
    assert missing[0] == 400 and missing[2]["status"] == "error"


def test_no_cors_unless_asked(settings: Settings) -> None:
    origin = {"Origin": "https://app.example.com"}
    with running_server(settings) as (base, _):
        _, headers, _ = call(base, "GET", "/api/health", headers=origin)
    assert "access-control-allow-origin" not in headers
    with running_server(settings, cors_origin="https://app.example.com") as (base, _):
        _, headers, _ = call(base, "GET", "/api/health", headers=origin)
        _, other, _ = call(base, "GET", "/api/health", headers={"Origin": "https://evil.example.com"})
    assert headers["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in other


def test_errors_are_json_objects_without_secrets(settings: Settings, demo_url: str) -> None:
    # trust authentication ignores the password, so a URL with one still connects: it must never come back
    secret = "pw-SECRET-4821"
    with_password = demo_url.replace("postgresql://postgres@", f"postgresql://postgres:{secret}@").replace("postgresql://postgres:@", f"postgresql://postgres:{secret}@")
    assert secret in with_password
    secret_settings = settings.model_copy(update={"database_url": with_password})
    bodies = []
    with running_server(secret_settings, token=TOKEN) as (base, _):
        good = {"Authorization": "Bearer " + TOKEN}
        for method, path, body in [("GET", "/api/health", None), ("GET", "/api/schema", None), ("POST", "/api/sql", {"sql": "SELECT 1/0"}), ("POST", "/api/sql", {"sql": "SELECT * FROM pg_authid"}), ("POST", "/api/ask/stream", {"question": "How many orders are there per status?"}), ("GET", "/nowhere", None), ("DELETE", "/api/ask", None), ("GET", "/", None), ("GET", "/static/app.js", None)]:
            status, headers, payload = call(base, method, path, body, headers=good)
            bodies.append(json.dumps(payload) + json.dumps(headers))
            if path == "/nowhere":
                assert status == 404 and payload["error"]["code"] == "not_found"
            if method == "DELETE":
                assert status == 405 and payload["status"] == "error"
            if path == "/api/sql":
                assert payload["status"] in ("error", "refused") and set(payload) == {"status", "error"}
    assert all(secret not in b and TOKEN not in b for b in bodies)
    assert all("Traceback" not in b for b in bodies)


def test_full_queue_is_a_503_and_a_waiting_request_sees_its_position(settings: Settings) -> None:
    gate = threading.Event()
    with running_server(settings, GROUPED_SCRIPT, queue_size=1) as (base, app):
        session = app.state.first
        original = session.ask

        def held(*args, **kwargs):  # the one model is busy until the test lets it go
            gate.wait(60)
            return original(*args, **kwargs)

        session.ask = held
        results: dict[str, object] = {}
        first = threading.Thread(target=lambda: results.update(first=call(base, "POST", "/api/ask", {"question": "How many orders are there per status?"})))
        first.start()
        _wait_for(lambda: app.state.ask_pool.running == 1)
        second = threading.Thread(target=lambda: results.update(second=call(base, "POST", "/api/ask/stream", {"question": "How many orders are there per status?"})))
        second.start()
        _wait_for(lambda: app.state.ask_pool.waiting == 1)
        full = call(base, "POST", "/api/ask", {"question": "How many orders are there per status?"})
        full_stream = call(base, "POST", "/api/ask/stream", {"question": "How many orders are there per status?"})
        gate.set()
        first.join(60)
        second.join(60)
    assert full[0] == 503 and full[2]["error"]["code"] == "queue_full" and "retry" in full[2]["error"]["message"]
    assert full[1]["retry-after"] == "5" and full_stream[0] == 503
    assert results["first"][2]["status"] == "ok"
    found = events(results["second"][2])
    assert found[0] == ("queued", {"position": 1, "waiting": 1}) and found[1][0] == "started"
    assert found[-1][0] == "answer" and found[-1][1]["status"] == "ok"


def test_ctrl_c_stops_cleanly_and_closes_every_connection(settings: Settings, admin_url: str, tmp_path: Path) -> None:
    dbname = urlsplit(settings.database_url).path.lstrip("/")
    script = tmp_path / "script.json"
    script.write_text(json.dumps(CONVERSATION_SCRIPT))
    before = backend_connections(admin_url, dbname)
    env = {**os.environ, "DECIDE_SQL_CACHE_DIR": str(tmp_path / "cache"), "DECIDE_SQL_DATA_DIR": str(tmp_path / "data")}
    port = _free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "decide-sql"), "serve", "--model", f"scripted:{script}", "--database-url", settings.database_url, "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
    )
    try:
        _wait_for(lambda: _health(port) or proc.poll() is not None, timeout=120)
        assert proc.poll() is None, proc.stderr.read()
        assert call(f"http://127.0.0.1:{port}", "POST", "/api/ask", {"question": "How many orders are there per status?"})[2]["status"] == "ok"
        during = backend_connections(admin_url, dbname)
        children = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert during >= before + 3  # session executor + probe + the /api/sql pool, opened at start-up
    assert backend_connections(admin_url, dbname) == before
    assert not [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert out == "" and "Traceback" not in err and "Application shutdown complete" in err


def _health(port: int) -> bool:
    try:
        return call(f"http://127.0.0.1:{port}", "GET", "/api/health", timeout=2)[0] == 200
    except OSError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(condition, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


# -- the real local model (few: slow) --------------------------------------------------
@pytest.fixture(scope="module")
def local_server(demo_url: str, tmp_path_factory: pytest.TempPathFactory):
    from engine.server import create_app, server_in_thread

    # default cache dir: the assembled model file is reused across runs
    settings = Settings(database_url=demo_url, data_dir=tmp_path_factory.mktemp("data"))
    app = create_app(ServerConfig(port=0), settings, model=PRODUCT_MODEL)
    with server_in_thread(app, timeout_s=900) as base:
        yield base, settings


@pytest.mark.model
def test_real_model_answers_through_the_api_and_resolves_a_follow_up(local_server) -> None:
    base, settings = local_server
    status, _, first = call(base, "POST", "/api/ask", {"question": "How many orders were cancelled?"}, timeout=600)
    assert status == 200 and first["status"] == "ok", first.get("error")
    assert first["rows"] == truth(settings, "SELECT count(*) FROM orders WHERE status = 'cancelled'")
    _, _, text = call(base, "POST", "/api/ask/stream", {"question": "and how many were returned?", "conversation_id": first["conversation_id"]}, timeout=600)
    found = events(text)
    assert [n for n, _ in found][:2] == ["started", "decision"] and found[1][1]["program"] == "resolve_follow_up"
    second = found[-1][1]
    assert second["decisions"][0]["output"]["follow_up"] is True, second["decisions"][0]
    assert "return" in second["question"].lower() and "order" in second["question"].lower()
    # answered exactly as the standalone question asked on its own (the SQL itself is the engine's, tested elsewhere)
    _, _, alone = call(base, "POST", "/api/ask", {"question": second["question"]}, timeout=600)
    assert second["status"] == alone["status"] == "ok" and (second["sql"], second["rows"]) == (alone["sql"], alone["rows"])
