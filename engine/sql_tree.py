"""One parse per planned query, shared by every rewrite step (and how the steps write names).

``engine/rewrites/pipeline.py`` parses the SQL once and each step edits that tree in
place (tests run one step through ``rewrite(sql, ctx, steps={name})``). SQL that sqlglot
cannot parse, or that nests too deep for it, is left as it is: the validator
refuses it and says why.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from engine.schema.render import quote_ident
from engine.schema import Table


def parse(sql_text: str) -> exp.Expression | None:
    """The statement's tree (PostgreSQL dialect), or None when it does not parse."""
    try:
        return sqlglot.parse_one(sql_text, read="postgres")
    except (sqlglot.errors.SqlglotError, RecursionError):  # ParseError, TokenError (an unterminated string), too deep
        return None


def ident(name: str) -> exp.Identifier:
    """A schema name as an identifier, quoted when PostgreSQL would otherwise fold or misread it (``"EventId"``, ``"order"``)."""
    return exp.Identifier(this=name, quoted=quote_ident(name) != name)


def table_node(table: Table) -> exp.Table:
    """A schema table as it is named in SQL: bare in ``public``, ``schema.table`` otherwise."""
    return exp.Table(this=ident(table.name), db=ident(table.schema_name) if table.schema_name != "public" else None)


def projects_only(select: exp.Select) -> bool:
    """The query returns its rows as they are: no GROUP BY, and no aggregate of its own (a subquery's does not count)."""
    return not select.args.get("group") and not any(agg.find_ancestor(exp.Select) is select for agg in select.find_all(exp.AggFunc))


def orders_by_selected(select: exp.Select) -> bool:
    """No ORDER BY, or one over selected expressions only: PostgreSQL refuses ``SELECT DISTINCT`` ordered by anything else."""
    order = select.args.get("order")
    if order is None:
        return True
    shown = {e.unalias().sql(dialect="postgres") for e in select.expressions} | {e.alias for e in select.expressions if e.alias}
    return all(key.this.sql(dialect="postgres") in shown for key in order.expressions)


def conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    """The AND-ed parts of a condition (parentheses unwrapped)."""
    condition = condition.unnest()
    return list(condition.flatten()) if isinstance(condition, exp.And) else [condition]


def render(tree: exp.Expression) -> str:
    return tree.sql(dialect="postgres")


def compared_literals(tree: exp.Expression) -> list[tuple[exp.Column, exp.Literal]]:
    """Every (column, string literal) pair of ``=``, ``<>`` (either side) and ``IN``."""
    pairs: list[tuple[exp.Column, exp.Literal]] = []
    for node in tree.find_all(exp.EQ, exp.NEQ):
        left, right = node.this, node.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Literal) and right.is_string:
            pairs.append((left, right))
        elif isinstance(right, exp.Column) and isinstance(left, exp.Literal) and left.is_string:
            pairs.append((right, left))
    for node in tree.find_all(exp.In):
        if isinstance(node.this, exp.Column):
            pairs += [(node.this, item) for item in node.expressions if isinstance(item, exp.Literal) and item.is_string]
    return pairs
