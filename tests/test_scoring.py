"""Execution-accuracy scoring on tricky cases, and gold SQL conventions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine.evaluation.questions import gold_alternatives, split_statements
from engine.evaluation.scoring import is_ordered, normalize, results_match
from engine.jsonsafe import to_jsonable


def test_multiset_not_set() -> None:
    assert results_match([[1], [1], [2]], [[2], [1], [1]])
    assert not results_match([[1], [1], [2]], [[1], [2], [2]])
    assert not results_match([[1], [2]], [[1], [1], [2]])


def test_nulls_equal_nulls() -> None:
    assert results_match([[None, "a"]], [[None, "a"]])
    assert not results_match([[None]], [[0]])


def test_column_order_and_extra_columns() -> None:
    assert results_match([["x", 1], ["y", 2]], [[1, "x"], [2, "y"]])
    assert results_match([["x"], ["y"]], [[10, "x", True], [20, "y", False]])
    assert not results_match([["x", 1]], [["x"]])  # missing a gold column
    assert not results_match([["x", 1], ["y", 2]], [[2, "x"], [1, "y"]])  # columns match as sets, rows do not


def test_numeric_float_int_and_tolerance() -> None:
    assert results_match([[to_jsonable(Decimal("2.50"))]], [[2.5]])
    assert results_match([[3]], [[3.0]])
    assert results_match([[1 / 3]], [[0.3333333333]])
    assert results_match([[Decimal("10")]], [["10"]])
    assert not results_match([[2.5]], [[2.51]])


def test_dates_compare_as_values() -> None:
    day = to_jsonable(dt.date(2024, 5, 1))
    assert results_match([[day]], [["2024-05-01"]])
    assert not results_match([[day]], [["2024-05-02"]])


def test_ordered_vs_unordered() -> None:
    assert results_match([[1], [2]], [[2], [1]], ordered=False)
    assert not results_match([[1], [2]], [[2], [1]], ordered=True)
    assert is_ordered("SELECT a FROM t ORDER BY a DESC") and not is_ordered("SELECT a FROM (SELECT a FROM t ORDER BY a) s")


def test_empty_results() -> None:
    assert results_match([], [])
    assert not results_match([], [[1]]) and not results_match([[1]], [])


def test_normalize_keeps_types_apart() -> None:
    assert normalize(True) is True and normalize("abc") == "abc" and normalize(None) is None


def test_gold_alternatives_and_braces() -> None:
    assert gold_alternatives("SELECT 1; SELECT 2") == ["SELECT 1", "SELECT 2"]
    assert gold_alternatives("SELECT {a.name, a.id} FROM a") == ["SELECT a.name FROM a", "SELECT a.id FROM a"]
    assert len(gold_alternatives("SELECT {a, b}, {c, d} FROM t")) == 4
    assert split_statements("SELECT ';' AS x; SELECT $$a;b$$") == ["SELECT ';' AS x", "SELECT $$a;b$$"]


@pytest.mark.parametrize("line", ['{"id": 1}', "not json", '{"id": "1", "db": "x", "question": "q"}'])
def test_malformed_question_lines_name_the_line(tmp_path, line: str) -> None:
    from engine.errors import BadInput
    from engine.evaluation.questions import load_questions

    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "a", "db": "x", "question": "q", "gold_sql": "SELECT 1"}\n' + line + "\n")
    with pytest.raises(BadInput, match=r"q.jsonl:2: not a question line"):
        load_questions(path)
