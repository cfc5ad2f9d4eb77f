"""Every deterministic rewrite a planned query goes through before validation, in order.

No model call: each step fixes one kind of slip the query itself shows how to
fix, and reports what it changed (``Answer.value_fixes`` for literals,
``Answer.sql_fixes`` for the rest). The validator then checks the result like
any other SQL.

1. names in the wrong place (engine/rewrites/names.py), lookup ids compared with
   labels (engine/rewrites/labels.py)
2. literals grounded to stored values, moved to the column of their table that
   holds them, and replaced by the values the question names (engine/values/index.py)
3. dates compared as text, superlatives ranked by their measure and keeping
   their ties (engine/rewrites/sql_fixes.py)
4. selected lookup ids shown as their labels (engine/rewrites/labels.py)
5. answers a filtering join repeats, listed once (engine/rewrites/fanout.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.database.executor import Executor
from engine.rewrites.fanout import once_per_answer_in
from engine.rewrites.labels import compare_labels_in, show_labels_in
from engine.rewrites.names import fix_names_in
from engine.schema import Schema
from engine.rewrites.sql_fixes import cast_dates_in, keep_ties_in, order_by_measure_in, written_nulls
from engine.sql_tree import parse, render
from engine.values.index import LiteralFix, ValueIndex, ValueMatch, database_lookup, database_occurs, ground_literals_in, literals_from_question_in


@dataclass
class Rewritten:
    """The SQL to validate, and what the rewrites changed on the way."""

    sql: str
    value_fixes: list[LiteralFix] = field(default_factory=list)
    sql_fixes: list[str] = field(default_factory=list)


def rewrite(sql: str, schema: Schema, question: str, *, probe: Executor, values: ValueIndex, named_values: list[ValueMatch]) -> Rewritten:
    """Apply every rewrite to ``sql``: one parse, each step edits the tree, one render if anything changed.

    ``probe`` asks the database about literals (read-only, short timeout),
    ``values`` is the session's value index and ``named_values`` its matches
    for this question. SQL that does not parse is returned as it is.
    """
    tree = parse(sql)
    if tree is None:
        return Rewritten(sql=sql)
    names = fix_names_in(tree, schema, question) + compare_labels_in(tree, schema)
    grounded = ground_literals_in(tree, schema, database_lookup(probe))
    moved = values.move_literals_in(tree, schema, database_occurs(probe))
    swapped = literals_from_question_in(tree, schema, question, named_values)
    dates = cast_dates_in(tree, schema)
    measures = order_by_measure_in(tree, schema)
    ties = keep_ties_in(tree, schema, nulls_written=written_nulls(sql))
    labels = show_labels_in(tree, schema, question)
    once = once_per_answer_in(tree, schema)
    done = Rewritten(sql=sql, value_fixes=grounded + swapped, sql_fixes=names + moved + dates + measures + ties + labels + once)
    if done.value_fixes or done.sql_fixes:
        done.sql = render(tree)
    return done
