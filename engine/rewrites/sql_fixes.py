"""Deterministic rewrites of habits small models bring from SQLite, and of superlatives.

Models trained on Spider and BIRD (SQLite) filter dates as text:
``signup_at LIKE '2024%'``. PostgreSQL has no LIKE for dates and timestamps
("operator does not exist: timestamp with time zone ~~ unknown"), and a
repair usually writes the same thing again. Comparing the column's text form
(``CAST(signup_at AS TEXT) LIKE '2024%'``) means what the model meant: the
ISO text of a date or timestamp starts with the year, month and day.

``keep_ties`` gives superlatives ("the most expensive product") the meaning the
question has: every row that shares the top value, each once, never a NULL.
``order_by_measure`` ranks by the number a ranked name stands beside
(``warmest_month`` text sorts alphabetically; ``warmest_temp`` is the measure).

Applied before validation; every rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

import re

from sqlglot import exp

from engine.schema import Column, Schema, Table
from engine.sql_tree import ident, on_text, orders_by_selected, projects_only
from engine.values.index import resolve_column, tables_by_alias
from engine.words import words


def cast_dates_for_like(sql_text: str, schema: Schema) -> tuple[str, list[str]]:
    """``date_col LIKE 'pattern'`` -> ``CAST(date_col AS TEXT) LIKE 'pattern'``; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: cast_dates_in(tree, schema))


def cast_dates_in(tree: exp.Expression, schema: Schema) -> list[str]:
    """``cast_dates_for_like`` on a parsed statement, edited in place."""
    aliases = tables_by_alias(tree, schema)
    fixes: list[str] = []
    for node in tree.find_all(exp.Like, exp.ILike):
        column, pattern = node.this, node.expression
        if not (isinstance(column, exp.Column) and isinstance(pattern, exp.Literal) and pattern.is_string):
            continue
        resolved = resolve_column(column, aliases)
        if resolved is None or resolved[1].type_class != "temporal":
            continue
        column.replace(exp.Cast(this=column.copy(), to=exp.DataType.build("text")))
        fixes.append(f"{resolved[0].display_name}.{resolved[1].name} ({resolved[1].type}) compared as text for LIKE")
    return fixes


def keep_ties(sql_text: str, schema: Schema) -> tuple[str, list[str]]:
    """Superlatives keep their ties and never pick NULL as the largest value.

    ``ORDER BY x LIMIT 1`` returns one arbitrary row of several that share the
    top value; ``FETCH FIRST 1 ROWS WITH TIES`` returns all of them. Only the
    outermost query, ``IN (subquery)`` and a subquery in FROM that the outer
    query only projects (no aggregate) change: a scalar subquery must stay one
    row. ``ORDER BY x DESC`` under a LIMIT puts NULLs first in PostgreSQL,
    so "the highest" would be an unknown value; ``NULLS LAST`` skips them
    (unless the SQL spells out a NULLS order itself). Over a join, a tied
    answer comes once per joined row; it is listed once. ``WITH TIES`` needs
    PostgreSQL 13 or later; older servers keep ``LIMIT 1``.
    """
    return on_text(sql_text, lambda tree: keep_ties_in(tree, schema, nulls_written=written_nulls(sql_text)))


def written_nulls(sql_text: str) -> bool:
    """The SQL as the model wrote it names a NULLS order (the parsed tree cannot tell a written one from the default)."""
    return "nulls" in sql_text.lower()


def keep_ties_in(tree: exp.Expression, schema: Schema, *, nulls_written: bool) -> list[str]:
    """``keep_ties`` on a parsed statement, edited in place; ``nulls_written``: leave NULLS orders alone."""
    fixes: list[str] = []
    with_ties = _major_version(schema.server_version) >= 13
    for select in list(tree.find_all(exp.Select)):  # a list: _once_each nests a copy of the query
        order, limit = select.args.get("order"), select.args.get("limit")
        if order is None or limit is None:
            continue
        if not nulls_written:
            for key in order.expressions:
                if key.args.get("desc") and key.args.get("nulls_first"):
                    key.set("nulls_first", False)
                    fixes.append(f"ORDER BY {key.this.sql(dialect='postgres')} DESC puts NULLs last")
        tie_safe = select is tree or _ties_pass_through(select)
        if tie_safe and with_ties and _is_one(limit) and select.args.get("offset") is None:
            select.set("limit", exp.Fetch(direction="FIRST", count=exp.Literal.number(1), limit_options=exp.LimitOptions(rows=True, with_ties=True)))
            fixes.append("LIMIT 1 keeps ties (FETCH FIRST 1 ROWS WITH TIES)")
            if projects_only(select) and (fix := _once_each(select)):
                fixes.append(fix)
    return fixes


