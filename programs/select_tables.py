"""Decision: which tables answer the question.

A schema of at most ALL_TABLES_UP_TO tables that fits the prompt whole is not
narrowed: every table is allowed and the model is not asked.

The output grammar is a JSON object whose ``tables`` items are an enum of
the real table names shown to the model, so it cannot name a table that does
not exist. The engine then adds (``TableSelection.added``) tables the question
names outright (by table name or a distinctive column name) and tables that
bridge two chosen tables no foreign key links directly, so the plan can join them.
"""

from __future__ import annotations

from typing import Any

import guidance

from engine.schema import Schema
from programs._run import captured_json, run_decision
from programs.context import QuestionContext
from programs.prefilter import join_neighbours, lexical_matches
from programs.types import TableSelection

NAME = "select_tables"
MAX_TABLES = 8
# Up to this many tables, when all of them fit the prompt, every table is allowed without a model
# call: the plan grammar still admits only real tables, and a small model's selection lost more
# right tables than it kept wrong ones out (measured, see docs/results.md).
ALL_TABLES_UP_TO = 16
INSTRUCTION = (
    "Choose the tables needed to answer the question, including the tables needed to join them. "
    'Reply with JSON: {"tables": [...]}.'
)


def selection_schema(table_names: list[str], *, strict: bool) -> dict[str, Any]:
    """JSON Schema of the decision; ``strict`` drops keywords OpenAI strict mode rejects."""
    items: dict[str, Any] = {"type": "string", "enum": table_names}
    array: dict[str, Any] = {"type": "array", "items": items}
    if not strict:
        array.update(minItems=1, maxItems=min(MAX_TABLES, len(table_names)))
    return {
        "type": "object",
        "properties": {"tables": array},
        "required": ["tables"],
        "additionalProperties": False,
    }


def select_tables(
    model: Any, schema: Schema, question: str, *, context: QuestionContext | None = None, all_tables_up_to: int = ALL_TABLES_UP_TO
) -> TableSelection:
    """Pick the tables for ``question`` from ``schema`` (names constrained to real tables).

    ``all_tables_up_to=0`` always asks the model.
    """
    ctx = context or QuestionContext.build(schema, question)
    names = ctx.table_names
    if len(names) <= all_tables_up_to and len(names) == len((ctx.full_schema or schema).tables):
        return TableSelection(tables=names, method="all")
    grammar = guidance.json(name="selection", schema=selection_schema(names, strict=not model.grammar))
    lm, usage, prompt = run_decision(model, ctx, NAME, INSTRUCTION, grammar)
    raw = captured_json(lm, "selection", NAME)
    chosen = [n for n in dict.fromkeys(raw.get("tables") or []) if n in names]  # dedupe; re-check names (OpenAI is not checked locally)
    if not chosen:
        chosen = names[:1]
    full = ctx.full_schema or schema
    named = [n for n in lexical_matches(full, ctx.question) if n not in chosen]
    result = TableSelection(tables=chosen, added=named + [n for n in join_neighbours(full, chosen + named) if n not in named])
    result.costed(usage, prompt)
    return result
