"""Refusal texts for names that do not resolve, written to be fed back to a model.

Each message names what is wrong and the nearest real names (difflib), and for
a missing column also a table one foreign-key hop away that has it, so a repair
step can fix the query without seeing the whole schema again.
"""

from __future__ import annotations

import difflib
import re

from engine.schema import Column, ForeignKey, Schema, Table

MAX_LISTED = 40
TEMPORAL_NAME = re.compile(r"date|time|_at$|year|month|day")


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED])
    return shown + (", ..." if len(names) > MAX_LISTED else "")


def unknown_table(name: str, schema: Schema) -> str:
    """``table ordrs does not exist; did you mean orders?`` (or the list of tables)."""
    names = [t.display_name for t in schema.tables]
    same_name = [t.display_name for t in schema.tables if t.name.lower() == name.split(".")[-1].lower()]
    close = list(dict.fromkeys(same_name + difflib.get_close_matches(name.lower(), names, n=3, cutoff=0.6)))[:3]
    if close:
        return f"table {name} does not exist; did you mean {' or '.join(close)}?"
    return f"table {name} does not exist; tables are: {_listing(names)}"


def derived_column(column: str, outputs: dict[str, list[str]]) -> str:
    """``column top_customer does not exist in sub; sub has: customer_id, n`` (a subquery or CTE)."""
    has = "; ".join(f"{name} has: {_listing(columns) or 'no named columns'}" for name, columns in outputs.items())
    return f"column {column} does not exist in {', '.join(outputs)}; {has}"


def ambiguous_column(column: str, owners: list[str]) -> str:
    """``owners`` are ``alias.column`` spellings that would each resolve."""
    return f"column {column} is ambiguous: it could be {' or '.join(owners)}; qualify it with a table name or alias"


def unknown_column(
    column: str,
    target: Table | None,
    in_scope: list[Table],
    schema: Schema,
    *,
    qualifier: str = "",
    aliases: dict[str, Table] | None = None,
    compared_with: str = "",
) -> tuple[str, list[str]]:
    """Message for a column that is not in ``target`` (qualified) or in any table in scope, and the ``table.column``s it suggests.

    With the ``qualifier`` as written and the statement's ``aliases``, a
    positional alias is spelled out (``T2 is order_items``) and another alias
    whose table has the column comes first (``did you mean T1.total_amount?``).
    ``compared_with``: the alias of a same-named column the reference is
    compared with (``t1.ticker_id = t2.ticker_id``). Pointing at that alias
    would compare the column with itself; the key meant is a column of
    ``target`` named like it (``t1.tx_ticker_id``), so only those are suggested.
    """
    if target is not None:
        named = f"column {target.display_name}.{column} does not exist"
        if qualifier and qualifier != target.display_name and qualifier != target.name:
            named = f"column {qualifier}.{column} does not exist ({qualifier} is {target.display_name})"
        parts = [named, f"{target.display_name} has: {_listing([c.name for c in target.columns])}"]
        sibling = next((a for a, t in (aliases or {}).items() if t is not target and t.column(column) is not None and a not in (t.name, compared_with)), "")
        if sibling and aliases:
            hint = (f"did you mean {sibling}.{column} ({sibling} is {aliases[sibling].display_name})?", [f"{aliases[sibling].display_name}.{column}"])
        elif compared_with:
            hint = _close(column, [target], qualifier=qualifier)
        else:
            hint = _first(_via_foreign_key(column, target, schema), _elsewhere(column, [target], schema), _close(column, [target], qualifier=qualifier))
    else:
        parts = [f"column {column} does not exist in {', '.join(t.display_name for t in in_scope) or 'the tables in FROM'}"]
        hint = _first(*(_via_foreign_key(column, t, schema) for t in in_scope), _elsewhere(column, in_scope, schema), _close(column, in_scope))
    if hint[0]:
        parts.append(hint[0])
    return "; ".join(parts), hint[1]


Hint = tuple[str, list[str]]  # the sentence, and the table.column names it suggests
NO_HINT: Hint = ("", [])


def _first(*hints: Hint) -> Hint:
    return next((h for h in hints if h[0]), NO_HINT)


def type_mismatch(written: str, column_type: str, value: str, table: Table) -> str:
    """``o.order_id is integer, but '2025-12-31' is not a number; did you mean orders.ordered_at (timestamp ...)?``"""
    flat = " ".join(value.split())  # one line, whatever the literal holds
    shown = flat if len(flat) <= 40 else flat[:40] + "..."
    temporal = re.match(r"^\d{4}(-\d{1,2}){0,2}", value.strip()) is not None
    fits = [c for c in table.columns if c.type_class == ("temporal" if temporal else "text")]
    hint = f"; did you mean {' or '.join(f'{table.display_name}.{c.name} ({c.type})' for c in fits[:2])}?" if fits else ""
    return f"{written} is {column_type}, but '{shown}' is not a number{hint}"


def column_types_differ(left: str, left_table: Table, left_column: Column, right: str, right_table: Table, right_column: Column) -> str:
    """``u.uid is bigint and r.user_id is text: PostgreSQL cannot compare them; did you mean u.user_id = r.user_id?``

    Suggested: a column of either side's table named like the other side's
    column and of its kind (the key the comparison meant, spelled with the
    qualifier as written), else the columns of that kind in the left side's table.
    """
    picks: list[str] = []
    if left_table.key != right_table.key:  # in one table, the column named like the other side is that side itself
        picks += [f"{_respelled(left, c.name)} = {right}" for c in left_table.columns if _same(c, right_column)]
        picks += [f"{left} = {_respelled(right, c.name)}" for c in right_table.columns if _same(c, left_column)]
    picks = picks or [_respelled(left, c.name) for c in left_table.columns if c.type_class == right_column.type_class]
    hint = f"; did you mean {' or '.join(picks[:3])}?" if picks else ""
    return f"{left} is {left_column.type} and {right} is {right_column.type}: PostgreSQL cannot compare them{hint}"


