"""Keep results small for a model's context: a row cap, long cells cut with a marker, ``truncated`` honest.

The engine runs with its own cap (``DECIDE_SQL_MAX_ROWS``, 500); the MCP face shows
the first ``DECIDE_SQL_MCP_MAX_ROWS`` (50) of them. ``row_count`` keeps what the query
returned, so an assistant can say "500 rows, here are 50".
"""

from __future__ import annotations

import json
from typing import Any

from engine.answer import Answer

CUT_MARK = "… [cut: {n} chars]"
MAX_SQL_CHARS = 4_000  # an attempt's SQL shown back; the statement itself is bounded by the validator


def cut_text(text: str, limit: int) -> tuple[str, bool]:
    """``text`` itself, or its first ``limit`` characters followed by the marker."""
    if len(text) <= limit:
        return text, False
    return text[:limit] + CUT_MARK.format(n=len(text)), True


def cut_cell(value: Any, limit: int) -> tuple[Any, bool]:
    """A cell as is, or, when its text is longer than ``limit``, that text cut (JSON values as JSON text)."""
    if isinstance(value, str):
        return cut_text(value, limit)
    if isinstance(value, (dict, list)):
        text = json.dumps(value, ensure_ascii=False, default=str)
        return cut_text(text, limit) if len(text) > limit else (value, False)
    return value, False


def cap_rows(rows: list[list[Any]], max_rows: int, max_cell_chars: int) -> tuple[list[list[Any]], bool]:
    """The first ``max_rows`` rows with long cells cut; True when anything was left out."""
    kept = rows[:max_rows]
    cut_any = len(rows) > max_rows
    out = []
    for row in kept:
        cells = []
        for value in row:
            cell, cut = cut_cell(value, max_cell_chars)
            cut_any |= cut
            cells.append(cell)
        out.append(cells)
    return out, cut_any


def cap_reached(row_count: int, engine_max_rows: int) -> bool:
    """The engine's LIMIT was reached, so more rows may exist than were returned."""
    return row_count >= engine_max_rows


def compact_answer(answer: Answer, *, max_rows: int, max_cell_chars: int, engine_max_rows: int) -> Answer:
    """The Answer an assistant sees: same schema, rows capped, no per-decision trace.

    ``decisions`` (every decision's typed output and prompt) is emptied: it is for
    debugging (``decide-sql ask --trace``), not for a chat; ``usage`` keeps the totals.
    """
    rows, cut = cap_rows(answer.rows, max_rows, max_cell_chars)
    attempts = [a.model_copy(update={"sql": cut_text(a.sql, MAX_SQL_CHARS)[0]}) for a in answer.attempts]
    return answer.model_copy(
        update={
            "rows": rows,
            "truncated": answer.truncated or cut or cap_reached(answer.row_count, engine_max_rows),
            "attempts": attempts,
            "decisions": [],
        }
    )
