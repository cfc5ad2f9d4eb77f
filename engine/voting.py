"""Execution-guided voting over SQL candidates: equal results are one opinion, the largest group wins.

Small models are often right more often than they are right on their first,
greedy try (self-consistency; MCS-SQL, CHASE-SQL): several candidates that
reach the same result by different SQL are evidence for that result. So a
result gets a **fingerprint** that ignores what does not change the answer:

- column names and column order (``SELECT name, total`` and ``SELECT total AS t, name``);
- row order, unless the query orders its result (a top-level ORDER BY);
- number types and float noise (``3`` == ``3.0`` == ``'3.000'``, 6 significant digits).

The engine does not import ``engine.evaluation`` (scoring against gold is a
benchmark's matter); the normalization follows the same rules as
engine/evaluation/scoring.py in a simpler, hashable form.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from engine.sql_tree import parse

_NUMBER = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")


def _value(v: Any) -> list[Any]:
    """A JSON-able (kind, text) pair; numbers of any type share one form."""
    if v is None:
        return ["null", ""]
    if isinstance(v, bool):
        return ["bool", str(v)]
    if isinstance(v, (int, float)) and math.isfinite(v):
        return ["num", f"{float(v):.6g}"]
    if isinstance(v, str) and _NUMBER.match(v):
        return ["num", f"{float(v):.6g}"]
    if isinstance(v, (list, dict)):
        return ["text", json.dumps(v, sort_keys=True, default=str)]
    return ["text", str(v)]


def fingerprint(rows: Sequence[Sequence[Any]], *, ordered: bool) -> str:
    """A short hash of a result: equal for results that answer alike (rules in the module docstring)."""
    table = [[_value(v) for v in row] for row in rows]
    width = len(table[0]) if table else 0
    columns = [[row[i] for row in table] for i in range(width)]
    # Column order does not matter: sort the columns by their (sorted) values.
    columns.sort(key=lambda col: json.dumps(sorted(col)))
    canonical = [[col[r] for col in columns] for r in range(len(table))]
    if not ordered:
        canonical.sort(key=json.dumps)
    digest = hashlib.sha256(json.dumps([width, canonical]).encode()).hexdigest()
    return digest[:16]


def is_ordered(sql: str) -> bool:
    """True when the statement orders its result (a top-level ORDER BY): row order is then part of the answer."""
    tree = parse(sql)
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None


def tally(fingerprints: Sequence[str | None], found_rows: Sequence[bool]) -> tuple[int | None, list[int]]:
    """The winning candidate and each candidate's votes (the size of its group; 0 for one that does not vote).

    Candidate 0 is the greedy one. A candidate that failed (fingerprint None)
    does not vote; an empty result votes only when no candidate found rows
    (an empty result is more often a wrong filter than the answer). The
    largest group wins; among tied groups the greedy candidate's, else the
    earliest. The winner is the greedy candidate when it is in the winning
    group, else the group's first member. None: no candidate voted.
    """
    any_rows = any(f is not None and r for f, r in zip(fingerprints, found_rows))
    voting = [f is not None and (r or not any_rows) for f, r in zip(fingerprints, found_rows)]
    groups: dict[str, list[int]] = {}
    for i, (f, v) in enumerate(zip(fingerprints, voting)):
        if v:
            groups.setdefault(f, []).append(i)  # type: ignore[arg-type]
    votes = [len(groups[f]) if v else 0 for f, v in zip(fingerprints, voting)]  # type: ignore[index]
    if not groups:
        return None, votes
    best = max(groups.values(), key=lambda members: (len(members), 0 in members, -members[0]))
    return best[0], votes
