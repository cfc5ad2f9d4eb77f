"""Size words rank by area: "the largest state" is the one with the most land, not the most people.

In everyday English a place's size is its extent: the largest state, the
smallest country, the biggest county. Population has words of its own
("most populous", "largest population", "most people"). Small models read
"largest" as "most of the number that looks important" and rank by a
population column even when the table records an area. ``rank_size_by_area``
moves such a ranking to the area column when:

- the question ranks by a size word (largest, biggest, smallest, ...) and
  says nothing that makes population the measure;
- the query orders by, or takes MAX/MIN of, a population column; and
- the same table has exactly one numeric column named for an area.

Tables without an area column keep population: "the largest city" of a
table of cities ranks by the number it has. Applied before validation; the
rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

import re

from sqlglot import exp

from engine.schema import Column, Schema, Table
from engine.sql_tree import ident, on_text
from engine.values import resolve_column, tables_by_alias

SIZE_WORD = re.compile(r"\b(?:largest|biggest|smallest|larger|bigger|smaller|large|big|small)\b", re.IGNORECASE)
# The question itself makes population the measure: "most populous", "largest population", "biggest by population".
POPULATION_MEASURE = re.compile(
    r"\bpopulous\b|\bpopulated\b|\b(?:largest|biggest|smallest|larger|bigger|smaller|most|least|fewest|greatest)\s+"
    r"(?:in\s+|by\s+)?(?:population|people|inhabitants|residents|citizens)\b",
    re.IGNORECASE,
)
POPULATION_COLUMN = re.compile(r"popul", re.IGNORECASE)
# area, land_area, area_km2 (not area_code)
AREA_COLUMN = re.compile(r"(?:^|_)area(?:_(?:km2|sq_?km|sq_?mi|km|mi))?$", re.IGNORECASE)


def rank_size_by_area(sql_text: str, schema: Schema, question: str) -> tuple[str, list[str]]:
    """The rewrite described above; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: rank_size_by_area_in(tree, schema, question))


def rank_size_by_area_in(tree: exp.Expression, schema: Schema, question: str) -> list[str]:
    """``rank_size_by_area`` on a parsed statement, edited in place."""
    if not SIZE_WORD.search(question) or POPULATION_MEASURE.search(question):
        return []
    fixes: list[str] = []
    for column_node in _ranked_columns(tree):
        resolved = _resolve(column_node, schema)
        if resolved is None or not POPULATION_COLUMN.search(resolved[1].name):
            continue
        area = _area_column(resolved[0])
        if area is None:
            continue
        before = column_node.sql(dialect="postgres")
        column_node.set("this", ident(area.name))
        fixes.append(f"{before} -> {column_node.sql(dialect='postgres')}: a size word ranks {resolved[0].display_name} by area")
    return fixes


def _ranked_columns(tree: exp.Expression) -> list[exp.Column]:
    """Columns the query ranks by: ORDER BY keys, the arguments of MAX and MIN, and a column compared with such a MAX or MIN."""
    keys = [o.this for o in tree.find_all(exp.Ordered) if not _distinct_unlimited(o.find_ancestor(exp.Select))]
    extremes = list(tree.find_all(exp.Max, exp.Min))
    keys += [agg.this for agg in extremes]
    for agg in extremes:  # population = (SELECT MAX(population) FROM ...): both sides rank
        subquery = agg.parent.parent if isinstance(agg.parent, exp.Select) else None
        comparison = subquery.parent if isinstance(subquery, exp.Subquery) else None
        if isinstance(comparison, exp.EQ) and len(agg.parent.expressions) == 1:
            keys += [side for side in (comparison.this, comparison.expression) if side is not subquery]
    return [k for k in keys if isinstance(k, exp.Column)]


def _distinct_unlimited(select: exp.Select | None) -> bool:
    """``SELECT DISTINCT ... ORDER BY`` without LIMIT: PostgreSQL orders it only by selected expressions, and area
    is not one. (With ``LIMIT 1`` the superlative rewrite moves DISTINCT around the ranked query: engine/sql_fixes.py.)"""
    return select is not None and bool(select.args.get("distinct")) and select.args.get("limit") is None


def _resolve(column_node: exp.Column, schema: Schema) -> tuple[Table, Column] | None:
    """The column's table, read in its own SELECT first (a subquery's bare ``population`` is its own table's)."""
    select = column_node.find_ancestor(exp.Select)
    if select is not None:
        sources = [select.args["from_"].this] if select.args.get("from_") else []
        sources += [join.this for join in select.args.get("joins") or []]
        own = {alias: table for node in sources for alias, table in tables_by_alias(node, schema).items()}
        if (found := resolve_column(column_node, own)) is not None:
            return found
    return resolve_column(column_node, tables_by_alias(column_node.root(), schema))


def _area_column(table: Table) -> Column | None:
    found = [c for c in table.columns if AREA_COLUMN.search(c.name) and c.type_class == "number"]
    return found[0] if len(found) == 1 else None
