"""Columns a grouped query shows beside a key the database never declared are grouped too.

``SELECT u.name, COUNT(*) FROM users u JOIN tip t ON ... GROUP BY u.user_id``
is how SQLite and MySQL, whose habits models learned, show a group's label.
PostgreSQL runs it only when ``user_id`` is the declared primary key of
``users``; otherwise it fails ("column u.name must appear in the GROUP BY
clause"), and a repair often writes it again. When the grouped column is the
key of its table that the database does not declare (a column another
table's key refers to: ``Table.is_key``), the other columns of that table the
query shows are added to its GROUP BY: a key has one row, so one value of
each, and the groups stay the same.

A query PostgreSQL runs is never changed: it groups the shown columns
already, or groups by a declared primary key. Left alone: columns inside an
aggregate, a window or a subquery; ORDER BY names that are outputs; grouping
sets.
"""

from __future__ import annotations

from sqlglot import exp

from engine.rewrites.context import RewriteContext
from engine.rewrites.fix import Fix
from engine.scope import owner


def group_shown_columns_by_key(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    """Add to each GROUP BY on an undeclared key the plain columns of that key's table the query shows; what changed."""
    query = ctx.scope_of(tree)
    fixes: list[Fix] = []
    for scope in query.selects:
        select, group = scope.expression, scope.expression.args.get("group")
        if not isinstance(select, exp.Select) or group is None or not group.expressions or _grouping_sets(group):
            continue
        sources = query.sources(scope)
        owners = [found for e in group.expressions if (found := owner(e, sources)) is not None]
        keyed = {id(src) for src, column in owners if not src.table.primary_key and src.table.is_key(column)}
        if not keyed:
            continue
        grouped = {(id(src), column) for src, column in owners}
        outputs = {p.alias.lower() for p in select.expressions if p.alias}
        added: list[exp.Column] = []
        for column in _shown_columns(select, outputs):
            found = owner(column, sources)
            if found is not None and id(found[0]) in keyed and (id(found[0]), found[1]) not in grouped:
                grouped.add((id(found[0]), found[1]))
                added.append(column.copy())
        if added:
            before = group.sql(dialect="postgres")
            group.set("expressions", [*group.expressions, *added])
            fixes.append(Fix(before=before, after=group.sql(dialect="postgres"), reason="grouped by a key the database does not declare"))
    if fixes:
        ctx.changed()
    return fixes


def _shown_columns(select: exp.Select, outputs: set[str]) -> list[exp.Column]:
    """Plain columns of this query outside aggregates, windows and subqueries: in its outputs, HAVING and ORDER BY."""
    order = select.args.get("order")
    having = select.args.get("having")
    found: list[exp.Column] = []
    for part in [*select.expressions, *([having] if having else []), *(order.expressions if order else [])]:
        for column in part.find_all(exp.Column):
            if column.find_ancestor(exp.AggFunc, exp.Window, exp.Select) is not select:
                continue
            if order and column.find_ancestor(exp.Order) is order and not column.table and column.name.lower() in outputs:
                continue
            found.append(column)
    return found


def _grouping_sets(group: exp.Group) -> bool:
    return any(group.args.get(k) for k in ("grouping_sets", "cube", "rollup"))