def _same(column: Column, other: Column) -> bool:
    return column.name.lower() == other.name.lower() and column.type_class == other.type_class


def _respelled(written: str, name: str) -> str:
    """``u.uid`` with ``user_id`` -> ``u.user_id``: another column under the qualifier as written."""
    qualifier = written.rpartition(".")[0]
    return f"{qualifier}.{name}" if qualifier else name


def _elsewhere(column: str, in_scope: list[Table], schema: Schema, most: int = 2) -> Hint:
    """``did you mean customers.email or suppliers.email (join it)?`` when other tables have that exact column.

    Ranked before spelling matches: a real column of another table beats a similar name in this one
    ("supplier_name" in products is not products.product_name).
    """
    scope = {t.display_name for t in in_scope}
    owners = [f"{t.display_name}.{column}" for t in schema.tables if t.display_name not in scope and t.column(column) is not None][:most]
    return (f"did you mean {' or '.join(owners)} (join it)?", owners) if owners else NO_HINT


def _close(column: str, tables: list[Table], *, qualifier: str = "") -> Hint:
    """Similar names in ``tables``, closest first; for a date-like name, date and time columns first.

    ``order_date`` in a table with ``order_id`` and ``ordered_at`` suggests
    ``ordered_at`` first: a small model takes the first suggestion. With the
    ``qualifier`` the reference was written with (one table), the sentence
    spells the names with it (``o.ordered_at``), as the model would copy them.
    """
    spelled = {f"{t.display_name}.{c.name}": c for t in tables for c in t.columns}
    wanted = column.lower()  # "ID" (quoted) was probably meant as id
    by_name = difflib.get_close_matches(wanted, [c.name.lower() for c in spelled.values()], n=3, cutoff=0.6)
    prefix = [q for q, c in spelled.items() if c.name.lower().startswith(wanted) or c.name.lower().endswith(wanted) or wanted.startswith(c.name.lower())]
    similar = sorted((q for q, c in spelled.items() if c.name.lower() in by_name), key=lambda q: by_name.index(spelled[q].name.lower()))
    picks = list(dict.fromkeys(prefix + similar))
    if TEMPORAL_NAME.search(wanted):
        picks.sort(key=lambda q: spelled[q].type_class != "temporal")  # stable: closeness kept within each group
    shown = [f"{qualifier}.{spelled[q].name}" for q in picks[:3]] if qualifier else picks[:3]
    return (f"did you mean {' or '.join(shown)}?", picks[:3]) if picks else NO_HINT


def _via_foreign_key(column: str, table: Table, schema: Schema) -> Hint:
    """``did you mean addresses.city via customers.address_id?`` when a neighbour has the column."""
    hops = [(fk.to_schema, fk.to_table, fk.from_columns) for fk in table.foreign_keys]
    hops += [(fk.from_schema, fk.from_table, fk.to_columns) for fk in table.referenced_by]
    for other_schema, other_name, via in hops:
        other = schema.table(f"{other_schema}.{other_name}")
        if other is not None and other.column(column) is not None:
            keys = ", ".join(f"{table.display_name}.{c}" for c in via)
            return f"did you mean {other.display_name}.{column} via {keys}?", [f"{other.display_name}.{column}"]
    return NO_HINT


def join_mismatch(left: str, left_names: str, right: str, right_names: str, start: Table, goal: Table, paths: list[list[ForeignKey]]) -> tuple[str, list[str]]:
    """``oi.order_id names a row of orders and c.customer_id a row of customers ...; join order_items to customers through ...``."""
    routes = " or ".join(_route(path, start) for path in paths)
    tables = [_name(s, t) for path in paths for fk in path for s, t in ((fk.from_schema, fk.from_table), (fk.to_schema, fk.to_table))]
    message = (
        f"{left} names a row of {left_names} and {right} a row of {right_names}, so they never match; "
        f"join {start.display_name} to {goal.display_name} {routes}"
    )
    return message, list(dict.fromkeys(tables))


def _route(path: list[ForeignKey], start: Table) -> str:
    """``by a.x = b.y`` for one hop, ``through b (a.x = b.y AND b.z = c.w)`` for more."""
    conditions = " AND ".join(f"{_name(fk.from_schema, fk.from_table)}.{a} = {_name(fk.to_schema, fk.to_table)}.{b}" for fk in path for a, b in zip(fk.from_columns, fk.to_columns))
    if len(path) == 1:
        return f"by {conditions}"
    visited, tables = {start.key}, []
    for fk in path[:-1]:
        for schema_name, table in ((fk.from_schema, fk.from_table), (fk.to_schema, fk.to_table)):
            if f"{schema_name}.{table}" not in visited:
                visited.add(f"{schema_name}.{table}")
                tables.append(_name(schema_name, table))
    return f"through {' and '.join(tables)} ({conditions})"


def _name(schema_name: str, table: str) -> str:
    return table if schema_name == "public" else f"{schema_name}.{table}"
