"""``decide-sql eval`` per database, ``--rewrites`` and ``--ablate``: real PostgreSQL, the scripted backend.

Two fixture databases of the same shape (shelter, kennel) written by the test.
The scripted plans hold two slips the rewrites fix: a literal in the wrong
case ('Cat' for the stored 'cat': grounding) and ``ORDER BY age DESC LIMIT 1``
over a NULL age (nulls_last). On kennel, one gold query asks for PostgreSQL's
NULLS-first order itself, so there nulls_last turns a right answer wrong.
The table comment holds the questions' words, so the answerability check finds
them in the schema without asking the model.
"""

from __future__ import annotations

from engine.rewrites.pipeline import STEP_NAMES

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from engine.evaluation.ablation import StepFigures, verdict

DUMP = """
CREATE TABLE pets (pet_id integer PRIMARY KEY, name text NOT NULL, species text NOT NULL, age integer);
COMMENT ON TABLE pets IS 'Shelter animals, felines and canines: which comes first, the oldest or the youngest';
INSERT INTO pets VALUES (1, 'Rex', 'dog', 3), (2, 'Tom', 'cat', 5), (3, 'Kit', 'cat', 1), (4, 'Fido', 'dog', 8), (5, 'Ghost', 'dog', NULL);
"""
OLDEST = "SELECT name FROM pets WHERE age IS NOT NULL ORDER BY age DESC LIMIT 1"
QUESTIONS = [
    {"id": "s1", "db": "shelter", "question": "How many pets are there?", "gold_sql": "SELECT count(*) FROM pets"},
    {"id": "s2", "db": "shelter", "question": "List the felines.", "gold_sql": "SELECT name FROM pets WHERE species = 'cat'"},
    {"id": "s3", "db": "shelter", "question": "Which pet is oldest?", "gold_sql": OLDEST},
    {"id": "k1", "db": "kennel", "question": "List the felines.", "gold_sql": "SELECT name FROM pets WHERE species = 'cat'"},
    {"id": "k2", "db": "kennel", "question": "Which pet comes first by age, descending?", "gold_sql": "SELECT name FROM pets ORDER BY age DESC LIMIT 1"},
]
FELINES = "SELECT p.name FROM pets p WHERE p.species = 'Cat'"
BY_AGE = "SELECT p.name FROM pets p ORDER BY p.age DESC LIMIT 1"
SCRIPT = {
    "select_tables": ['{"tables": ["pets"]}'],
    "choose_flow": ["SELECT"],
    "plan_sql": ["SELECT COUNT(*) FROM pets", FELINES, BY_AGE, FELINES, BY_AGE],
    "repair_sql": [FELINES],  # an empty result asks for a repair: the same SQL again, so the first answer stands
    # baseline: right, right, wrong (the NULL age first), unknown column (a non-answer), right
    "plain_sql": [
        "SELECT count(*) FROM pets\n```",
        "SELECT name FROM pets WHERE species = 'cat'\n```",
        "SELECT name FROM pets ORDER BY age DESC LIMIT 1\n```",
        "SELECT name FROM pets WHERE kind = 'cat'\n```",
        "SELECT name FROM pets ORDER BY age DESC LIMIT 1\n```",
    ],
}


@pytest.fixture()
def files(tmp_path: Path, pg_server) -> dict[str, Path]:
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    for db in ("shelter", "kennel"):
        (dumps / f"{db}.sql").write_text(DUMP)
    (tmp_path / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUESTIONS))
    (tmp_path / "script.json").write_text(json.dumps(SCRIPT))
    data = tmp_path / "data"
    data.mkdir()
    (data / "pgdata").symlink_to(pg_server.pgdata)  # the "embedded" server is the test server
    return {"dumps": dumps, "questions": tmp_path / "questions.jsonl", "script": tmp_path / "script.json", "data": data, "tmp": tmp_path}


def env_for(files: dict[str, Path], **extra: str) -> dict[str, str]:
    return {"DECIDE_SQL_DATA_DIR": str(files["data"]), "DECIDE_SQL_CACHE_DIR": str(files["tmp"] / "cache"), "DATABASE_URL": "", "DECIDE_SQL_REWRITES": "", **extra}


