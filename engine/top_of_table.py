"""The top of a ranked column: "the tallest summit of the land" is one row, not every range's.

A table can store each row's own top value (``ranges.tallest_summit``,
``ranges.tallest_height``). Asked for "the tallest summit" over the whole
table, the model often selects the column as it is, ``SELECT tallest_summit
FROM ranges``: every range's tallest summit. The question's singular "the
tallest summit" asks for the top one, so ``rank_whole_table`` orders by the
measure and keeps the first row: ``... ORDER BY tallest_height DESC NULLS
LAST LIMIT 1`` (a later step keeps ties). A text column ranks by the one
number column of its table with the same rank word, as
``engine/sql_fixes.order_by_measure`` does.

Left alone: queries with any condition, grouping, ordering, limit, join or
aggregate; questions that ask about each or all rows, or say the noun in the
plural ("the tallest summits").
"""

from __future__ import annotations

from sqlglot import exp

from engine.schema import Column, Schema, Table
from engine.sql_fixes import ranked_measure
from engine.sql_tree import ident, on_text
from engine.values import normalize, resolve_column, tables_by_alias

DESCENDING = frozenset("highest largest biggest longest tallest deepest heaviest fastest warmest hottest max maximum top most".split())
ASCENDING = frozenset("lowest smallest shortest lightest slowest coldest min minimum least".split())
EVERY_ROW = frozenset("each every all per".split())


def rank_whole_table(sql_text: str, schema: Schema, question: str) -> tuple[str, list[str]]:
    """The rewrite described above; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: rank_whole_table_in(tree, schema, question))


def rank_whole_table_in(tree: exp.Expression, schema: Schema, question: str) -> list[str]:
    """``rank_whole_table`` on a parsed statement (its outer SELECT), edited in place."""
    if not isinstance(tree, exp.Select) or not _plain_projection(tree):
        return []
    tokens = normalize(question).split()
    if EVERY_ROW & set(tokens):
        return []
    aliases = tables_by_alias(tree, schema)
    selected = [resolve_column(e.unalias(), aliases) if isinstance(e.unalias(), exp.Column) else None for e in tree.expressions]
    if not selected or any(s is None for s in selected):
        return []
    asked = {(table.display_name, column.name): (table, column, word) for table, column in selected if (word := _asked_rank(column, tokens))}  # type: ignore[misc]
    if len(asked) != 1:
        return []
    table, column, word = next(iter(asked.values()))
    measure = _measure(table, column, word)
    if measure is None:
        return []
    key = exp.column(ident(measure.name), table=ident(tree.args["from_"].this.alias_or_name))
    tree.set("order", exp.Order(expressions=[exp.Ordered(this=key, desc=word in DESCENDING)]))
    tree.set("limit", exp.Limit(expression=exp.Literal.number(1)))
    direction = "highest" if word in DESCENDING else "lowest"
    return [f"the question asks for one {column.name} over all {table.display_name} rows: ordered by {measure.name}, the {direction} kept"]


def _plain_projection(select: exp.Select) -> bool:
    """One table's columns, as they are: nothing filters, groups, orders, limits, joins or aggregates."""
    if any(select.args.get(k) for k in ("joins", "where", "group", "having", "order", "limit", "distinct", "offset")):
        return False
    source = select.args.get("from_")
    return source is not None and isinstance(source.this, exp.Table) and not select.find(exp.AggFunc, exp.Window, exp.Subquery)


def _asked_rank(column: Column, tokens: list[str]) -> str | None:
    """The rank word of ``column`` when the question says "<rank word> <the column's other word>" in the singular."""
    name = column.name.lower().split("_")
    ranks = [w for w in name if w in DESCENDING | ASCENDING]
    if len(ranks) != 1:
        return None
    rest = [w for w in name if w != ranks[0]]
    phrase = [ranks[0], *rest]
    for i in range(len(tokens) - len(phrase) + 1):
        if tokens[i : i + len(phrase)] == phrase:
            return ranks[0]
    return None


def _measure(table: Table, column: Column, word: str) -> Column | None:
    """The number column that ranks ``column``: itself, or its table's one number column with the same rank word."""
    if column.type_class == "number":
        return column
    return ranked_measure(table, {word})
