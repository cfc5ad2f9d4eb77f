"""No secret reaches any output channel: stdout JSON, stderr, traces, error messages.

A password-protected role is created on the test server and used in
DATABASE_URL, and a fake OPENAI_API_KEY is set; every command's stdout and
stderr are scanned for both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import pytest

PASSWORD = "Sup3r-Secret-pw"
API_KEY = "sk-test-DO-NOT-LEAK-0123456789"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def secret_url(demo_url: str) -> str:
    conn = psycopg2.connect(demo_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_roles WHERE rolname = 'leaky'")  # another module may have made it (and granted it tables)
        cur.execute(f"{'ALTER' if cur.fetchone() else 'CREATE'} ROLE leaky LOGIN PASSWORD '{PASSWORD}'")
        cur.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO leaky")
    conn.close()
    parts = urlsplit(demo_url)
    host = parts.netloc.split("@")[-1]
    return urlunsplit((parts.scheme, f"leaky:{PASSWORD}@{host}", parts.path, parts.query, ""))


def run(args: list[str], url: str, tmp_path: Path, script: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "OPENAI_API_KEY": API_KEY, "DECIDE_SQL_CACHE_DIR": str(tmp_path / "cache"), "DECIDE_SQL_DATA_DIR": str(tmp_path / "data")}
    if script is not None:
        path = tmp_path / "script.json"
        path.write_text(json.dumps(script))
        env["DECIDE_SQL_MODEL"] = f"scripted:{path}"
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)


def assert_clean(result: subprocess.CompletedProcess) -> None:
    for channel in (result.stdout, result.stderr):
        assert PASSWORD not in channel and API_KEY not in channel, channel[:500]
        assert "Traceback" not in channel


SCRIPT = {"select_tables": ['{"tables": ["orders"]}'], "choose_flow": ["SELECT"], "plan_sql": ["SELECT count(*) FROM orders"]}


def test_ok_answer_with_trace_has_no_secret(secret_url: str, tmp_path: Path) -> None:
    result = run(["ask", "how many orders?", "--trace"], secret_url, tmp_path, SCRIPT)
    assert result.returncode == 0 and json.loads(result.stdout)["status"] == "ok", result.stdout + result.stderr
    assert_clean(result)


@pytest.mark.parametrize(
    "url_change",
    [
        lambda u: u.replace(f":{PASSWORD}@", ":wrong-" + PASSWORD + "@"),  # wrong password containing the secret
        lambda u: u.replace("/demo_test?", "/no_such_db?"),
        lambda u: u.replace("?host=", "?connect_timeout=1&hostx="),
    ],
)
def test_connection_errors_have_no_secret(secret_url: str, tmp_path: Path, url_change) -> None:
    for args in (["ask", "x"], ["sql", "SELECT 1"], ["schema"], ["db", "url"]):
        result = run(args, url_change(secret_url), tmp_path, SCRIPT)
        assert_clean(result)


def test_sql_errors_and_refusals_have_no_secret(secret_url: str, tmp_path: Path) -> None:
    for statement in ["SELECT 1/0", "DROP TABLE orders", f"SELECT '{PASSWORD}' = 'x'"]:
        result = run(["sql", statement, "--format", "table"], secret_url, tmp_path)
        assert PASSWORD not in result.stderr and API_KEY not in result.stderr


def test_db_url_masks_password(secret_url: str, tmp_path: Path) -> None:
    result = run(["db", "url"], secret_url, tmp_path)
    assert result.returncode == 0 and "leaky:***@" in result.stdout
    assert_clean(result)


def test_openai_backend_errors_have_no_key(secret_url: str, tmp_path: Path) -> None:
    result = run(["ask", "x", "--model", "openai:gpt-4o-mini@http://127.0.0.1:9/v1"], secret_url, tmp_path)
    assert result.returncode != 0
    assert_clean(result)
