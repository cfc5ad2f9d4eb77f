"""A one-sentence, always-truthful description of what a SELECT does.

On grammar backends the plan's explanation is derived from the SQL itself
rather than generated: it costs no tokens and cannot contradict the query.
"""

from __future__ import annotations

from sqlglot import exp

from engine.sql_tree import parse


def describe_sql(sql: str) -> str:
    tree = parse(sql)
    if tree is None:
        return "Runs the generated query."
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if select is None:
        return "Runs the generated query."
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    tables = list(dict.fromkeys(t.name for t in tree.find_all(exp.Table) if t.name not in ctes))
    parts = [f"Reads {_join_words(tables) or 'no table'}"]
    if ctes:
        parts.append(f"in {len(ctes)} step{'s' if len(ctes) > 1 else ''}")
    if select.args.get("where"):
        parts.append("filters rows")
    if select.args.get("group"):
        keys = [g.sql(dialect="postgres") for g in select.args["group"].expressions]
        parts.append(f"groups by {_join_words(keys)}")
    aggregates = sorted({type(a).__name__.lower() for a in select.find_all(exp.AggFunc)})
    if aggregates:
        parts.append(f"computes {_join_words(aggregates)}")
    order = tree.args.get("order") or select.args.get("order")
    if order:
        keys = [o.sql(dialect="postgres") for o in order.expressions]
        parts.append(f"orders by {_join_words(keys)}")
    limit = tree.args.get("limit") or select.args.get("limit")
    if limit is not None and limit.expression is not None:
        parts.append(f"keeps the first {limit.expression.sql(dialect='postgres')} rows")
    return ", ".join(parts) + "."


def _join_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
