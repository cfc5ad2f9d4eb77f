"""Execution-accuracy scoring on the tricky cases the rules in engine/evaluation/scoring.py name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from engine.evaluation.scoring import normalize, results_match, values_equal
from engine.database.jsonsafe import to_jsonable


def js(*values: object) -> list[object]:
    """A row as the Executor returns it (jsonsafe conversion)."""
    return [to_jsonable(v) for v in values]


def test_duplicates_make_a_multiset_not_a_set() -> None:
    assert results_match([[1], [1], [2]], [[2], [1], [1]])
    assert not results_match([[1], [1], [2]], [[1], [2], [2]])
    assert not results_match([[1], [2]], [[1], [1], [2]])  # DISTINCT forgotten
    assert not results_match([[1], [1], [2]], [[1], [2]])


def test_nulls_equal_nulls_only() -> None:
    assert results_match([[None, "a"]], [[None, "a"]])
    assert not results_match([[None]], [[0]])
    assert not results_match([[None]], [[""]])
    assert not results_match([["NULL"]], [[None]])


def test_booleans_are_not_numbers() -> None:
    assert results_match([[True]], [[True]])
    assert not results_match([[True]], [[1]])
    assert not results_match([[False]], [[0.0]])


def test_column_order_is_free() -> None:
    assert results_match([["x", 1], ["y", 2]], [[1, "x"], [2, "y"]])
    assert not results_match([["x", 1], ["y", 2]], [[2, "x"], [1, "y"]])  # each column fits, the rows do not


def test_extra_predicted_columns_are_allowed_missing_ones_are_not() -> None:
    assert results_match([["x"], ["y"]], [[10, "x", True], [20, "y", False]])
    assert not results_match([["x", 1]], [["x"]])
    assert not results_match([["x", 1]], [["x", 2, 3]])


def test_mapping_is_injective_and_searches_past_a_wrong_first_candidate() -> None:
    # both gold columns hold the same values; one predicted column cannot serve both
    assert not results_match([[1, 1], [2, 2]], [[1, 9], [2, 8]])
    assert results_match([[1, 1], [2, 2]], [[1, 1], [2, 2]])
    # columns a and b have equal value multisets; only mapping gold -> (b, a) gives the gold rows
    gold = [["p", 1], ["q", 2]]
    pred = [[2, 1, "p"], [1, 2, "q"]]
    assert results_match(gold, pred)


def test_numeric_float_int_and_decimal_text() -> None:
    assert results_match([js(Decimal("2.50"))], [[2.5]])
    assert results_match([[3]], [[3.0]])
    assert results_match([js(Decimal("10"))], [["10"]])
    huge = Decimal("12345678901234567890.123")  # jsonsafe keeps it as text
    assert isinstance(to_jsonable(huge), str) and results_match([js(huge)], [[1.2345678901234567e19]])
    assert not results_match([[2.5]], [[2.51]])


def test_float_tolerance_relative_and_absolute() -> None:
    assert results_match([[1 / 3]], [[0.333333333]])  # relative 1e-9
    assert results_match([[1000000.0]], [[1000000.5]])  # relative 5e-7
    assert not results_match([[1000000.0]], [[1000002.0]])  # relative 2e-6
    assert results_match([[0.0]], [[1e-10]])  # absolute 1e-9 near zero
    assert not results_match([[0.0]], [[1e-8]])
    assert values_equal(normalize(0.1 + 0.2), normalize(0.3))


def test_tolerance_holds_in_multisets_when_rounding_straddles() -> None:
    # 1.4999995 and 1.5000004 are within 1e-6 relative but round apart at 6 digits
    gold = [[1.4999995, "a"], [7.0, "b"]]
    pred = [[7.0, "b"], [1.5000004, "a"]]
    assert results_match(gold, pred)
    assert not results_match([[1.0, "a"], [1.0, "b"]], [[1.0, "a"], [1.0, "a"]])


def test_dates_and_timestamps_compare_as_values() -> None:
    day = to_jsonable(dt.date(2024, 5, 1))
    assert results_match([[day]], [["2024-05-01"]])
    assert not results_match([[day]], [["2024-05-02"]])
    assert results_match([[day]], [js(dt.datetime(2024, 5, 1, 0, 0))])  # date vs midnight timestamp
    assert not results_match([[day]], [js(dt.datetime(2024, 5, 1, 9, 30))])
    utc = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    berlin = utc.astimezone(dt.timezone(dt.timedelta(hours=2)))
    assert results_match([js(utc)], [js(berlin)])  # same instant, different offset


def test_ordered_vs_unordered() -> None:
    assert results_match([[1], [2]], [[2], [1]], ordered=False)
    assert not results_match([[1], [2]], [[2], [1]], ordered=True)
    assert results_match([["a", 1], ["b", 2]], [[1, "a"], [2, "b"]], ordered=True)


def test_empty_results() -> None:
    assert results_match([], [])
    assert not results_match([], [[1]])
    assert not results_match([[1]], [])


def test_text_is_exact() -> None:
    assert not results_match([["Cat"]], [["cat"]])
    assert not results_match([["a "]], [["a"]])
    assert results_match([[[1, 2]]], [[[1, 2]]]) and not results_match([[[1, 2]]], [[[2, 1]]])


def test_mapping_search_is_bounded() -> None:
    # 12 identical columns: 12! injective maps, all tried would never end; the bound stops it
    gold = [[1] * 12, [2] * 12]
    pred = [[1] * 12 + [9], [2] * 12 + [9]]
    assert results_match(gold, pred)  # the first mapping works
    shuffled_rows = [[1] * 12 + [9], [2] * 11 + [1, 9]]  # no mapping can work
    assert not results_match(gold, shuffled_rows)
