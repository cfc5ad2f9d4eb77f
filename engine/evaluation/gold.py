"""Gold SQL conventions: alternatives, brace choices, and whether order matters.

- ``;`` separates alternative gold queries (split outside quotes and comments):
  a prediction is correct when it matches any one of them.
- Braces list acceptable column choices, defog sql-eval's convention:
  ``SELECT {a.name, a.id} FROM a`` expands to ``SELECT a.name FROM a`` and
  ``SELECT a.id FROM a``. Several brace groups expand to every combination
  (at most ``MAX_ALTERNATIVES``). An empty ``{}`` repeats the choice of the
  group before it (sql-eval's ``GROUP BY {}``). sql-eval also expands a group
  to every subset of its choices; since predictions may carry extra columns,
  matching one single choice is the same test, so one choice per
  alternative suffices. Commas inside parentheses do not split choices, and
  braces inside quotes or comments are plain text.
- A gold query asks for an order when it has an ORDER BY at the top level
  (outside parentheses: not in a subquery, CTE, window or aggregate).
"""

from __future__ import annotations

import itertools
import re

from engine.evaluation.sqltext import segments, split_statements

MAX_ALTERNATIVES = 64
_ORDER_OR_PAREN = re.compile(r"[()]|\border\s+by\b", re.I)


class GoldError(ValueError):
    """Gold SQL that breaks the conventions (unbalanced braces, too many alternatives)."""


def gold_alternatives(gold_sql: str) -> list[str]:
    """Every acceptable gold query, in order, without duplicates."""
    out: list[str] = []
    for statement in split_statements(gold_sql):
        out.extend(expand_braces(statement.text))
    if not out:
        raise GoldError("gold_sql holds no SQL statement")
    if len(out) > MAX_ALTERNATIVES:
        raise GoldError(f"gold_sql expands to {len(out)} alternatives; the limit is {MAX_ALTERNATIVES}")
    return list(dict.fromkeys(out))


def expand_braces(statement: str) -> list[str]:
    """One statement per combination of brace choices."""
    groups = _brace_groups(statement)
    if not groups:
        return [statement]
    choice_lists: list[list[str]] = []
    for start, end in groups:
        inner = statement[start + 1 : end - 1]
        if inner.strip():
            choice_lists.append(_split_choices(inner))
        elif not choice_lists:
            raise GoldError("an empty {} must follow a brace group whose choice it repeats")
    total = 1
    for choices in choice_lists:
        total *= len(choices)
    if total > MAX_ALTERNATIVES:
        raise GoldError(f"brace choices expand to {total} queries; the limit is {MAX_ALTERNATIVES}")
    out = []
    for combo in itertools.product(*choice_lists):
        parts, picks, last, pos = [], iter(combo), "", 0
        for start, end in groups:
            if statement[start + 1 : end - 1].strip():
                last = next(picks)
            parts += [statement[pos:start], last]
            pos = end
        out.append("".join(parts) + statement[pos:])
    return out


def _brace_groups(statement: str) -> list[tuple[int, int]]:
    """(start, end) of every ``{...}`` in code; end is one past the ``}``."""
    groups: list[tuple[int, int]] = []
    opened: int | None = None
    for seg in segments(statement):
        if seg.kind != "code":
            continue
        for i in range(seg.start, seg.end):
            ch = statement[i]
            if ch == "{":
                if opened is not None:
                    raise GoldError("nested { in gold_sql; brace groups list plain column choices")
                opened = i
            elif ch == "}":
                if opened is None:
                    raise GoldError("} without { in gold_sql")
                groups.append((opened, i + 1))
                opened = None
    if opened is not None:
        raise GoldError("unclosed { in gold_sql")
    return groups


def _split_choices(inner: str) -> list[str]:
    """Split on commas outside parentheses: ``{count(a, b), c}`` has two choices."""
    choices, depth, current = [], 0, []
    for ch in inner:
        if ch == "," and depth == 0:
            choices.append("".join(current).strip())
            current = []
            continue
        depth += (ch == "(") - (ch == ")")
        current.append(ch)
    choices.append("".join(current).strip())
    if not all(choices):
        raise GoldError("empty choice in a brace group, e.g. {a, , b}")
    return choices


def is_ordered(sql: str) -> bool:
    """True when the query orders its final result: an ORDER BY outside every parenthesis."""
    depth = 0
    for seg in segments(sql):
        if seg.kind != "code":
            continue
        for m in _ORDER_OR_PAREN.finditer(sql, seg.start, seg.end):
            if m.group(0) == "(":
                depth += 1
            elif m.group(0) == ")":
                depth -= 1
            elif depth == 0:
                return True
    return False
