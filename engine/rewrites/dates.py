"""A date or timestamp compared with LIKE is compared as text.

Models trained on SQLite filter dates as text: ``signup_at LIKE '2024%'``.
PostgreSQL has no LIKE for dates and timestamps ("operator does not exist:
timestamp with time zone ~~ unknown"), and a repair usually writes the same
thing again. ``CAST(signup_at AS TEXT) LIKE '2024%'`` means what the model
meant: the ISO text of a date or timestamp starts with the year, month and
day. The original cannot run, so no correct query changes.
"""

from __future__ import annotations

from sqlglot import exp

from engine.rewrites.context import RewriteContext
from engine.rewrites.fix import Fix


def cast_dates_for_like(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    """``date_col LIKE 'pattern'`` -> ``CAST(date_col AS TEXT) LIKE 'pattern'``, edited in place."""
    fixes: list[Fix] = []
    for node in tree.find_all(exp.Like, exp.ILike):
        column, pattern = node.this, node.expression
        if not (isinstance(column, exp.Column) and isinstance(pattern, exp.Literal) and pattern.is_string):
            continue
        resolved = ctx.scope_of(tree).resolve(column)
        if resolved is None or resolved[1].type_class != "temporal":
            continue
        before = column.sql(dialect="postgres")
        column.replace(exp.Cast(this=column.copy(), to=exp.DataType.build("text")))
        fixes.append(Fix(before=before, after=f"CAST({before} AS TEXT)", reason=f"{resolved[0].display_name}.{resolved[1].name} is {resolved[1].type}; LIKE compares text"))
    return fixes