def run_eval(app: typer.Typer, files: dict[str, Path], *extra: str, env: dict[str, str] | None = None) -> dict:
    args = ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--model", f"scripted:{files['script']}", *extra]
    result = CliRunner().invoke(app, args, env=env or env_for(files))
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_figures_per_database_and_with_each_held_out(app: typer.Typer, files: dict[str, Path]) -> None:
    out = files["tmp"] / "run.jsonl"
    payload = run_eval(app, files, "--baseline", "--output", str(out))
    summary = payload["summary"]
    assert payload["rewrites"] == "all"
    assert summary["engine"]["ex_by_db"] == {"kennel": 0.5, "shelter": 1.0}
    assert (summary["engine"]["non_answers"], summary["baseline"]["non_answers"], summary["baseline"]["non_answer_share"]) == (0, 1, 0.2)
    assert summary["by_db"] == [
        {"db": "kennel", "questions": 2, "engine_correct": 1, "engine_ex": 0.5, "engine_non_answers": 0,
         "baseline_correct": 1, "baseline_ex": 0.5, "baseline_non_answers": 1, "difference": 0.0},
        {"db": "shelter", "questions": 3, "engine_correct": 3, "engine_ex": 1.0, "engine_non_answers": 0,
         "baseline_correct": 2, "baseline_ex": 0.6667, "baseline_non_answers": 0, "difference": 0.3333},
    ]
    held_out = {r["held_out"]: (r["questions"], r["engine_ex"], r["baseline_ex"], r["difference"]) for r in summary["leave_one_out"]}
    assert held_out == {"kennel": (3, 1.0, 0.6667, 0.3333), "shelter": (2, 0.5, 0.5, 0.0)}

    lines = {(r["id"], r["system"]): r for r in map(json.loads, out.read_text().splitlines())}
    s2 = lines[("s2", "engine")]
    assert s2["planned_sql"] == FELINES and "'cat'" in s2["sql"]  # before and after the rewrites
    assert lines[("s2", "baseline")]["planned_sql"] is None

    table = CliRunner().invoke(app, ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--model", f"scripted:{files['script']}", "--baseline", "--format", "table"], env=env_for(files))
    assert table.exit_code == 0, table.stderr
    for fragment in ("non-answers (refused + error)", "diff", "held out", "shelter", "0.3333"):
        assert fragment in table.stdout


def test_rewrites_none_loses_the_answers_the_steps_fix(app: typer.Typer, files: dict[str, Path]) -> None:
    every = run_eval(app, files)["summary"]["engine"]
    none = run_eval(app, files, "--rewrites", "none")
    assert none["rewrites"] == "none"
    # without grounding 'Cat' finds no cat (s2, k1 wrong); without NULLS LAST the NULL age comes first (s3 wrong, k2 right)
    assert (every["ex_by_db"], none["summary"]["engine"]["ex_by_db"]) == ({"kennel": 0.5, "shelter": 1.0}, {"kennel": 0.5, "shelter": 0.3333})
    only_nulls = run_eval(app, files, env=env_for(files, DECIDE_SQL_REWRITES="nulls_last"))  # the environment variable
    assert only_nulls["rewrites"] == "nulls_last" and only_nulls["summary"]["engine"]["ex_by_db"] == {"kennel": 0.0, "shelter": 0.6667}


def test_an_unknown_rewrite_step_is_a_one_line_error(app: typer.Typer, files: dict[str, Path]) -> None:
    result = CliRunner().invoke(app, ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--rewrites", "grounding,typo"], env=env_for(files))
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "bad_input" and "unknown rewrite step typo" in error["message"] and "nulls_last" in error["message"]


def test_ablate_counts_gains_and_losses_per_step_and_database(app: typer.Typer, files: dict[str, Path]) -> None:
    run = files["tmp"] / "run.jsonl"
    run_eval(app, files, "--baseline", "--output", str(run))
    script = files["tmp"] / "no_model.json"
    script.write_text("{}")  # the replay makes no model call: an empty script would fail any decision
    args = ["--ablate", str(run)]
    ablation = run_eval(app, {**files, "script": script}, *args)["ablation"]
    assert (ablation["replayed"], ablation["not_replayed"], ablation["replayed_by_db"]) == (5, 0, {"kennel": 2, "shelter": 3})
    assert (ablation["reference_correct"], ablation["recorded_correct"], ablation["disagreements"], ablation["replay_errors"]) == (4, 4, [], 0)
    steps = {s["step"]: s for s in ablation["steps"]}
    assert list(steps) == ablation["reference_steps"] == list(STEP_NAMES)
    grounding, nulls = steps["grounding"], steps["nulls_last"]
    assert (grounding["fired"], grounding["gained"], grounding["lost"], grounding["gold_changed"]) == (2, 2, 0, 0)
    assert grounding["gained_by_db"] == {"kennel": 1, "shelter": 1} and grounding["verdict"] == "keep"
    assert (nulls["fired"], nulls["gained"], nulls["lost"], nulls["gained_by_db"], nulls["lost_by_db"]) == (2, 1, 1, {"shelter": 1}, {"kennel": 1})
    assert nulls["gold_changed"] == 1 and nulls["verdict"] == "drop: changes 1 gold result"  # k2's gold asks for NULLs first
    for name in ("names", "labels", "fanout", "date_like"):
        assert (steps[name]["fired"], steps[name]["gained"], steps[name]["lost"]) == (0, 0, 0)
        assert steps[name]["verdict"].startswith("unexercised")

    same_domain = run_eval(app, {**files, "script": script}, *args, "--domain", "shelter=animals", "--domain", "kennel=animals")["ablation"]
    assert {s["step"]: s["verdict"] for s in same_domain["steps"]}["grounding"] == "drop: gains on 1 domain, needs 2"

    only_grounding = run_eval(app, {**files, "script": script}, *args, "--rewrites", "grounding")["ablation"]
    assert only_grounding["reference_steps"] == ["grounding"] and only_grounding["reference_correct"] == 4  # all but s3
    assert sorted(only_grounding["disagreements"]) == ["k2", "s3"]  # the run had nulls_last on: the replay says where that mattered

    table = CliRunner().invoke(app, ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--ablate", str(run), "--format", "csv"], env=env_for(files))
    assert table.exit_code == 0, table.stderr
    assert table.stdout.startswith("step,fired,gained,lost,gained on,lost on,gold changed,verdict\n")
    assert 'grounding,2,2,0,"kennel 1, shelter 1",-,0,keep\n' in table.stdout
    assert "\n\nstep,db,fired,gained,lost\n" in table.stdout and "nulls_last,kennel,1,0,1" in table.stdout


def test_ablate_of_a_file_that_is_not_a_run_is_a_one_line_error(app: typer.Typer, files: dict[str, Path]) -> None:
    bad = files["tmp"] / "bad.jsonl"
    bad.write_text('{"id": "s1"}\n')
    result = CliRunner().invoke(app, ["eval", str(files["questions"]), "--dumps", str(files["dumps"]), "--ablate", str(bad)], env=env_for(files))
    assert result.exit_code == 2 and "bad.jsonl:1: not a result line" in json.loads(result.stdout)["error"]["message"]


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ({"fired": 3, "gained": 2, "gained_by_db": {"a": 1, "b": 1}}, "keep"),
        ({"fired": 3, "gained": 2, "gained_by_db": {"a": 2}}, "drop: gains on 1 domain, needs 2"),
        ({"fired": 3, "gained": 2, "lost": 1, "gained_by_db": {"a": 1, "b": 1}, "lost_by_db": {"c": 1}}, "drop: loses on c"),
        ({"fired": 4}, "drop: fires on 4 but gains nothing"),
        ({"fired": 0}, "unexercised: keep only if tests/test_gold_invariance.py passes (no gold result changed here)"),
        ({"fired": 0, "gold_changed": 2}, "drop: changes 2 gold results"),
    ],
)
def test_keep_rule(figures: dict, expected: str) -> None:
    assert verdict(StepFigures(step="x", **figures), {}) == expected


def test_keep_rule_counts_domains_not_databases() -> None:
    f = StepFigures(step="x", fired=2, gained=2, gained_by_db={"broker": 1, "ewallet": 1})
    assert verdict(f, {"broker": "finance", "ewallet": "finance"}) == "drop: gains on 1 domain, needs 2"
    assert verdict(f, {"broker": "finance"}) == "keep"
