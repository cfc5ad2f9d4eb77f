"""Execution accuracy: does a predicted result equal a gold result?

Both results come from the Executor, so values are already JSON-safe
(engine/database/jsonsafe.py: numeric -> int/float/str, dates -> ISO text, ...). The
rules, also in docs/evaluation.md:

1. Values are normalized, then compared by kind:
   - NULL equals NULL only;
   - booleans equal booleans only (``true`` is not ``1``);
   - numbers of any type (int, float, numeric, and text that is a finite
     decimal number, as jsonsafe writes numerics beyond float precision)
     equal when within a relative 1e-6 or absolute 1e-9 tolerance, so
     ``Decimal('2.50')`` == ``2.5`` == ``'2.5'`` and ``3`` == ``3.0``;
   - dates and timestamps compare as instants: a date equals midnight of
     that day, a timestamp with a time zone is compared in UTC;
   - anything else compares as exact text (arrays and JSON by their
     canonical JSON).
2. Rows are compared as a multiset (duplicates count, order does not), or
   as a list when the gold query asks for an order (see ``gold.is_ordered``).
3. The prediction may have extra columns, in any order: the gold columns
   must map one-to-one onto predicted columns so that the projected rows
   match. Candidates are found per column first (equal sorted values);
   at most ``MAX_MAPPINGS`` full mappings and ``MAX_SEARCH_STEPS`` partial
   ones are tried, so look-alike columns cost bounded time (and may, in
   pathological cases, score a right answer wrong: never a wrong one right).
4. An empty gold result matches an empty prediction, whatever the columns.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import Any

REL_TOL = 1e-6
ABS_TOL = 1e-9
MAX_MAPPINGS = 1_000  # full column mappings checked row by row
MAX_SEARCH_STEPS = 20_000  # partial mappings explored (many look-alike columns: give up, not hang)
MAX_FUZZY_ROWS = 2_000  # rows left after exact matching that are paired within tolerance one by one
_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}(:?\d{2})?|Z)?)?$")

# A normalized value is a (kind, value) pair, so 1 never equals True; each kind holds one
# Python type (num: float, text/time: str, bool: bool, null: 0), so rows sort without errors.
Value = tuple[str, Any]
Row = tuple[Value, ...]


def normalize(value: Any) -> Value:
    if value is None:
        return ("null", 0)
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("num", float(value)) if math.isfinite(value) else ("text", str(value))
    if isinstance(value, str):
        if _NUMBER.match(value):
            return ("num", float(value))
        if _DATETIME.match(value):
            return ("time", _instant(value))
        return ("text", value)
    if isinstance(value, (list, dict)):
        return ("text", json.dumps(value, sort_keys=True, default=str))
    return ("text", str(value))


def _instant(text: str) -> str:
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is not None:
        return stamp.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat() + "Z"
    return stamp.isoformat()


def values_equal(a: Value, b: Value) -> bool:
    if a[0] == "num" and b[0] == "num":
        return math.isclose(a[1], b[1], rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def _rows_equal(a: Row, b: Row) -> bool:
    return all(values_equal(x, y) for x, y in zip(a, b, strict=True))


def _key(v: Value) -> Value:
    """A hashable stand-in that equal-within-tolerance numbers almost always share."""
    return ("num", float(f"{v[1]:.6g}")) if v[0] == "num" else v


def same_rows(gold: Sequence[Row], pred: Sequence[Row], *, ordered: bool) -> bool:
    """Rows equal as a list (ordered) or as a multiset, values compared with ``values_equal``."""
    if len(gold) != len(pred):
        return False
    if ordered:
        return all(_rows_equal(g, p) for g, p in zip(gold, pred))
    left: Counter[Row] = Counter(tuple(map(_key, row)) for row in gold)
    left.subtract(tuple(map(_key, row)) for row in pred)
    mismatched = sum(abs(c) for c in left.values())
    if mismatched > 2 * MAX_FUZZY_ROWS:
        return False
    if mismatched == 0 and not any(v[0] == "num" for row in gold for v in row):
        return True
    return _pair_within_tolerance(list(gold), list(pred))


def _pair_within_tolerance(gold: list[Row], pred: list[Row]) -> bool:
    """Multiset equality under tolerance: sort both sides, pair in order, then pair leftovers greedily."""
    gold.sort()
    pred.sort()
    unmatched_gold, unmatched_pred = [], []
    for g, p in zip(gold, pred):
        if not _rows_equal(g, p):
            unmatched_gold.append(g)
            unmatched_pred.append(p)
    if len(unmatched_gold) > MAX_FUZZY_ROWS:
        return False
    for g in unmatched_gold:
        hit = next((i for i, p in enumerate(unmatched_pred) if _rows_equal(g, p)), None)
        if hit is None:
            return False
        unmatched_pred.pop(hit)
    return True


def _column_fits(gold_col: list[Value], pred_col: list[Value]) -> bool:
    """Same multiset of values within tolerance (sorted pairing is exact for one column)."""
    return all(values_equal(a, b) for a, b in zip(gold_col, pred_col, strict=True))


def column_mappings(gold: Sequence[Row], pred: Sequence[Row]) -> Iterator[tuple[int, ...]]:
    """Injective maps gold column -> predicted column whose values fit, most constrained column first."""
    width_gold, width_pred = len(gold[0]), len(pred[0])
    sorted_gold = [sorted(row[i] for row in gold) for i in range(width_gold)]
    sorted_pred = [sorted(row[j] for row in pred) for j in range(width_pred)]
    candidates = [[j for j in range(width_pred) if _column_fits(sorted_gold[i], sorted_pred[j])] for i in range(width_gold)]
    order = sorted(range(width_gold), key=lambda i: len(candidates[i]))
    chosen: dict[int, int] = {}
    steps = 0

    def search(k: int) -> Iterator[tuple[int, ...]]:
        nonlocal steps
        if k == len(order):
            yield tuple(chosen[i] for i in range(width_gold))
            return
        i = order[k]
        for j in candidates[i]:
            steps += 1
            if steps > MAX_SEARCH_STEPS:
                return
            if j not in chosen.values():
                chosen[i] = j
                yield from search(k + 1)
                del chosen[i]

    return search(0)


def results_match(gold_rows: Sequence[Sequence[Any]], pred_rows: Sequence[Sequence[Any]], *, ordered: bool = False) -> bool:
    """True when the prediction answers like the gold result (rules in the module docstring)."""
    if not gold_rows or not pred_rows:
        return len(gold_rows) == len(pred_rows)
    if len(gold_rows) != len(pred_rows) or len(pred_rows[0]) < len(gold_rows[0]):
        return False
    gold = [tuple(map(normalize, row)) for row in gold_rows]
    pred = [tuple(map(normalize, row)) for row in pred_rows]
    for tried, mapping in enumerate(column_mappings(gold, pred)):
        if tried >= MAX_MAPPINGS:
            return False
        if same_rows(gold, [tuple(row[j] for j in mapping) for row in pred], ordered=ordered):
            return True
    return False
