"""Execution accuracy: does the predicted result equal a gold result?

Rules (documented in docs/evaluation.md):
- results are compared as a multiset of rows, or as a list when the gold
  query has a top-level ORDER BY (the question asks for an order);
- the prediction may have extra columns: the gold columns must map one-to-one
  onto predicted columns (any order) so that the projected rows match;
- values are normalized first: numbers of any type (int, float, numeric
  decoded by engine/jsonsafe.py) compare as floats rounded to 10 significant
  digits, so 2.50 == 2.5 == 2.5000000000001; NULL equals NULL; booleans stay
  booleans; dates, times and timestamps compare as their ISO text; strings
  compare exactly;
- an empty gold result matches an empty prediction.
"""

from __future__ import annotations

import itertools
import numbers
from collections import Counter
from typing import Any

import sqlglot
from sqlglot import exp

MAX_ASSIGNMENTS = 5_000


def normalize(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, numbers.Number):
        return float(f"{float(value):.10g}")
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return float(f"{number:.10g}") if value.strip() not in ("NaN", "Infinity", "-Infinity") else value
    if isinstance(value, (list, dict)):
        return repr(value)
    return str(value)


def is_ordered(gold_sql: str) -> bool:
    """True when the gold query orders its final result (top-level ORDER BY)."""
    try:
        tree = sqlglot.parse_one(gold_sql, read="postgres")
    except sqlglot.errors.ParseError:
        return "order by" in gold_sql.lower()
    return tree.args.get("order") is not None if isinstance(tree, (exp.Select, exp.SetOperation)) else False


def results_match(gold_rows: list[list[Any]], pred_rows: list[list[Any]], *, ordered: bool = False) -> bool:
    gold = [tuple(normalize(v) for v in row) for row in gold_rows]
    pred = [tuple(normalize(v) for v in row) for row in pred_rows]
    if not gold or not pred:
        return len(gold) == len(pred)
    if len(gold) != len(pred):
        return False
    width_gold, width_pred = len(gold[0]), len(pred[0])
    if width_pred < width_gold:
        return False
    gold_columns = [Counter(row[i] for row in gold) for i in range(width_gold)]
    pred_columns = [Counter(row[j] for row in pred) for j in range(width_pred)]
    candidates = [[j for j in range(width_pred) if pred_columns[j] == gold_columns[i]] for i in range(width_gold)]
    if any(not c for c in candidates):
        return False
    target = gold if ordered else Counter(gold)
    for tried, mapping in enumerate(itertools.product(*candidates)):
        if tried >= MAX_ASSIGNMENTS:
            return False
        if len(set(mapping)) != len(mapping):
            continue
        projected = [tuple(row[j] for j in mapping) for row in pred]
        if (projected if ordered else Counter(projected)) == target:
            return True
    return False
