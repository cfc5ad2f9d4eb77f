"""``decide-sql chat`` through a pseudo-terminal (pexpect): two questions and a follow-up, :sql and :quit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pexpect

from engine.database.executor import Executor
from engine.settings import Settings
from tests.server_helpers import FOLLOW_UP, GROUPED_SQL, copied

STORES_SQL = "SELECT COUNT(*) AS stores FROM stores"
CANCELLED_SQL = "SELECT COUNT(*) AS cancelled FROM orders WHERE status = 'cancelled'"


def value(settings: Settings, sql: str) -> int:
    with Executor(settings.database_url, settings) as ex:
        return ex.run(sql).rows[0][0]


def test_two_questions_and_a_follow_up(settings: Settings, tmp_path: Path) -> None:
    script = tmp_path / "script.json"
    # turn 1: no resolve (nothing earlier); turn 2: standalone; turn 3: a follow-up of turn 1
    script.write_text(json.dumps({"choose_flow": ["SELECT"], "plan_sql": [GROUPED_SQL, STORES_SQL, CANCELLED_SQL], "resolve_follow_up": [copied("How many stores are there?"), FOLLOW_UP]}))
    cli = str(Path(sys.executable).parent / "decide-sql")
    child = pexpect.spawn(cli, ["chat", "--model", f"scripted:{script}", "--database-url", settings.database_url], encoding="utf-8", timeout=120, dimensions=(50, 160), env={"TERM": "dumb", "PATH": "/usr/bin:/bin", "DECIDE_SQL_CACHE_DIR": str(tmp_path / "cache"), "DECIDE_SQL_DATA_DIR": str(tmp_path / "data")})
    try:
        child.expect_exact("? ")
        child.sendline("How many orders are there per status?")
        child.expect("delivered")  # the table
        child.expect(r"SQL:.*GROUP BY status")
        child.expect(r"ok · 6 rows · 2 LLM calls")  # the footer
        child.expect_exact("? ")

        child.sendline("How many stores are there?")
        child.expect(r"\b" + str(value(settings, STORES_SQL)) + r"\b")
        child.expect(r"ok · 1 rows · 3 LLM calls")  # resolve_follow_up copied it: not shown as understood
        before = child.before
        assert "understood as" not in before
        child.expect_exact("? ")

        child.sendline("and only the cancelled orders?")
        child.expect_exact("(understood as: How many orders are cancelled?)")
        child.expect(r"\b" + str(value(settings, CANCELLED_SQL)) + r"\b")
        child.expect_exact("? ")

        child.sendline(":sql")
        child.expect_exact("WHERE status = 'cancelled' LIMIT 500")
        child.expect_exact("? ")
        child.sendline(":quit")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
