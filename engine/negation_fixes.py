"""Questions that exclude something, asked of a table with several rows per answer.

``product_tags(product, tag)`` holds one row per product and tag. "Which
products are not tagged 'sale'?" written as ``SELECT product FROM product_tags
WHERE tag <> 'sale'`` lists every product with some other tag, including the
ones tagged 'sale': the condition excludes rows, the question excludes
products. Models write it this way because it reads like the question.

``exclude_answers`` rewrites it to ``product NOT IN (SELECT product FROM
product_tags WHERE tag = 'sale' AND product IS NOT NULL)`` when all of this holds:

- the question negates (not, n't, no, never, without, except, other than);
- the query selects one column of one table, with no join, group or aggregate,
  and its WHERE has ``other_column <> 'value'`` as one of its AND-ed conditions;
- the selected column is not the table's primary key (then rows are answers);
- the data shows the difference: some answer has a row with the value and a
  row without it (one read-only probe, short timeout).

Applied before validation; the rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from psycopg2 import sql as pgsql
from sqlglot import exp

from engine.errors import DatabaseError
from engine.executor import Executor
from engine.schema import Column, Schema, Table
from engine.sql_tree import conjuncts, ident, on_text, projects_only, table_node
from engine.values import resolve_column, tables_by_alias

# Table, selected column, compared column, value: does some selected value have a row with the value and one without?
HoldsBoth = Callable[[Table, Column, Column, str], bool]

_NEGATION = re.compile(r"\b(not|no|never|without|except|excluding|other than)\b|n't\b", re.IGNORECASE)


def exclude_answers(sql_text: str, schema: Schema, question: str, holds_both: HoldsBoth) -> tuple[str, list[str]]:
    """The rewrite described above; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: exclude_answers_in(tree, schema, question, holds_both))


def exclude_answers_in(tree: exp.Expression, schema: Schema, question: str, holds_both: HoldsBoth) -> list[str]:
    """The rewrite described above, on a parsed statement, edited in place."""
    if not isinstance(tree, exp.Select) or not _NEGATION.search(question) or not _one_table_rows(tree):
        return []
    aliases = tables_by_alias(tree, schema)
    [shown] = tree.expressions
    picked = resolve_column(shown.unalias(), aliases) if isinstance(shown.unalias(), exp.Column) else None
    if picked is None or picked[0].primary_key == [picked[1].name]:
        return []
    table, answer = picked
    fixes: list[str] = []
    for condition in conjuncts(tree.args["where"].this):
        if not (isinstance(condition, exp.NEQ) and isinstance(condition.this, exp.Column) and isinstance(condition.expression, exp.Literal)):
            continue
        if not condition.expression.is_string or (compared := resolve_column(condition.this, aliases)) is None or compared[1] is answer:
            continue
        value = condition.expression.this
        if not holds_both(table, answer, compared[1], value):
            continue
        having = exp.select(ident(answer.name)).from_(table_node(table)).where(
            exp.and_(exp.column(ident(compared[1].name)).eq(exp.Literal.string(value)), exp.column(ident(answer.name)).is_(exp.null()).not_())
        )
        condition.replace(exp.Not(this=exp.In(this=shown.unalias().copy(), query=exp.Subquery(this=having))))
        fixes.append(
            f"{table.display_name}.{compared[1].name} <> '{value}' -> {answer.name} NOT IN (those with '{value}'): "
            f"a {answer.name} has several rows, and the question excludes it, not its rows"
        )
    return fixes


def database_holds_both(executor: Executor) -> HoldsBoth:
    """A ``HoldsBoth`` that asks the database (False when it cannot tell: then the query stays as written)."""

    def holds_both(table: Table, answer: Column, compared: Column, value: str) -> bool:
        query = pgsql.SQL(
            "SELECT 1 FROM {rel} AS a WHERE a.{col} = {lit} AND EXISTS "
            "(SELECT 1 FROM {rel} AS b WHERE b.{ans} = a.{ans} AND b.{col} IS DISTINCT FROM a.{col}) LIMIT 1"
        ).format(
            rel=pgsql.Identifier(table.schema_name, table.name), col=pgsql.Identifier(compared.name),
            ans=pgsql.Identifier(answer.name), lit=pgsql.Literal(value),
        )
        try:
            return bool(executor.run(query.as_string(executor.connection()), max_rows=1).rows)
        except DatabaseError:
            return False

    return holds_both


def _one_table_rows(select: exp.Select) -> bool:
    """One selected expression over one table, rows as they are: no join, GROUP BY, aggregate, or set operation."""
    return (
        len(select.expressions) == 1
        and isinstance(select.args.get("from_") and select.args["from_"].this, exp.Table)
        and not select.args.get("joins")
        and select.args.get("where") is not None
        and projects_only(select)
    )
