"""Entity totals: a sum over a detail table when the named entity's own row stores the total.

"How many people live in Oregon?" over ``towns(name, population, region)``
and ``regions(region, population, ...)``, written as ``SELECT SUM(population)
FROM towns WHERE region = 'oregon'``: that adds up the towns the database
happens to list, not the people of Oregon. The ``regions`` row for Oregon
stores the figure itself, so ``take_entity_totals`` reads it there:
``SELECT SUM(population) FROM regions WHERE region = 'oregon'`` (a sum of one
row, the row's own value).

The rewrite needs all of this, or it leaves the query alone:

- the query is ``SELECT SUM(column) FROM one_table WHERE column = 'literal'
  [AND ...]``: no join, grouping, ordering or DISTINCT;
- the question does not name the summed table ("people in the towns of
  Oregon" asks for the towns' sum);
- exactly one other table has the summed column (numeric) and every filtered
  column, under the same names;
- the database proves that the filters pick exactly one row of that table.

Applied before validation; the rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

from collections.abc import Callable

from psycopg2 import sql as pgsql
from sqlglot import exp

from engine.errors import DatabaseError
from engine.executor import Executor
from engine.schema import Column, Schema, Table
from engine.sql_tree import conjuncts, ident, on_text, table_node
from engine.values import column_equals_literal, resolve_column, tables_by_alias
from programs.prefilter import words

# Whether exactly one row of the table meets every (column = literal) filter (False when unknown).
OneRow = Callable[[Table, list[tuple[Column, str]]], bool]


def take_entity_totals(sql_text: str, schema: Schema, question: str, one_row: OneRow) -> tuple[str, list[str]]:
    """The rewrite described above; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: take_entity_totals_in(tree, schema, question, one_row))


def take_entity_totals_in(tree: exp.Expression, schema: Schema, question: str, one_row: OneRow) -> list[str]:
    """``take_entity_totals`` on a parsed statement (its outer SELECT), edited in place."""
    if not isinstance(tree, exp.Select):
        return []
    shape = _sum_of_filtered_table(tree, schema)
    if shape is None:
        return []
    detail, summed, filters = shape
    if words(detail.name) & words(question):
        return []
    owners = [t for t in schema.tables if t is not detail and _holds(t, summed, [c for c, _ in filters])]
    if len(owners) != 1:
        return []
    owner = owners[0]
    if not one_row(owner, [(owner.column(c.name), literal) for c, literal in filters]):  # type: ignore[misc]
        return []
    _read_from(tree, detail, owner)
    return [f"took {summed.name} from the one {owner.display_name} row the conditions name, which stores the total, instead of summing {detail.display_name} rows"]


def _sum_of_filtered_table(select: exp.Select, schema: Schema) -> tuple[Table, Column, list[tuple[Column, str]]] | None:
    """(table, summed column, [(filtered column, literal)]) when the query has the shape above."""
    if select.args.get("joins") or select.args.get("group") or select.args.get("having") or select.args.get("order") or select.args.get("distinct"):
        return None
    source, where = select.args.get("from_"), select.args.get("where")
    if source is None or not isinstance(source.this, exp.Table) or where is None or len(select.expressions) != 1:
        return None
    total = select.expressions[0].unalias()
    if not isinstance(total, exp.Sum) or not isinstance(total.this, exp.Column):
        return None
    aliases = tables_by_alias(select, schema)
    summed = resolve_column(total.this, aliases)
    if summed is None:
        return None
    filters: list[tuple[Column, str]] = []
    for part in conjuncts(where.this):
        pair = column_equals_literal(part)
        resolved = resolve_column(pair[0], aliases) if pair else None
        if pair is None or resolved is None:
            return None
        filters.append((resolved[1], pair[1].this))
    return summed[0], summed[1], filters


def _holds(table: Table, summed: Column, filtered: list[Column]) -> bool:
    """The table has the summed column (numeric, as in the detail table) and every filtered column, by name."""
    own = table.column(summed.name)
    return own is not None and own.type_class == summed.type_class == "number" and all(table.column(c.name) is not None for c in filtered)


def _read_from(select: exp.Select, detail: Table, owner: Table) -> None:
    """Point FROM at ``owner``; columns qualified by the detail table's bare name follow it."""
    node = select.args["from_"].this
    replacement = table_node(owner)
    if node.args.get("alias") is not None:
        replacement.set("alias", node.args["alias"])
    else:
        for column in select.find_all(exp.Column):
            if column.table == node.name:
                column.set("table", ident(owner.name))
    node.replace(replacement)


def database_one_row(executor: Executor) -> OneRow:
    """A ``OneRow`` that asks the database (read-only, short timeout; False when it cannot tell)."""

    def one_row(table: Table, filters: list[tuple[Column, str]]) -> bool:
        condition = pgsql.SQL(" AND ").join(pgsql.SQL("{}::text = {}").format(pgsql.Identifier(c.name), pgsql.Literal(v)) for c, v in filters)
        query = pgsql.SQL("SELECT count(*) FROM (SELECT 1 FROM {}.{} WHERE {} LIMIT 2) AS picked").format(
            pgsql.Identifier(table.schema_name), pgsql.Identifier(table.name), condition,
        )
        try:
            return executor.run(query.as_string(executor.connection()), max_rows=1).rows == [[1]]
        except DatabaseError:
            return False

    return one_row
