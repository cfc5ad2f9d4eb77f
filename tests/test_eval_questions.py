"""Question files, gold alternatives and brace choices, top-level ORDER BY, statement splitting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import BadInput
from engine.evaluation.gold import GoldError, gold_alternatives, is_ordered
from engine.evaluation.questions import load_questions, select_questions
from engine.evaluation.sqltext import line_of, split_statements

GOOD = {"id": "a", "db": "shop", "question": "How many?", "gold_sql": "SELECT 1"}


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return path


def test_alternatives_split_outside_quotes_and_comments() -> None:
    assert gold_alternatives("SELECT 1; SELECT 2;") == ["SELECT 1", "SELECT 2"]
    assert gold_alternatives("SELECT ';' AS x; SELECT $$a;b$$") == ["SELECT ';' AS x", "SELECT $$a;b$$"]
    assert gold_alternatives("SELECT 'it''s;' FROM t") == ["SELECT 'it''s;' FROM t"]
    assert gold_alternatives("SELECT E'a\\';b' FROM t") == ["SELECT E'a\\';b' FROM t"]
    assert gold_alternatives('SELECT "odd;name" FROM t -- why; not\n; SELECT 2 /* a;b */') == [
        'SELECT "odd;name" FROM t -- why; not',
        "SELECT 2 /* a;b */",
    ]


def test_brace_choices_expand_one_alternative_per_choice() -> None:
    assert gold_alternatives("SELECT {a.name, a.id} FROM a") == ["SELECT a.name FROM a", "SELECT a.id FROM a"]
    assert gold_alternatives("SELECT {a, b}, {c, d} FROM t") == ["SELECT a, c FROM t", "SELECT a, d FROM t", "SELECT b, c FROM t", "SELECT b, d FROM t"]
    assert gold_alternatives("SELECT {count(a, b), c} FROM t") == ["SELECT count(a, b) FROM t", "SELECT c FROM t"]
    assert gold_alternatives("SELECT {x, y}, count(*) FROM t GROUP BY {}") == ["SELECT x, count(*) FROM t GROUP BY x", "SELECT y, count(*) FROM t GROUP BY y"]
    assert gold_alternatives("SELECT {a, b} FROM t; SELECT c FROM u") == ["SELECT a FROM t", "SELECT b FROM t", "SELECT c FROM u"]


def test_braces_inside_literals_are_text() -> None:
    assert gold_alternatives("SELECT a FROM t WHERE tags = '{x,y}'") == ["SELECT a FROM t WHERE tags = '{x,y}'"]


@pytest.mark.parametrize(
    ("gold", "message"),
    [
        ("SELECT {a, b FROM t", "unclosed"),
        ("SELECT a} FROM t", "without"),
        ("SELECT {a, , b} FROM t", "empty choice"),
        ("SELECT a FROM t GROUP BY {}", "empty {}"),
        ("SELECT " + ", ".join(["{a, b}"] * 7) + " FROM t", "limit"),
        ("  ;  -- nothing", "no SQL"),
    ],
)
def test_broken_gold_is_a_clear_error(gold: str, message: str) -> None:
    with pytest.raises(GoldError, match=message):
        gold_alternatives(gold)


def test_order_matters_only_for_a_top_level_order_by() -> None:
    assert is_ordered("SELECT a FROM t ORDER BY a DESC")
    assert is_ordered("SELECT a FROM t UNION SELECT b FROM u\norder  by 1")
    assert is_ordered("WITH s AS (SELECT a FROM t ORDER BY a) SELECT a FROM s ORDER BY a")
    assert not is_ordered("SELECT a FROM (SELECT a FROM t ORDER BY a) s")
    assert not is_ordered("WITH s AS (SELECT a FROM t ORDER BY a LIMIT 3) SELECT a FROM s")
    assert not is_ordered("SELECT rank() OVER (ORDER BY a), string_agg(b, ',' ORDER BY b) FROM t GROUP BY a")
    assert not is_ordered("SELECT 'order by' FROM t -- order by a")


def test_statement_offsets_give_line_numbers() -> None:
    text = "CREATE TABLE t (a int);\n-- note; here\nINSERT INTO t\nVALUES (1);\n"
    statements = split_statements(text)
    assert [s.text for s in statements] == ["CREATE TABLE t (a int)", "-- note; here\nINSERT INTO t\nVALUES (1)"]
    assert [line_of(text, s.start) for s in statements] == [1, 2]


def test_load_questions_accepts_integer_ids_and_categories(tmp_path: Path) -> None:
    path = write(tmp_path, json.dumps({**GOOD, "id": 7, "category": "count"}), "", json.dumps({**GOOD, "id": "b"}))
    questions = load_questions(path)
    assert [(q.id, q.category) for q in questions] == [("7", "count"), ("b", None)]


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("not json", "invalid JSON"),
        ('{"id": "x"}', "db: Field required"),
        (json.dumps({**GOOD, "id": "x", "question": ""}), "question:"),
        (json.dumps({**GOOD, "id": "x", "db": "../etc"}), "db:"),
        (json.dumps({**GOOD, "id": "x", "gold_sql": "SELECT {a FROM t"}), "bad gold_sql: unclosed"),
        (json.dumps(GOOD), "id 'a' already used on line 1"),
        ("[1, 2]", "not a question line"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, line: str, fragment: str) -> None:
    path = write(tmp_path, json.dumps(GOOD), line)
    with pytest.raises(BadInput) as info:
        load_questions(path)
    assert f"q.jsonl:2: " in info.value.message and fragment in info.value.message
    assert "\n" not in info.value.message


def test_empty_or_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="holds no questions"):
        load_questions(write(tmp_path, ""))
    with pytest.raises(BadInput, match="cannot read question file"):
        load_questions(tmp_path / "absent.jsonl")


def test_select_questions_filters_samples_reproducibly_and_limits(tmp_path: Path) -> None:
    lines = [json.dumps({**GOOD, "id": str(i), "db": "a" if i % 2 else "b"}) for i in range(20)]
    questions = load_questions(write(tmp_path, *lines))
    only_a = select_questions(questions, only_db=["a"])
    assert {q.db for q in only_a} == {"a"} and len(only_a) == 10
    first = [q.id for q in select_questions(questions, sample=5, seed=3)]
    assert first == [q.id for q in select_questions(questions, sample=5, seed=3)]
    assert first != [q.id for q in select_questions(questions, sample=5, seed=4)]
    assert [q.id for q in select_questions(questions, limit=3)] == ["0", "1", "2"]
    with pytest.raises(BadInput, match="--only-db"):
        select_questions(questions, only_db=["zzz"])
