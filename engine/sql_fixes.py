"""Deterministic rewrites of dialect habits small models bring from SQLite.

Models trained on Spider and BIRD (SQLite) filter dates as text:
``signup_at LIKE '2024%'``. PostgreSQL has no LIKE for dates and timestamps
("operator does not exist: timestamp with time zone ~~ unknown"), and a
repair usually writes the same thing again. Comparing the column's text form
(``CAST(signup_at AS TEXT) LIKE '2024%'``) means what the model meant: the
ISO text of a date or timestamp starts with the year, month and day.

Applied before validation; every rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from engine.schema import Schema
from engine.values import resolve_column, tables_by_alias


def cast_dates_for_like(sql_text: str, schema: Schema) -> tuple[str, list[str]]:
    """``date_col LIKE 'pattern'`` -> ``CAST(date_col AS TEXT) LIKE 'pattern'``; returns the SQL and what changed."""
    try:
        tree = sqlglot.parse_one(sql_text, read="postgres")
    except sqlglot.errors.SqlglotError:
        return sql_text, []
    if tree is None:
        return sql_text, []
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
    return (tree.sql(dialect="postgres") if fixes else sql_text), fixes
