"""`decide-sql eval` end to end: dumps loaded into real PostgreSQL, scripted engine and baseline, exact summary."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg2
import pytest
from typer.testing import CliRunner

from engine.cli import app
from engine.errors import BadInput
from engine.evaluation.dumps import MARK, ensure_dump

DUMP = """
CREATE TABLE pets (pet_id integer PRIMARY KEY, name text NOT NULL, species text NOT NULL, age integer);
COMMENT ON TABLE pets IS 'Animals at the shelter';
INSERT INTO pets VALUES (1, 'Rex', 'dog', 3), (2, 'Tom', 'cat', 5), (3, 'Kit', 'cat', 1), (4, 'Fido', 'dog', 8);
"""
QUESTIONS = [
    {"id": "q1", "db": "shelter", "question": "How many pets are there?", "gold_sql": "SELECT count(*) FROM pets", "category": "count"},
    {"id": "q2", "db": "shelter", "question": "Name the cats.", "gold_sql": "SELECT name FROM pets WHERE species = 'cat'", "category": "filter"},
    {"id": "q3", "db": "shelter", "question": "Oldest pet?", "gold_sql": "SELECT {name, pet_id} FROM pets ORDER BY age DESC LIMIT 1", "category": "top"},
]
SCRIPT = {
    "select_tables": ['{"tables": ["pets"]}'],
    "choose_flow": ["SELECT"],
    # right, wrong (dogs instead of cats), right with an extra column
    "plan_sql": ["SELECT COUNT(*) FROM pets", "SELECT p.name FROM pets p WHERE p.species = 'dog'", "SELECT p.name, p.age FROM pets p ORDER BY p.age DESC LIMIT 1"],
    # baseline (plain text, ends at the closing fence): right, invented column (runtime error), wrong
    "plain_sql": ["SELECT count(*) FROM pets\n```", "SELECT name FROM pets WHERE kind = 'cat'\n```", "SELECT name FROM pets ORDER BY age LIMIT 1\n```"],
}


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / "shelter.sql").write_text(DUMP)
    (dumps / "shelter.json").write_text(json.dumps({"table_metadata": {"pets": [{"column_name": "age", "data_type": "integer", "column_description": "age in years"}]}}))
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT))
    return {"dumps": dumps, "questions": questions, "script": script, "tmp": tmp_path}


def test_eval_summary_is_exact(files: dict[str, Path], pg_server, admin_url: str) -> None:
    env = {"DECIDE_SQL_DATA_DIR": str(pg_server.pgdata.parent), "DECIDE_SQL_CACHE_DIR": str(files["tmp"] / "cache")}
    out = files["tmp"] / "results.jsonl"
    result = CliRunner().invoke(app, ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--model", f"scripted:{files['script']}", "--baseline", "--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)["summary"]
    engine, baseline = summary["engine"], summary["baseline"]
    assert (engine["questions"], engine["correct"], engine["ex"]) == (3, 2, 0.6667)
    assert engine["ex_by_category"] == {"count": 1.0, "filter": 0.0, "top": 1.0}
    assert engine["validated_first_time"] == 1.0 and engine["executed_unvalidated"] == 0 and engine["llm_calls_per_question"] == 3.0
    assert (baseline["correct"], baseline["errors"], baseline["undefined_name_runtime_errors"]) == (1, 1, 1)
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["system"], r["correct"]) for r in lines] == [
        ("q1", "engine", True), ("q1", "baseline", True), ("q2", "engine", False), ("q2", "baseline", False), ("q3", "engine", True), ("q3", "baseline", False)
    ]


def test_dump_loads_once_and_reloads_when_changed(files: dict[str, Path], admin_url: str) -> None:
    url = ensure_dump(admin_url, files["dumps"], "shelter")
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'shelter'")
        first = cur.fetchone()[0]
        cur.execute("SELECT col_description('pets'::regclass, 4)")
        assert cur.fetchone()[0] == "age in years"
        cur.execute("INSERT INTO pets VALUES (99, 'Marker', 'fish', 1)")  # would vanish on a reload
    conn.commit()
    conn.close()
    assert first.startswith(MARK)
    ensure_dump(admin_url, files["dumps"], "shelter")  # unchanged dump: reused, the marker row survives
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pets WHERE pet_id = 99")
        assert cur.fetchone()[0] == 1
    conn.close()
    (files["dumps"] / "shelter.sql").write_text(DUMP + "INSERT INTO pets VALUES (5, 'Bo', 'dog', 2);\n")
    ensure_dump(admin_url, files["dumps"], "shelter")  # changed dump: reloaded
    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*), count(*) FILTER (WHERE pet_id = 99) FROM pets")
        assert cur.fetchone() == (5, 0)
    conn.close()


def test_malformed_dump_is_a_clear_error_and_leaves_nothing(files: dict[str, Path], admin_url: str) -> None:
    (files["dumps"] / "broken.sql").write_text("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\nINSERT INTO nope VALUES (2);\n")
    with pytest.raises(BadInput, match=r"broken.sql failed to load: .*nope"):
        ensure_dump(admin_url, files["dumps"], "broken")
    conn = psycopg2.connect(admin_url)
    with conn.cursor() as cur:
        cur.execute("SELECT datname FROM pg_database WHERE datname LIKE 'broken%'")
        assert cur.fetchall() == []
    conn.close()
