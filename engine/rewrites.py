"""Every deterministic rewrite a planned query goes through before validation, in order.

No model call: each step fixes one kind of slip the query itself shows how to
fix, and reports what it changed (``Answer.value_fixes`` for literals,
``Answer.sql_fixes`` for the rest). The validator then checks the result like
any other SQL.

1. names in the wrong place (engine/name_fixes.py), lookup ids compared with
   labels (engine/label_fixes.py)
2. literals grounded to stored values, moved to the column of their table that
   holds them, and replaced by the values the question names (engine/values.py);
   values the question calls by a table's noun compared with its name column
   (engine/name_mentions.py)
3. tables joined only for a condition all their rows meet, dropped
   (engine/idle_joins.py); sums over detail rows read from the named
   entity's own row (engine/entity_totals.py)
4. questions that exclude an answer, asked of a table with several rows per
   answer (engine/negation_fixes.py)
5. size words ranked by area (engine/size_words.py), a ranked column asked
   for over the whole table (engine/top_of_table.py), SQLite habits and
   superlatives (engine/sql_fixes.py)
6. selected lookup ids shown as their labels (engine/label_fixes.py)
7. answers a filtering join repeats, listed once (engine/fanout_fixes.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.entity_totals import database_one_row, take_entity_totals_in
from engine.executor import Executor
from engine.fanout_fixes import once_per_answer_in
from engine.idle_joins import database_holds_only, drop_idle_joins_in
from engine.label_fixes import compare_labels_in, show_labels_in
from engine.name_fixes import fix_names_in
from engine.name_mentions import compare_named_values_in
from engine.negation_fixes import database_holds_both, exclude_answers_in
from engine.schema import Schema
from engine.size_words import rank_size_by_area_in
from engine.sql_fixes import cast_dates_in, keep_ties_in, order_by_measure_in, written_nulls
from engine.sql_tree import parse, render
from engine.top_of_table import rank_whole_table_in
from engine.values import LiteralFix, ValueIndex, ValueMatch, database_lookup, database_occurs, ground_literals_in, literals_from_question_in


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
    called = compare_named_values_in(tree, schema, question, database_occurs(probe))
    idle = drop_idle_joins_in(tree, schema, database_holds_only(probe))
    totals = take_entity_totals_in(tree, schema, question, database_one_row(probe))
    excluded = exclude_answers_in(tree, schema, question, database_holds_both(probe))
    sizes = rank_size_by_area_in(tree, schema, question)
    tops = rank_whole_table_in(tree, schema, question)
    dates = cast_dates_in(tree, schema)
    measures = order_by_measure_in(tree, schema)
    ties = keep_ties_in(tree, schema, nulls_written=written_nulls(sql))
    labels = show_labels_in(tree, schema, question)
    once = once_per_answer_in(tree, schema)
    done = Rewritten(sql=sql, value_fixes=grounded + swapped, sql_fixes=names + moved + called + idle + totals + excluded + sizes + tops + dates + measures + ties + labels + once)
    if done.value_fixes or done.sql_fixes:
        done.sql = render(tree)
    return done
