"""`decide-sql eval` end to end: real PostgreSQL, the scripted backend for engine and baseline, exact summaries.

The command is registered on a Typer app of the test's own, as engine/cli/app.py does.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg2
import pytest
import typer
from typer.testing import CliRunner

from engine.evaluation.dumps import MARK, current_marker

DUMP = """
CREATE TABLE pets (pet_id integer PRIMARY KEY, name text NOT NULL, species text NOT NULL, age integer);
COMMENT ON TABLE pets IS 'Animals at the shelter';
INSERT INTO pets VALUES (1, 'Rex', 'dog', 3), (2, 'Tom', 'cat', 5), (3, 'Kit', 'cat', 1), (4, 'Fido', 'dog', 8);
"""
QUESTIONS = [
    {"id": "q1", "db": "shelter", "question": "How many pets are there?", "gold_sql": "SELECT count(*) FROM pets", "category": "count"},
    {"id": "q2", "db": "shelter", "question": "Name the cats.", "gold_sql": "SELECT name FROM pets WHERE species = 'cat'", "category": "filter"},
    {"id": "q3", "db": "shelter", "question": "Which pet is oldest?", "gold_sql": "SELECT {name, pet_id} FROM pets ORDER BY age DESC LIMIT 1", "category": "top"},
    {"id": "q4", "db": "shelter", "question": "Average age of the dogs?", "gold_sql": "SELECT avg(age) FROM pets WHERE species = 'dog'", "category": "count"},
]
SCRIPT = {
    "select_tables": ['{"tables": ["pets"]}'],
    "choose_flow": ["SELECT"],
    # q1 right; q2 wrong (dogs, not cats); q3 right with an extra column; q4 fails at run time (avg of text) ...
    "plan_sql": [
        "SELECT COUNT(*) FROM pets",
        "SELECT p.name FROM pets p WHERE p.species = 'dog'",
        "SELECT p.name, p.age FROM pets p ORDER BY p.age DESC LIMIT 1",
        "SELECT AVG(p.name) FROM pets p WHERE p.species = 'dog'",
    ],
    "repair_sql": ["SELECT AVG(p.age) FROM pets p WHERE p.species = 'dog'"],  # ... and the repair fixes it
    # baseline (plain text up to the closing fence): right; unknown column (runtime error); youngest, not oldest; right
    "plain_sql": [
        "SELECT count(*) FROM pets\n```",
        "SELECT name FROM pets WHERE kind = 'cat'\n```",
        "SELECT name FROM pets ORDER BY age LIMIT 1\n```",
        "SELECT avg(age) FROM pets WHERE species = 'dog'\n```",
    ],
}


@pytest.fixture()
def files(tmp_path: Path, pg_server) -> dict[str, Path]:
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    (dumps / "shelter.sql").write_text(DUMP)
    (dumps / "shelter.json").write_text(json.dumps({"table_metadata": {"pets": [{"column_name": "age", "data_type": "integer", "column_description": "age in years"}]}}))
    (tmp_path / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    (tmp_path / "script.json").write_text(json.dumps(SCRIPT))
    data = tmp_path / "data"
    data.mkdir()
    (data / "pgdata").symlink_to(pg_server.pgdata)  # the "embedded" server is the test server
    return {"dumps": dumps, "questions": tmp_path / "questions.jsonl", "script": tmp_path / "script.json", "data": data, "tmp": tmp_path}


def env_for(files: dict[str, Path]) -> dict[str, str]:
    return {"DECIDE_SQL_DATA_DIR": str(files["data"]), "DECIDE_SQL_CACHE_DIR": str(files["tmp"] / "cache"), "DATABASE_URL": ""}


def test_engine_and_baseline_summary_is_exact(app: typer.Typer, files: dict[str, Path], admin_url: str) -> None:
    out = files["tmp"] / "results.jsonl"
    args = ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--model", f"scripted:{files['script']}", "--baseline", "--output", str(out)]
    result = CliRunner().invoke(app, args, env=env_for(files))
    assert result.exit_code == 0, result.stdout + result.stderr
    payload = json.loads(result.stdout)  # stdout is exactly one JSON document
    assert (payload["status"], payload["questions"], payload["systems"]) == ("ok", 4, ["engine", "baseline"])
    assert current_marker(admin_url, "shelter").startswith(MARK)

    engine, baseline = payload["summary"]["engine"], payload["summary"]["baseline"]
    assert (engine["questions"], engine["correct"], engine["ex"]) == (4, 3, 0.75)
    assert engine["ex_by_category"] == {"count": 1.0, "filter": 0.0, "top": 1.0}
    assert engine["ex_by_db"] == {"shelter": 0.75}
    assert (engine["validated_first_time"], engine["repairs_tried"], engine["repair_success"]) == (1.0, 1, 1.0)
    assert (engine["ok"], engine["refused"], engine["clarify"], engine["errors"]) == (4, 0, 0, 0)
    assert (engine["executed_unvalidated"], engine["undefined_name_runtime_errors"], engine["gold_errors"]) == (0, 0, 0)
    assert (engine["doubted"], engine["doubted_correct"], baseline["doubted"]) == (0, None, None)
    assert engine["llm_calls_per_question"] == 2.25  # flow and plan each (the small schema skips selection), plus one repair
    assert (baseline["correct"], baseline["ex"], baseline["errors"]) == (2, 0.5, 1)
    assert (baseline["undefined_name_runtime_errors"], baseline["executed_unvalidated"], baseline["validated_first_time"]) == (1, 1, None)
    assert baseline["llm_calls_per_question"] == 1.0 and baseline["ex_by_category"] == {"count": 1.0, "filter": 0.0, "top": 0.0}
    assert payload["summary"]["peak_rss_mb"] > 0
    shown = [line for line in result.stderr.splitlines() if line.startswith("eval ")]  # not a terminal: one line per answer
    assert len(shown) == 8 and shown[0].startswith("eval 1/4 engine shelter q1: ok, right | engine 1/1 (100%) | ")
    assert shown[3].startswith("eval 2/4 baseline shelter q2: error, sql_error | engine 1/2 (50%)  baseline 1/2 (50%) | ")
    assert "| engine 3/4 (75%)  baseline 2/4 (50%) |" in shown[-1]

    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"], r["system"], r["correct"]) for r in lines] == [
        ("q1", "engine", True), ("q1", "baseline", True), ("q2", "engine", False), ("q2", "baseline", False),
        ("q3", "engine", True), ("q3", "baseline", False), ("q4", "engine", True), ("q4", "baseline", True),
    ]
    q4 = lines[6]
    assert (q4["attempts"], q4["validated_first_time"], q4["repair_tried"], q4["repaired"], q4["flow"]) == (2, True, True, True, "direct")
    assert "AVG(p.age)" in q4["sql"] and q4["llm_calls"] == 3 and q4["tokens_out"] > 0
    q2_baseline = lines[3]
    assert (q2_baseline["status"], q2_baseline["error_code"], q2_baseline["undefined_name_errors"]) == ("error", "sql_error", 1)
    assert "kind" in q2_baseline["error"]


def test_baseline_only_runs_no_engine_decision(app: typer.Typer, files: dict[str, Path]) -> None:
    script = files["tmp"] / "baseline_only.json"
    script.write_text(json.dumps({"plain_sql": SCRIPT["plain_sql"]}))  # an engine decision would find its script empty and fail
    out = files["tmp"] / "baseline.jsonl"
    args = ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--model", f"scripted:{script}", "--baseline-only", "--output", str(out)]
    result = CliRunner().invoke(app, args, env=env_for(files))
    assert result.exit_code == 0, result.stdout + result.stderr
    payload = json.loads(result.stdout)
    assert payload["systems"] == ["baseline"] and "engine" not in payload["summary"]
    assert (payload["summary"]["baseline"]["correct"], payload["summary"]["baseline"]["errors"]) == (2, 1)
    assert [(r["id"], r["system"], r["correct"]) for r in map(json.loads, out.read_text().splitlines())] == [
        ("q1", "baseline", True), ("q2", "baseline", False), ("q3", "baseline", False), ("q4", "baseline", True),
    ]


def test_database_url_template_filters_and_table_format(app: typer.Typer, files: dict[str, Path], make_db, pg_server) -> None:
    make_db(DUMP, name="kennel")
    other = [{**q, "id": "k" + q["id"], "db": "kennel"} for q in QUESTIONS[:2]]
    questions = files["tmp"] / "two_dbs.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS + other))
    template = pg_server.get_uri("DBNAME").replace("DBNAME", "{db}")
    script = files["tmp"] / "right.json"
    script.write_text(json.dumps({**SCRIPT, "plan_sql": ["SELECT COUNT(*) FROM pets"]}))
    args = ["eval", str(questions), "--database-url", template, "--only-db", "kennel", "--limit", "1", "--model", f"scripted:{script}"]
    result = CliRunner().invoke(app, args, env=env_for(files))
    assert result.exit_code == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout)["summary"]
    assert "baseline" not in summary and summary["engine"]["ex_by_db"] == {"kennel": 1.0} and summary["engine"]["questions"] == 1

    result = CliRunner().invoke(app, [*args, "--format", "table", "--workers", "3"], env=env_for(files))
    assert result.exit_code == 0, result.stderr
    assert "EX db kennel" in result.stdout and "passed validation first time" in result.stdout
    assert "--workers 3 ignored" in result.stderr  # the scripted model runs in-process


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        ([], "exactly one of --database-url"),
        (["--database-url", "postgresql://u@h/fixed"], "must contain {db}"),
        (["--dumps", "/nonexistent-dir"], "not a directory"),
    ],
)
def test_bad_invocations_are_one_line_json_errors(app: typer.Typer, files: dict[str, Path], extra: list[str], fragment: str) -> None:
    result = CliRunner().invoke(app, ["eval", str(files["questions"]), *extra, "--model", f"scripted:{files['script']}"], env=env_for(files))
    assert result.exit_code == 2
    error = json.loads(result.stdout)
    assert error["status"] == "error" and error["error"]["code"] == "bad_input" and fragment in error["error"]["message"]


def test_malformed_question_file_names_the_line(app: typer.Typer, files: dict[str, Path]) -> None:
    files["questions"].write_text(json.dumps(QUESTIONS[0]) + "\n{broken\n")
    result = CliRunner().invoke(app, ["eval", str(files["questions"]), "--dumps", str(files["dumps"])], env=env_for(files))
    assert result.exit_code == 2 and "questions.jsonl:2: not a question line" in json.loads(result.stdout)["error"]["message"]


def test_gold_that_does_not_run_is_reported_not_scored(app: typer.Typer, files: dict[str, Path], admin_url: str) -> None:
    files["questions"].write_text(json.dumps({**QUESTIONS[0], "gold_sql": "SELECT count(*) FROM no_such_table"}) + "\n")
    out = files["tmp"] / "r.jsonl"
    args = ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--model", f"scripted:{files['script']}", "-o", str(out)]
    result = CliRunner().invoke(app, args, env=env_for(files))
    assert result.exit_code == 0, result.stderr
    engine = json.loads(result.stdout)["summary"]["engine"]
    assert (engine["correct"], engine["gold_errors"]) == (0, 1)
    line = json.loads(out.read_text())
    assert line["correct"] is False and "no_such_table" in line["gold_error"]
    conn = psycopg2.connect(admin_url)
    with conn.cursor() as cur:  # the dump was not reloaded by the second test run in this session
        cur.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'shelter%'")
        assert cur.fetchone()[0] == 1
    conn.close()


@pytest.mark.parametrize(
    ("grammar", "reply"),
    [
        (True, "SELECT name FROM pets WHERE age > 4;\n```"),  # grammar backends: the turn starts inside ```sql
        (False, "Sure, here it is:\n```sql\nSELECT name FROM pets WHERE age > 4;\n```\nIt lists old pets."),  # OpenAI-style reply
    ],
)
def test_baseline_program_extracts_sql_on_both_backend_kinds(make_db, tmp_path: Path, grammar: bool, reply: str) -> None:
    from engine.models.scripted import scripted_model
    from engine.session import Session
    from engine.settings import Settings
    from programs.plain_sql import plain_sql

    url = make_db(DUMP)
    model = scripted_model({"plain_sql": [reply]}, grammar=grammar)
    with Session(settings=Settings(database_url=url, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data"), model=model) as session:
        plan = plain_sql(session.model, session.schema, "Which pets are older than 4?")
    assert plan.sql == "SELECT name FROM pets WHERE age > 4"
    assert "Decision: plain_sql" in plan.prompt and "CREATE TABLE pets" in plan.prompt
    assert plan.usage.input_tokens > 0 and plan.usage.output_tokens > 0


def test_summary_figures_from_result_lines() -> None:
    from engine.evaluation.report import summarize, summary_table
    from engine.evaluation.runner import QuestionResult

    def r(i: int, **kw: object) -> QuestionResult:
        return QuestionResult.model_validate({"id": str(i), "db": "d", "category": None, "system": "engine", "status": "ok", **kw})

    results = [r(i, ms=float(i * 100), correct=i % 2 == 0, tokens_out=3, tokens_forced=1, llm_calls=3) for i in range(1, 11)]
    results += [r(11, status="clarify", ms=5000.0, llm_calls=2), r(12, status="refused", ms=50.0, llm_calls=2)]
    for i in (1, 2, 3):  # answers that carry doubts: one of them right
        results[i - 1].doubted = True
    engine = summarize(results)["engine"]
    assert (engine["questions"], engine["correct"], engine["ex"]) == (12, 5, 0.4167)
    assert (engine["latency_ms_median"], engine["latency_ms_p90"]) == (550.0, 1000.0)  # nearest rank: 11th of 12
    assert engine["forced_token_share"] == 0.25 and engine["llm_calls_per_question"] == 2.83
    assert (engine["validated_first_time"], engine["repair_success"], engine["clarify"], engine["refused"]) == (None, None, 1, 1)
    assert engine["ex_by_category"] == {"-": 0.4167}
    assert (engine["doubted"], engine["doubted_correct"]) == (3, 0.3333)
    table = summary_table(summarize(results))
    assert table["columns"] == ["metric", "engine"] and ["EX", 0.4167] in table["rows"]


def test_a_bug_on_one_question_is_reported_and_the_run_goes_on() -> None:
    from engine.evaluation.questions import EvalQuestion
    from engine.evaluation.runner import Gold, _contained, score_baseline

    def broken(session: object, q: EvalQuestion, gold: Gold) -> object:
        raise ValueError("boom\nsecond line")

    q = EvalQuestion(id="q9", db="shelter", question="?", gold_sql="SELECT 1")
    failed = _contained("baseline", score_baseline, None, q, Gold())  # type: ignore[arg-type]  # no session: AttributeError
    assert (failed.system, failed.status, failed.error_code) == ("baseline", "error", "internal_error")
    r = _contained("engine", broken, None, q, Gold())  # type: ignore[arg-type]
    assert (r.id, r.system, r.status, r.error_code) == ("q9", "engine", "error", "internal_error")
    assert r.error == "ValueError: boom second line"
