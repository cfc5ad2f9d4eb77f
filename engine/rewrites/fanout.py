"""Answers a join repeats: a table joined only to filter lists each answer once per matching row.

"Which customers ordered a lamp?" written as ``SELECT c.id, c.name FROM customers c
JOIN orders o ON o.customer_id = c.id WHERE o.item = 'lamp'`` lists a customer
once per lamp order. The question asks for customers; the join with
``orders`` only filters them, and it fans out: several orders name one
customer. ``once_per_answer_in`` (the ``fanout`` step) makes it ``SELECT DISTINCT``.

It applies only when the keys prove the repetition, and only when the answer
shows the declared key of each table it is read from: equal rows are then the
same entity, never two customers who share a name. A joined table fans out
when its primary key is declared and its join condition does not cover it
(``o.customer_id`` is not the key of ``orders``); it only filters when every
selected column can be read from another table of the query (a column
equated with another in a join condition can be read from either). Left
alone: queries that group, aggregate, use window functions or ``SELECT *``,
that are DISTINCT already, that order by something they do not select
(PostgreSQL refuses DISTINCT there), outer joins, and a filtering table
whose rows the query names by several values ("the customer of orders 10,
11 and 12": one answer each). A table without a declared primary key proves
nothing: its rows may be one per answer.

Applied before validation; the rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

from sqlglot import exp

from engine.rewrites.fix import Fix
from engine.schema import Table
from engine.sql_tree import conjuncts, orders_by_selected, projects_only
from engine.scope import QueryScope, resolve_column
from engine.sql_tree import compared_literals

Ref = tuple[str, str]  # (alias, column)


def once_per_answer_in(tree: exp.Expression, query: QueryScope) -> list[Fix]:
    """The rewrite described above, on the outermost query, edited in place; what changed."""
    if not isinstance(tree, exp.Select) or not tree.args.get("joins") or tree.args.get("distinct") or not projects_only(tree):
        return []
    if tree.find(exp.Window) or any(j.side or j.kind.upper() in ("CROSS", "OUTER") for j in tree.args["joins"]):
        return []
    aliases = _query_tables(tree, query.aliases)
    if aliases is None:
        return []
    selected = _selected(tree, aliases)
    if selected is None or not orders_by_selected(tree):
        return []
    equal = _equalities(tree, aliases)
    if not _keys_selected(selected, aliases, equal):
        return []
    several = _named_by_several_values(tree, aliases)
    for alias, table in aliases.items():
        if _only_filters(alias, selected, equal) and _fans_out(alias, table, equal) and alias not in several:
            tree.set("distinct", exp.Distinct())
            return [Fix(before="SELECT", after="SELECT DISTINCT", reason=f"the join with {table.display_name} repeats each answer once per matching {table.display_name} row")]
    return []


def _query_tables(tree: exp.Select, known: dict[str, Table]) -> dict[str, Table] | None:
    """Alias -> table of the query's own FROM and JOINs; None when one is not a schema table (a subquery, a function)."""
    nodes = [tree.args["from_"].this] + [j.this for j in tree.args["joins"]] if tree.args.get("from_") else []
    if not nodes or not all(isinstance(n, exp.Table) and n.alias_or_name in known for n in nodes):
        return None
    return {n.alias_or_name: known[n.alias_or_name] for n in nodes}


def _ref(column: exp.Column, aliases: dict[str, Table]) -> Ref | None:
    found = resolve_column(column, aliases)
    if found is None:
        return None
    table, col = found
    alias = column.table or next(a for a, t in aliases.items() if t is table)
    return alias, col.name


def _selected(tree: exp.Select, aliases: dict[str, Table]) -> list[Ref] | None:
    """The query's own columns in its SELECT list; None for ``*`` or a column it cannot place."""
    refs: list[Ref] = []
    for expression in tree.expressions:
        if expression.find(exp.Star):
            return None
        for column in expression.find_all(exp.Column):
            if column.find_ancestor(exp.Select) is not tree:
                continue
            ref = _ref(column, aliases)
            if ref is None:
                return None
            refs.append(ref)
    return refs


def _keys_selected(selected: list[Ref], aliases: dict[str, Table], equal: list[tuple[Ref, Ref]]) -> bool:
    """Every selected column belongs to a table whose declared key the answer shows (directly or through a join equality).

    Only then do equal answer rows mean the same entity: two customers both
    named John Smith are two answers, and DISTINCT over names alone would merge them.
    """

    def same(ref: Ref) -> set[Ref]:
        return {ref} | {b for a, b in equal if a == ref} | {a for a, b in equal if b == ref}

    shown = set().union(*(same(r) for r in selected)) if selected else set()
    keyed = {a for a, t in aliases.items() if t.primary_key and all((a, k) in shown for k in t.primary_key)}
    return bool(selected) and all(any(alias in keyed for alias, _ in same(r)) for r in selected)


def _equalities(tree: exp.Select, aliases: dict[str, Table]) -> list[tuple[Ref, Ref]]:
    """``a.x = b.y`` pairs of two tables, from the join conditions and the query's own WHERE."""
    conditions = [j.args["on"] for j in tree.args["joins"] if j.args.get("on")]
    if tree.args.get("where"):
        conditions.append(tree.args["where"].this)
    pairs: list[tuple[Ref, Ref]] = []
    for eq in (part for condition in conditions for part in conjuncts(condition)):
        if isinstance(eq, exp.EQ) and isinstance(eq.this, exp.Column) and isinstance(eq.expression, exp.Column):
            left, right = _ref(eq.this, aliases), _ref(eq.expression, aliases)
            if left and right and left[0] != right[0]:
                pairs.append((left, right))
    return pairs


def _only_filters(alias: str, selected: list[Ref], equal: list[tuple[Ref, Ref]]) -> bool:
    """Every selected column can be read without this table: it belongs to another, or equals another's column."""
    for ref in selected:
        if ref[0] != alias:
            continue
        partners = {b[0] for a, b in equal if a == ref} | {a[0] for a, b in equal if b == ref}
        if not partners - {alias}:
            return False
    return True


def _named_by_several_values(tree: exp.Select, aliases: dict[str, Table]) -> set[str]:
    """Aliases of tables whose rows the query names by several values (``name IN ('a', 'b')``): each is asked about, and gets its row."""
    seen: dict[Ref, set[str]] = {}
    for column, literal in compared_literals(tree):
        if (ref := _ref(column, aliases)) is not None:
            seen.setdefault(ref, set()).add(literal.this)
    return {ref[0] for ref, values in seen.items() if len(values) > 1}


def _fans_out(alias: str, table: Table, equal: list[tuple[Ref, Ref]]) -> bool:
    """Several of this table's rows can match one row of the others: its declared key is not among its joined columns."""
    if not table.primary_key:
        return False
    joined = {a[1] for a, _ in equal if a[0] == alias} | {b[1] for _, b in equal if b[0] == alias}
    return not set(table.primary_key) <= joined
