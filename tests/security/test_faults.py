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

from engine.errors import ExitCode

ROOT = Path(__file__).resolve().parents[2]
SLOW = {"select_tables": ['{"tables": ["orders"]}'], "choose_flow": ["SELECT"], "plan_sql": ["SELECT count(*) FROM orders o, orders p, orders q"]}


def cli(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=120, cwd=ROOT, **kwargs)


@pytest.fixture()
def env(demo_url: str, tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SLOW))
    return {"DATABASE_URL": demo_url, "DECIDE_SQL_MODEL": f"scripted:{script}", "DECIDE_SQL_CACHE_DIR": str(tmp_path / "cache"), "DECIDE_SQL_DATA_DIR": str(tmp_path / "data")}


def one_error(result: subprocess.CompletedProcess, code: str, exit_code: int) -> None:
    assert result.returncode == exit_code, (result.returncode, result.stdout, result.stderr)
    payload = json.loads(result.stdout)
    assert payload["error"]["code"] == code and "\n" not in payload["error"]["message"]
    assert "Traceback" not in result.stderr


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


def test_ctrl_c_is_a_clean_interruption(env: dict[str, str], demo_url: str) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "engine.cli", "ask", "count a lot", "--max-attempts", "0"], env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    time.sleep(4)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode in (130, ExitCode.DATABASE), (proc.returncode, out, err)
    assert "Traceback" not in err
    payload = json.loads(out)
    assert payload["status"] == "error"
    conn = psycopg2.connect(demo_url)  # the query was cancelled: no session of ours is still running it
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'decide-sql' AND query LIKE '%orders o, orders p%' AND state = 'active'")
        assert cur.fetchone()[0] == 0
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
