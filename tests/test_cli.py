"""The CLI end to end: JSON shape, formats, exit codes; in-process (CliRunner) and as a real subprocess."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app
from engine.errors import ExitCode

SCRIPT = {
    "select_tables": ['{"tables": ["orders"]}'],
    "choose_flow": ["SELECT"],
    "plan_sql": ["SELECT o.status, COUNT(*) AS n FROM orders o GROUP BY o.status ORDER BY o.status"],
}


@pytest.fixture()
def env(demo_url: str, tmp_path: Path) -> dict[str, str]:
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT))
    return {"DATABASE_URL": demo_url, "DECIDE_SQL_MODEL": f"scripted:{script}", "DECIDE_SQL_CACHE_DIR": str(tmp_path / "cache"), "DECIDE_SQL_DATA_DIR": str(tmp_path / "data")}


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout


def test_ask_json(env: dict[str, str]) -> None:
    code, out = run(env, "ask", "How many orders per status?")
    answer = json.loads(out)
    assert code == 0 and answer["status"] == "ok" and answer["flow"] == "direct"
    assert [c["name"] for c in answer["columns"]] == ["status", "n"]
    assert sum(r[1] for r in answer["rows"]) == 30_000 or answer["row_count"] == len(answer["rows"])
    for key in ("question", "tables", "sql", "explanation", "attempts", "decisions", "usage", "timings", "model", "error", "truncated"):
        assert key in answer


def test_check_answerable_is_an_option_of_ask(env: dict[str, str], tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({**SCRIPT, "check_answerable": ['{"asks": ["fax"]}']}))
    env = {**env, "DECIDE_SQL_MODEL": f"scripted:{script}"}
    question = "How many orders per status, with each customer's fax number?"  # no table holds a fax number
    code, out = run(env, "ask", question, "--check-answerable")
    answer = json.loads(out)
    assert code == ExitCode.REFUSED and answer["error"]["code"] == "not_in_database" and "'fax'" in answer["refusal_reason"]
    code, out = run(env, "ask", question)  # off by default: answered
    assert code == 0 and json.loads(out)["status"] == "ok"
    code, out = run({**env, "DECIDE_SQL_CHECK_ANSWERABLE": "1"}, "ask", question, "--no-check-answerable")  # the option beats the environment
    assert code == 0 and json.loads(out)["status"] == "ok"


def test_ask_table_and_csv(env: dict[str, str]) -> None:
    code, out = run(env, "ask", "How many orders per status?", "--format", "table")
    assert code == 0 and "status" in out and "SQL:" in out and "LLM calls" in out
    code, out = run(env, "--format", "csv", "ask", "How many orders per status?")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == ["status", "n"] and len(rows) > 2


def test_ask_table_shows_the_doubts_of_an_answer(env: dict[str, str], tmp_path: Path) -> None:
    doubtful = "SELECT COUNT(*) FROM orders o WHERE o.channel = 'UPS'"  # 'UPS' is a carrier: counts 0
    script = tmp_path / "script.json"
    script.write_text(json.dumps({**SCRIPT, "plan_sql": [doubtful], "repair_sql": [doubtful]}))
    code, out = run(env, "ask", "How many orders went by UPS?", "--format", "table")
    assert code == 0 and "doubt: a value its column never holds: 'UPS' is stored in shipments.carrier, not in orders.channel" in out
    code, out = run(env, "ask", "How many orders went by UPS?")
    assert json.loads(out)["doubts"] == ["a value its column never holds: 'UPS' is stored in shipments.carrier, not in orders.channel"]


def test_ask_file_writes_json_lines(env: dict[str, str], tmp_path: Path) -> None:
    questions = tmp_path / "q.txt"
    questions.write_text("orders per status?\n\n  \nagain, orders per status?\n")
    code, out = run(env, "ask", "--file", str(questions))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [a["question"] for a in lines] == ["orders per status?", "again, orders per status?"]


@pytest.mark.parametrize(
    ("args", "code", "error"),
    [
        (["ask", ""], ExitCode.BAD_INPUT, "bad_input"),
        (["ask", "q", "--model", "gpt-9"], ExitCode.BAD_INPUT, "bad_model_spec"),
        (["ask", "q", "--database-url", "mysql://x@y/z"], ExitCode.BAD_INPUT, "bad_config"),
        (["ask", "q", "--database-url", "postgresql://u:s3cret@127.0.0.1:1/x"], ExitCode.DATABASE, "connection_failed"),
        (["ask", "--file", "/nonexistent/questions.txt"], ExitCode.BAD_INPUT, "bad_input"),
        (["ask", "q", "--model", "local:/nonexistent/model.gguf"], ExitCode.MODEL, "model_missing"),
        (["sql", "DROP TABLE orders"], ExitCode.REFUSED, "write_statement"),
        (["sql", "SELECT nope FROM orders"], ExitCode.DATABASE, "unknown_column"),  # an error in benign SQL, not a refusal
        (["sql", "SELEC 1"], ExitCode.DATABASE, "parse_error"),
    ],
)
def test_errors_are_json_with_exit_codes(env: dict[str, str], args: list[str], code: int, error: str) -> None:
    exit_code, out = run(env, *args)
    payload = json.loads(out)
    assert exit_code == code and payload["error"]["code"] == error, out
    assert "s3cret" not in out and "Traceback" not in out


def test_sql_command_and_drop_leaves_table(env: dict[str, str]) -> None:
    code, out = run(env, "sql", "SELECT count(*) AS n FROM orders")
    assert code == 0 and json.loads(out)["rows"] == [[30_000]] or json.loads(out)["rows"][0][0] > 0
    run(env, "sql", "DROP TABLE orders")
    code, out = run(env, "sql", "SELECT count(*) FROM orders")
    assert code == 0 and json.loads(out)["rows"][0][0] > 0


def test_schema_command(env: dict[str, str]) -> None:
    code, out = run(env, "schema")
    schema = json.loads(out)
    assert code == 0 and "orders" in {t["name"] for t in schema["tables"]}
    code, out = run(env, "schema", "--ddl")
    assert code == 0 and "CREATE TABLE orders (" in out


def test_subprocess_clean_stdout_and_no_traceback(env: dict[str, str]) -> None:
    full_env = {**os.environ, **env}
    ok = subprocess.run([sys.executable, "-m", "engine.cli", "ask", "How many orders per status?"], env=full_env, capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "ok", ok.stderr
    bad = subprocess.run([sys.executable, "-m", "engine.cli", "ask", "q", "--database-url", "postgresql://u:pw@127.0.0.1:1/x", "--format", "table"], env=full_env, capture_output=True, text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert bad.returncode == ExitCode.DATABASE and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and bad.stderr.startswith("error [connection_failed]") and "Traceback" not in bad.stderr
