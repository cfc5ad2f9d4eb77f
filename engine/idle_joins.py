"""Idle joins: a table joined only for a condition every one of its rows meets.

"What is the highest peak in the country?" over a database of one country,
written as ``SELECT p.name FROM cities c JOIN peaks p ON c.country = p.region
WHERE c.country = 'usa' ORDER BY p.height DESC LIMIT 1``: the model joins
``cities`` only to say "in the country", but every city row holds
``country = 'usa'``, so the condition restricts nothing; the join itself
only adds harm, repeating rows (several cities per match) or, on columns
that share no values, finding none. ``drop_idle_joins`` removes such a table
and its join: ``SELECT p.name FROM peaks p ORDER BY p.height DESC LIMIT 1``.

A table counts as idle only when the database proves its condition holds for
every row (``column = literal`` on a column holding nothing else, no NULL),
the join is an inner join, and the query names the table nowhere else: not
in SELECT, GROUP BY, ORDER BY, another join's condition or a subquery. Its
own join condition may only equate its columns with other tables' columns.
Applied before validation; the rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from engine.errors import DatabaseError
from engine.executor import Executor
from engine.schema import Column, Schema, Table
from engine.sql_tree import conjuncts, on_text
from engine.values import column_equals_literal, probe_rows, resolve_column, tables_by_alias

# Whether every row of the table holds exactly this value in the column (False when unknown).
HoldsOnly = Callable[[Table, Column, str], bool]

HOLDS_ONLY_QUERY = "SELECT NOT EXISTS (SELECT 1 FROM {nsp}.{rel} WHERE {col}::text IS DISTINCT FROM {lit})"


def drop_idle_joins(sql_text: str, schema: Schema, holds_only: HoldsOnly) -> tuple[str, list[str]]:
    """The rewrite described above; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: drop_idle_joins_in(tree, schema, holds_only))


def drop_idle_joins_in(tree: exp.Expression, schema: Schema, holds_only: HoldsOnly) -> list[str]:
    """``drop_idle_joins`` on a parsed statement, every SELECT of it, edited in place."""
    aliases = tables_by_alias(tree, schema)
    fixes: list[str] = []
    for select in list(tree.find_all(exp.Select)):
        while (fix := _drop_one(select, tree, aliases, holds_only)) is not None:
            fixes.append(fix)
    return fixes


def _drop_one(select: exp.Select, tree: exp.Expression, aliases: dict[str, Table], holds_only: HoldsOnly) -> str | None:
    joins = select.args.get("joins") or []
    source = select.args.get("from_")
    if not joins or source is None or not isinstance(source.this, exp.Table):
        return None
    if any(not isinstance(j.this, exp.Table) or j.side or j.kind.upper() in ("CROSS", "OUTER") or j.args.get("using") for j in joins):
        return None
    if any(isinstance(e, exp.Star) for e in select.expressions):
        return None
    nodes = [source.this] + [j.this for j in joins]
    for position, node in enumerate(nodes):
        alias = node.alias_or_name
        table = aliases.get(alias)
        if table is None or sum(1 for t in tree.find_all(exp.Table) if t.alias_or_name == alias) != 1:
            continue
        idle = _idle_filters(select, alias, aliases, holds_only)
        if idle is None:
            continue
        link = joins[0] if position == 0 else joins[position - 1]
        if not _links_only(link.args.get("on"), alias, aliases):
            continue
        if not _named_only_in(tree, alias, table, link, idle):
            continue
        _remove(select, position, idle)
        return f"dropped the join with {table.display_name}: every {table.display_name} row meets its condition, and the query uses it for nothing else"
    return None


def _idle_filters(select: exp.Select, alias: str, aliases: dict[str, Table], holds_only: HoldsOnly) -> list[exp.Expression] | None:
    """The WHERE conjuncts about ``alias``, when each is ``column = literal`` that every row meets; None when any is not."""
    where = select.args.get("where")
    parts = conjuncts(where.this) if where is not None else []
    mine = [p for p in parts if any(c.table == alias for c in p.find_all(exp.Column))]
    if not mine:
        return None
    for part in mine:
        pair = column_equals_literal(part)
        if pair is None or pair[0].table != alias:
            return None
        resolved = resolve_column(pair[0], aliases)
        if resolved is None or not holds_only(resolved[0], resolved[1], pair[1].this):
            return None
    return mine


def _links_only(on: exp.Expression | None, alias: str, aliases: dict[str, Table]) -> bool:
    """The join condition equates ``alias``'s columns with other tables' columns, and says nothing else."""
    if on is None:
        return False
    for part in conjuncts(on):
        if not (isinstance(part, exp.EQ) and isinstance(part.this, exp.Column) and isinstance(part.expression, exp.Column)):
            return False
        sides = {part.this.table, part.expression.table}
        if alias not in sides or len(sides) != 2 or not all(s in aliases for s in sides):
            return False
    return True


def _named_only_in(tree: exp.Expression, alias: str, table: Table, link: exp.Join, idle: list[exp.Expression]) -> bool:
    """Every reference to ``alias`` sits in its join condition or its idle filters; no bare column could mean it."""
    allowed = {id(c) for node in (link.args["on"], *idle) for c in node.find_all(exp.Column)}
    for column in tree.find_all(exp.Column):
        if column.table == alias and id(column) not in allowed:
            return False
        if not column.table and table.column(column.name) is not None:
            return False
    return True


def _remove(select: exp.Select, position: int, idle: list[exp.Expression]) -> None:
    """Drop the table at ``position`` (0: the FROM table, whose first join then becomes FROM) and its idle filters."""
    where = select.args["where"]
    kept = [p for p in conjuncts(where.this) if not any(p is i for i in idle)]
    select.set("where", exp.Where(this=exp.and_(*kept)) if kept else None)
    joins = list(select.args["joins"])
    if position == 0:
        first = joins.pop(0)
        select.set("from_", exp.From(this=first.this))
    else:
        joins.pop(position - 1)
    select.set("joins", joins or None)


def database_holds_only(executor: Executor) -> HoldsOnly:
    """A ``HoldsOnly`` that asks the database (read-only, short timeout; False when it cannot tell)."""

    def holds_only(table: Table, column: Column, literal: str) -> bool:
        try:
            return probe_rows(executor, HOLDS_ONLY_QUERY, table, column, literal) == [True]
        except DatabaseError:
            return False

    return holds_only
