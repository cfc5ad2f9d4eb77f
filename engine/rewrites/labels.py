"""Answers show what a lookup id stands for, not the id.

"Which department is Ann in?" answered with ``employees.department_id`` gives
the user ``3``; the value they asked for is ``departments.name`` (``Sales``).
When the outermost query selects a foreign key to a *lookup table* (a numeric
surrogate key plus exactly one text column: a department, a status, a colour) and the
question does not ask for ids, ``show_labels`` selects that text instead,
through a LEFT JOIN so that no row is lost or repeated. Natural keys
(``country_code = 'FR'``) and tables with more than one descriptive column
(customers) are left alone.

The other direction, ``compare_labels``: ``eye_colour_id = 'Blue'`` compares
an id with a label (PostgreSQL refuses it, and a repair often writes it again);
it becomes ``eye_colour_id IN (SELECT id FROM colour WHERE colour = 'Blue')``.

Applied before validation; every rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.scope import build_scope

from engine.rewrites.names import pin_bare_columns, real_sources, resolve
from engine.rewrites.fix import Fix
from engine.schema import ForeignKey, Schema, Table
from engine.sql_tree import ident, on_text, table_node
from engine.policy.validator import NUMBER_TEXT
from engine.scope import resolve_column, tables_by_alias
from engine.sql_tree import compared_literals

ASKS_FOR_IDS = re.compile(r"\b(ids?|identifiers?|keys?|codes?)\b", re.I)


def show_labels(sql_text: str, schema: Schema, question: str) -> tuple[str, list[Fix]]:
    """Replace selected lookup-table ids by their labels; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: show_labels_in(tree, schema, question))


def show_labels_in(tree: exp.Expression, schema: Schema, question: str) -> list[Fix]:
    """``show_labels`` on a parsed statement, edited in place."""
    if ASKS_FOR_IDS.search(question) or not isinstance(tree, exp.Select):
        return []
    try:
        scope = build_scope(tree)
    except (OptimizeError, RecursionError):
        return []
    sources = real_sources(scope, schema) if scope is not None else None
    if not sources:  # no FROM, or a CTE or subquery in it: leave the query as written
        return []
    taken = {name.lower() for name in sources} | {t.name.lower() for t in tree.find_all(exp.Table)}
    fixes: list[Fix] = []
    for projection in list(tree.expressions):
        column = projection.this if isinstance(projection, exp.Alias) else projection
        if not isinstance(column, exp.Column):
            continue
        owner = resolve(column, sources)
        lookup = _lookup_of(owner[0].table, column.name, schema) if owner else None
        if lookup is None or not _groupable(tree, column):
            continue
        fk, target, label = lookup
        alias = _free_alias(column.name.removesuffix("_id") or target.name, taken)
        taken.add(alias)
        pin_bare_columns(scope, sources, target)  # the joined table's id and label must not make a bare name ambiguous
        key = fk.to_columns[0]
        tree.join(
            table_node(target),
            on=exp.EQ(this=exp.Column(this=ident(key), table=ident(alias)), expression=exp.Column(this=ident(column.name), table=owner[0].ref())),
            join_type="left",
            join_alias=alias,
            copy=False,
        )
        shown = exp.Column(this=ident(label), table=ident(alias))
        if tree.args.get("group"):
            tree.group_by(shown.copy(), copy=False)
        projection.replace(exp.alias_(shown, projection.args["alias"].copy() if isinstance(projection, exp.Alias) else ident(alias)))
        fixes.append(Fix(before=column.sql(dialect="postgres"), after=f"{target.display_name}.{label}", reason="the label it stands for"))
    return fixes


def compare_labels(sql_text: str, schema: Schema) -> tuple[str, list[Fix]]:
    """Compare lookup ids with a label through their lookup table; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: compare_labels_in(tree, schema))


def compare_labels_in(tree: exp.Expression, schema: Schema) -> list[Fix]:
    """``compare_labels`` on a parsed statement, edited in place (``=`` and ``<>`` with a text literal)."""
    aliases = tables_by_alias(tree, schema)
    fixes: list[Fix] = []
    for column, literal in compared_literals(tree):
        node = column.parent
        if not isinstance(node, (exp.EQ, exp.NEQ)) or NUMBER_TEXT.match(literal.this):  # a number in quotes is an id
            continue
        owner = resolve_column(column, aliases)
        lookup = _lookup_of(owner[0], column.name, schema) if owner else None
        if lookup is None:
            continue
        fk, target, label = lookup
        ids = exp.select(ident(fk.to_columns[0])).from_(table_node(target)).where(exp.column(ident(label)).eq(literal.copy()))
        found: exp.Expression = exp.In(this=column.copy(), query=exp.Subquery(this=ids))
        node.replace(found if isinstance(node, exp.EQ) else exp.Not(this=found))
        fixes.append(Fix(before=node.sql(dialect="postgres"), after=f"{column.sql(dialect='postgres')} compared with '{literal.this}' through {target.display_name}.{label}", reason="an id, not its label"))
    return fixes


def _lookup_of(table: Table, column: str, schema: Schema) -> tuple[ForeignKey, Table, str] | None:
    """The lookup table ``column`` references, and its one text column."""
    for fk in table.foreign_keys:
        target = schema.table(f"{fk.to_schema}.{fk.to_table}")
        if fk.from_columns != [column] or target is None or target.primary_key != fk.to_columns:
            continue
        key = target.column(fk.to_columns[0])
        rest = [c for c in target.columns if c.name not in target.primary_key]
        if key is not None and key.type_class == "number" and len(rest) == 1 and rest[0].type_class == "text":
            return fk, target, rest[0].name
    return None


def _groupable(tree: exp.Select, column: exp.Column) -> bool:
    """Without GROUP BY any projection may change; with it, only one the query groups by."""
    group = tree.args.get("group")
    return group is None or any(e == column for e in group.expressions)


def _free_alias(base: str, taken: set[str]) -> str:
    alias, n = base.lower(), 2
    while alias in taken:
        alias, n = f"{base.lower()}{n}", n + 1
    return alias
