"""Every deterministic rewrite a planned query goes through before validation, in order.

No model call: each step fixes one kind of slip the query itself shows how to
fix, and reports what it changed (``Answer.value_fixes`` for literals,
``Answer.sql_fixes`` for the rest). The validator then checks the result like
any other SQL.

1. names in the wrong place (engine/name_fixes.py)
2. literals grounded to stored values, moved to the column of their table that
   holds them, and replaced by the values the question names (engine/values.py)
3. SQLite habits and superlatives (engine/sql_fixes.py)
4. lookup ids shown as their labels (engine/label_fixes.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.executor import Executor
from engine.label_fixes import show_labels
from engine.name_fixes import fix_names
from engine.schema import Schema
from engine.sql_fixes import cast_dates_for_like, keep_ties
from engine.values import LiteralFix, ValueIndex, ValueMatch, database_lookup, database_occurs, ground_literals, literals_from_question


@dataclass
class Rewritten:
    """The SQL to validate, and what the rewrites changed on the way."""

    sql: str
    value_fixes: list[LiteralFix] = field(default_factory=list)
    sql_fixes: list[str] = field(default_factory=list)


def rewrite(sql: str, schema: Schema, question: str, *, probe: Executor, values: ValueIndex, named_values: list[ValueMatch]) -> Rewritten:
    """Apply every rewrite to ``sql``.

    ``probe`` asks the database about literals (read-only, short timeout),
    ``values`` is the session's value index and ``named_values`` its matches
    for this question.
    """
    sql, names = fix_names(sql, schema)
    sql, grounded = ground_literals(sql, schema, database_lookup(probe))
    sql, moved = values.move_literals(sql, schema, database_occurs(probe))
    sql, swapped = literals_from_question(sql, schema, question, named_values)
    sql, dates = cast_dates_for_like(sql, schema)
    sql, ties = keep_ties(sql, schema)
    sql, labels = show_labels(sql, schema, question)
    return Rewritten(sql=sql, value_fixes=grounded + swapped, sql_fixes=names + moved + dates + ties + labels)
