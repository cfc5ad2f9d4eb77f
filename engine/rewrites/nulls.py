"""``ORDER BY x DESC`` under a LIMIT puts NULLs last.

PostgreSQL sorts NULL above every value, so ``ORDER BY price DESC LIMIT 1``
answers "the most expensive" with a product of unknown price (SQLite and
MySQL, whose habits models learned, sort NULLs lowest). ``NULLS LAST`` skips
them. Left alone when the SQL spells out a NULLS order itself (the parsed
tree cannot tell a written ``NULLS FIRST`` from the default, so the text is
checked), and when there is no LIMIT (then every row is shown anyway).
"""

from __future__ import annotations

from sqlglot import exp

from engine.rewrites.context import RewriteContext
from engine.rewrites.fix import Fix


def skip_nulls_in_top_rows(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    """Every ``ORDER BY ... DESC`` of a SELECT with a LIMIT gets ``NULLS LAST``, edited in place."""
    if "nulls" in ctx.sql.lower():
        return []
    fixes: list[Fix] = []
    for select in tree.find_all(exp.Select):
        order, limit = select.args.get("order"), select.args.get("limit")
        if order is None or limit is None:
            continue
        for key in order.expressions:
            if key.args.get("desc") and key.args.get("nulls_first"):
                key.set("nulls_first", False)
                shown = key.this.sql(dialect="postgres")
                fixes.append(Fix(before=f"ORDER BY {shown} DESC", after=f"ORDER BY {shown} DESC NULLS LAST", reason="under a LIMIT, NULLs would come first"))
    return fixes
