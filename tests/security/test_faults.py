"""Faults: every one ends with a clear error object, a non-zero exit, no traceback, nothing leaked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
import pytest

from engine.errors import DatabaseError, ExitCode
from tests.security.fake_openai_server import FakeOpenAIServer

ROOT = Path(__file__).resolve().parents[2]
SLOW = {"select_tables": ['{"tables": ["orders"]}'], "choose_flow": ["SELECT"], "plan_sql": ["SELECT count(*) FROM orders o1 CROSS JOIN orders o2 CROSS JOIN orders o3"]}


def cli(args: list[str], env: dict[str, str], *, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kwargs)


@pytest.fixture()
def env(demo_url: str, tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SLOW))
    return {"DATABASE_URL": demo_url, "DECIDE_SQL_MODEL": f"scripted:{script}", "DECIDE_SQL_CACHE_DIR": str(tmp_path / "cache"), "DECIDE_SQL_DATA_DIR": str(tmp_path / "data")}


def one_error(result: subprocess.CompletedProcess, code: str, exit_code: int) -> dict:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    payload = json.loads(result.stdout)
    assert payload["error"]["code"] == code and "\n" not in payload["error"]["message"], payload["error"]
    assert "Traceback" not in result.stderr
    return payload


def no_temp_files(tmpdir: Path, cache_dir: Path) -> None:
    """Nothing left in TMPDIR, and no half-written schema cache file (``.schema-*.tmp``) in the cache directory."""
    assert sorted(p.name for p in tmpdir.iterdir()) == []
    if cache_dir.exists():
        assert [p.name for p in cache_dir.rglob("*.tmp")] == []


def test_statement_timeout_after_repairs(env: dict[str, str]) -> None:
    result = cli(["ask", "count a lot", "--max-attempts", "0"], {**env, "DECIDE_SQL_STATEMENT_TIMEOUT_MS": "100"})
    one_error(result, "statement_timeout", ExitCode.DATABASE)


def test_database_down_at_start(env: dict[str, str]) -> None:
    result = cli(["ask", "x"], {**env, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"})
    one_error(result, "connection_failed", ExitCode.DATABASE)


def test_lock_held_by_another_session(env: dict[str, str], demo_url: str) -> None:
    holder = psycopg2.connect(demo_url)
    try:
        with holder.cursor() as cur:
            cur.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        result = cli(["sql", "SELECT count(*) FROM orders"], {**env, "DECIDE_SQL_LOCK_TIMEOUT_MS": "200"})
        one_error(result, "lock_timeout", ExitCode.DATABASE)
    finally:
        holder.rollback()
        holder.close()


def test_missing_and_corrupt_model_files(env: dict[str, str], tmp_path: Path) -> None:
    one_error(cli(["ask", "x", "--model", f"local:{tmp_path}/missing.gguf"], env), "model_missing", ExitCode.MODEL)
    corrupt = tmp_path / "corrupt.gguf"
    corrupt.write_bytes(b"GGUF" + os.urandom(4096))
    one_error(cli(["ask", "x", "--model", f"local:{corrupt}"], env), "model_unavailable", ExitCode.MODEL)


def test_model_server_unreachable(env: dict[str, str]) -> None:
    result = cli(["ask", "x", "--model", "openai:some-model@http://127.0.0.1:9/v1"], {**env, "OPENAI_API_KEY": "sk-x"})
    assert result.returncode == ExitCode.MODEL and json.loads(result.stdout)["status"] == "error"
    assert "Traceback" not in result.stderr


def test_missing_api_key(env: dict[str, str]) -> None:
    without_key = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    result = subprocess.run([sys.executable, "-m", "engine.cli", "ask", "x", "--model", "openai:gpt-4o-mini"], env={**without_key, **env}, capture_output=True, text=True, timeout=60, cwd=ROOT)
    one_error(result, "missing_api_key", ExitCode.MODEL)


def running_slow_queries(conn: psycopg2.extensions.connection, busy_s: float = 0.0) -> int:
    """Sessions of decide-sql busy on a query for more than ``busy_s`` (queries run through a server-side cursor: the text is the FETCH)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'decide-sql' AND query LIKE 'FETCH %%decide_sql_result%%' "
            "AND state = 'active' AND clock_timestamp() - query_start > make_interval(secs => %s)",
            (busy_s,),
        )
        return cur.fetchone()[0]


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def test_ctrl_c_is_a_clean_interruption(env: dict[str, str], demo_url: str) -> None:
    conn = psycopg2.connect(demo_url)
    conn.autocommit = True
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "ask", "count a lot", "--max-attempts", "0"], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        # busy for over a second: the cross join, not one of the quick value probes
        assert wait_for(lambda: running_slow_queries(conn, busy_s=1.0) == 1, 12), "the slow query never started"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode in (130, ExitCode.DATABASE), (proc.returncode, out, err)
        assert "Traceback" not in err
        payload = json.loads(out)
        assert payload["status"] == "error" and "\n" not in payload["error"]["message"]
        # the query was cancelled on the server: no session of ours is still running it
        assert wait_for(lambda: running_slow_queries(conn) == 0, 5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        conn.close()


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["ask", "   "], "bad_input"),
        (["ask", "x" * 100_000], "bad_input"),
        (["ask", "q", "--model", "nonsense"], "bad_model_spec"),
        (["ask", "q", "--database-url", "not a url"], "bad_config"),
        (["ask", "q", "--max-rows", "0"], None),
    ],
)
def test_bad_input_is_one_line(env: dict[str, str], args: list[str], code: str | None) -> None:
    result = cli(args, env)
    assert result.returncode == ExitCode.BAD_INPUT and "Traceback" not in result.stderr
    if code:
        assert json.loads(result.stdout)["error"]["code"] == code