def _once_each(select: exp.Select) -> str | None:
    """List each tied answer once: a join repeats it once per joined row.

    DISTINCT when the query selects what it orders by; otherwise around the
    query, since PostgreSQL refuses ``SELECT DISTINCT`` ordered by unselected
    values (SQLite allows it, so models write it).
    """
    distinct = bool(select.args.get("distinct"))
    if not select.args.get("joins") and not distinct:
        return None
    if orders_by_selected(select):
        if distinct:
            return None
        select.set("distinct", exp.Distinct())
        return "each tied answer listed once (DISTINCT)"
    ranked = select.copy()
    ranked.set("with_", None)
    ranked.set("distinct", None)
    for arg in [a for a in select.args if a != "with_"]:
        select.set(arg, None)
    select.set("expressions", [exp.Star()])
    select.set("distinct", exp.Distinct())
    select.set("from_", exp.From(this=exp.Subquery(this=ranked, alias=exp.TableAlias(this=exp.to_identifier("ranked")))))
    return "each tied answer listed once (SELECT DISTINCT * FROM (...) AS ranked)"


def _ties_pass_through(select: exp.Select) -> bool:
    """Extra tied rows of this subquery reach the answer as rows: ``IN (subquery)``, or a derived table of a query that only projects it and returns rows itself."""
    subquery = select.parent
    if not isinstance(subquery, exp.Subquery):
        return False
    if isinstance(subquery.parent, exp.In):
        return True
    outer = subquery.find_ancestor(exp.Select)
    if not isinstance(subquery.parent, (exp.From, exp.Join)) or outer is None or not projects_only(outer):
        return False
    return outer.parent is None or _ties_pass_through(outer)  # not in a scalar subquery, which must stay one row


def _is_one(limit: exp.Expression) -> bool:
    """``LIMIT 1`` or ``FETCH FIRST 1 ROWS ONLY`` (not one that keeps ties already: the rewrite runs again on repairs that copy it)."""
    options = limit.args.get("limit_options")
    if options is not None and options.args.get("with_ties"):
        return False
    count = limit.expression if isinstance(limit, exp.Limit) else limit.args.get("count")
    return isinstance(count, exp.Literal) and not count.is_string and count.this.strip() == "1"


# Words that say a column holds the top (or bottom) of something, not an attribute of its own.
_RANK_WORDS = frozenset(
    "highest lowest largest smallest biggest longest shortest tallest deepest heaviest lightest fastest slowest "
    "warmest coldest hottest oldest youngest newest earliest latest max min maximum minimum top best worst most least".split()
)


def order_by_measure(sql_text: str, schema: Schema) -> tuple[str, list[str]]:
    """A ranked name orders by its measure: ``ORDER BY warmest_month`` -> ``ORDER BY warmest_temp``.

    A text column whose name says it holds the highest (lowest, longest...)
    thing names that thing; ordering by it sorts the names alphabetically,
    which no superlative means. When one number column of the same table
    carries the same rank word, the order uses it, keeping its direction.
    """
    return on_text(sql_text, lambda tree: order_by_measure_in(tree, schema))


def order_by_measure_in(tree: exp.Expression, schema: Schema) -> list[str]:
    """``order_by_measure`` on a parsed statement, edited in place."""
    aliases = tables_by_alias(tree, schema)
    fixes: list[str] = []
    for order in tree.find_all(exp.Order):
        for key in order.expressions:
            if not isinstance(key.this, exp.Column) or (resolved := resolve_column(key.this, aliases)) is None:
                continue
            table, column = resolved
            if column.type_class != "text" or not (rank := words(column.name) & _RANK_WORDS):
                continue
            measure = ranked_measure(table, rank)
            if measure is None:
                continue
            key.this.set("this", ident(measure.name))
            fixes.append(f"ORDER BY {table.display_name}.{column.name} (text, sorts alphabetically) orders by {table.display_name}.{measure.name}")
    return fixes


def ranked_measure(table: Table, rank: set[str]) -> Column | None:
    """The one number column of ``table`` whose name carries one of the rank words (``warmest_temp`` for {"warmest"})."""
    measures = [c for c in table.columns if c.type_class == "number" and words(c.name) & rank]
    return measures[0] if len(measures) == 1 else None


def _major_version(server_version: str) -> int:
    """13 for "13.4 (Debian ...)"; a schema without a version (built in code) counts as current."""
    match = re.match(r"\s*(\d+)", server_version)
    return int(match.group(1)) if match else 99