def test_invalid_format_and_unreadable_file(env: dict[str, str], tmp_path: Path) -> None:
    result = cli(["ask", "q", "--format", "xml"], env)
    assert result.returncode == ExitCode.BAD_INPUT and "Traceback" not in result.stderr
    binary = tmp_path / "q.bin"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    result = cli(["ask", "--file", str(binary)], env)
    assert result.returncode == ExitCode.BAD_INPUT and json.loads(result.stdout)["error"]["code"] == "bad_input"


# -- resources: SQLSTATE class 53 ------------------------------------------------------------------
# temp_file_limit 53400 is provoked for real: a database whose sessions may write at most 256 kB of temp
# files and sort in 64 kB, and a query whose function scan and sort over 2M rows must spill far more.
SPILL = "SELECT g FROM generate_series(1, 2000000) g ORDER BY random()"


@pytest.fixture(scope="module")
def tiny_temp_url(make_db) -> str:
    name = "faults_temp_limit"
    return make_db(f"CREATE TABLE t (id int); ALTER DATABASE {name} SET temp_file_limit = '256kB'; ALTER DATABASE {name} SET work_mem = '64kB'", name=name)


def test_temp_file_limit_is_resources_exhausted_and_executor_recovers(tiny_temp_url: str) -> None:
    from engine.database.executor import Executor
    from engine.settings import Settings

    with Executor(tiny_temp_url, Settings(database_url=tiny_temp_url)) as ex:
        assert ex.run("SELECT count(*) FROM generate_series(1, 1000) g").rows == [[1000]]  # small: no spill
        with pytest.raises(DatabaseError) as caught:
            ex.run(SPILL + " LIMIT 5")
        err = caught.value
        assert err.code == "resources_exhausted" and err.exit_code == ExitCode.DATABASE
        assert "\n" not in err.message and "53400" in err.message and "temp_file_limit" in err.message
        conn = ex.connection()
        assert ex.run("SELECT 41 + 1 AS answer").rows == [[42]]  # same session, still usable
        assert ex.connection() is conn and conn.status == psycopg2.extensions.STATUS_READY


@pytest.fixture
def tmpdir_empty(tmp_path: Path) -> Path:
    """An empty directory to pass as TMPDIR: it must still be empty after a fault."""
    path = tmp_path / "tmp"
    path.mkdir()
    return path


def test_temp_file_limit_through_the_cli(env: dict[str, str], tiny_temp_url: str, tmpdir_empty: Path) -> None:
    result = cli(["sql", SPILL], {**env, "DATABASE_URL": tiny_temp_url, "TMPDIR": str(tmpdir_empty)})
    payload = one_error(result, "resources_exhausted", ExitCode.DATABASE)
    assert payload["status"] == "error" and "temp_file_limit" in payload["error"]["message"]
    no_temp_files(tmpdir_empty, Path(env["DECIDE_SQL_CACHE_DIR"]))
    result = cli(["sql", "SELECT count(*) FROM generate_series(1, 1000) g"], {**env, "DATABASE_URL": tiny_temp_url})
    assert result.returncode == ExitCode.OK and json.loads(result.stdout)["rows"] == [[1000]], result.stdout


# -- model server faults (a fake OpenAI-compatible server on 127.0.0.1; nothing real is called) --------
def ask_fake_model(server: FakeOpenAIServer, env: dict[str, str], tmpdir: Path, *, timeout_s: str = "5", retries: str = "0") -> subprocess.CompletedProcess:
    """``decide-sql ask`` against the fake server, with the model timeout and retries given and TMPDIR=tmpdir."""
    model_env = {**env, "OPENAI_API_KEY": "", "OPENAI_BASE_URL": "", "DECIDE_SQL_MODEL_TIMEOUT_S": timeout_s, "DECIDE_SQL_MODEL_RETRIES": retries, "TMPDIR": str(tmpdir)}
    return cli(["ask", "how many orders are there?", "--model", f"openai:fake@{server.url}"], model_env, timeout=60)


def test_openai_backend_gets_timeout_and_retries() -> None:
    """guidance.models.OpenAI hands extra kwargs to openai.OpenAI: the settings reach the HTTP client."""
    from engine.models.backends import load_model
    from engine.settings import Settings

    handle = load_model("openai:fake@http://127.0.0.1:9/v1", Settings(model_timeout_s=1.5, model_retries=0))
    client = handle.lm._interpreter.client.client
    assert (client.timeout, client.max_retries, str(client.base_url)) == (1.5, 0, "http://127.0.0.1:9/v1/")
    handle = load_model("openai:fake@http://127.0.0.1:9/v1", Settings(model_timeout_s=7, model_retries=3))
    assert (handle.lm._interpreter.client.client.timeout, handle.lm._interpreter.client.client.max_retries) == (7, 3)


# what each garbage answer must be reported as (a 500 may fairly be called either)
GARBAGE = {
    "text": {"model_output_invalid"},
    "not_completion": {"model_output_invalid"},
    "bad_sse": {"model_output_invalid"},
    "wrong_chunks": {"model_output_invalid"},
    "not_json_answer": {"model_output_invalid"},
    "http_500": {"model_output_invalid", "model_unavailable"},
}


@pytest.mark.parametrize("mode", sorted(GARBAGE))
def test_model_server_returns_garbage(env: dict[str, str], tmpdir_empty: Path, mode: str) -> None:
    with FakeOpenAIServer(mode) as server:
        result = ask_fake_model(server, env, tmpdir_empty)
    assert result.returncode == ExitCode.MODEL, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and len(result.stdout.splitlines()) == 1
    payload = json.loads(result.stdout)
    assert payload["status"] == "error" and payload["error"]["code"] in GARBAGE[mode], payload["error"]
    assert "\n" not in payload["error"]["message"] and "decision" in payload["error"]["message"]
    assert payload["sql"] is None and payload["rows"] == [] and payload["attempts"] == []  # nothing reached the database
    assert server.requests == 1 and server.paths == ["/v1/chat/completions"]  # DECIDE_SQL_MODEL_RETRIES=0: no retry
    no_temp_files(tmpdir_empty, Path(env["DECIDE_SQL_CACHE_DIR"]))


def test_model_server_never_answers(env: dict[str, str], tmpdir_empty: Path) -> None:
    with FakeOpenAIServer("hang") as server:
        # the openai client's defaults (600 s, 2 retries) would hang here for half an hour: the 60 s cap fails the test
        result = ask_fake_model(server, env, tmpdir_empty, timeout_s="1")
        requests = server.requests
    payload = one_error(result, "model_timeout", ExitCode.MODEL)
    assert payload["status"] == "error" and payload["sql"] is None and not any(d["llm_call"] for d in payload["decisions"])
    assert requests == 1  # DECIDE_SQL_MODEL_RETRIES=0 reached the client
    no_temp_files(tmpdir_empty, Path(env["DECIDE_SQL_CACHE_DIR"]))


def test_model_retries_setting_reaches_the_client(env: dict[str, str], tmpdir_empty: Path) -> None:
    with FakeOpenAIServer("http_500") as server:
        result = ask_fake_model(server, env, tmpdir_empty, retries="1")
    assert result.returncode == ExitCode.MODEL and "Traceback" not in result.stderr, (result.stdout, result.stderr)
    assert server.requests == 2  # one request + one retry


# -- NUL and binary bytes in questions -------------------------------------------------------------
# ``--file -`` reads stdin. A question
# with a NUL is UTF-8 and fails on its own, as one JSON line; input that is not UTF-8 is refused whole.
@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"how many orders\x00 are there?\n", 1),
        (b"\x00\x00\x00\n\x00count\x00 the\x00 orders\n\n", 2),
        (b"how many \xff\xfe orders\n\x89PNG\r\n\x1a\n\x00", 0),
    ],
    ids=["nul_in_question", "nul_lines", "not_utf8"],
)
def test_nul_and_binary_questions(env: dict[str, str], tmp_path: Path, source: str, data: bytes, lines: int) -> None:
    if source == "file":
        path = tmp_path / "questions.txt"
        path.write_bytes(data)
        args, stdin = ["--file", str(path)], None
    else:
        args, stdin = ["--file", "-"], data
    result = subprocess.run([sys.executable, "-m", "engine.cli", "ask", *args], env={**os.environ, **env}, input=stdin, capture_output=True, timeout=120, cwd=ROOT)
    stdout, stderr = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == ExitCode.BAD_INPUT, (result.returncode, stdout, stderr)
    assert "Traceback" not in stderr and "\x00" not in stdout
    payloads = [json.loads(line) for line in stdout.splitlines()]
    assert len(payloads) == max(lines, 1), payloads
    for payload in payloads:
        assert payload["status"] == "error" and payload["error"]["code"] == "bad_input" and "\n" not in payload["error"]["message"]
        if lines:  # one JSON line per question, each refused before any decision
            assert "NUL" in payload["error"]["message"] and payload["decisions"] == [] and "\x00" in payload["question"]
        else:  # one error object for the whole input
            assert "UTF-8" in payload["error"]["message"] and set(payload) == {"status", "error"}
