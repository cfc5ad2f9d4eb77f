"""Foreign keys the data proves, for columns neither the catalog nor the names link.

A dump or a warehouse often declares no keys, and its key columns are not
always named ``<table>_id``: ``visit.pid`` names a row of ``patient``,
``store.region_name`` one of ``region``. Without the edge the model guesses
a join (``patient.pid = visit.wid``) that the validator cannot question. The
classic test of data profiling finds these edges: a column ``c`` of table T
refers to table U when U has a column of the same name that is U's key (its
declared primary key, or, where U declares none, a column whose values are
unique and never NULL) and every value of T.c is one of U.c's. Only a many
side counts (T.c repeats a value: one-to-one pairs have no direction), and a
column may refer to one table only: among several candidates, the one the
column's first name part names (``region_name`` -> ``region``), else none.

The edges are marked ``inferred=True`` like the name-implied ones
(engine/schema/inferred_keys.py, which decides first: a column its name links
is not profiled). The queries run inside introspection's read-only
transaction, each under a statement timeout, until ``budget_ms`` is spent, so
a large database gets fewer edges, never a slow start; the result is cached
with the schema (engine/schema/cache.py).
"""

from __future__ import annotations

import time
from collections import defaultdict

import psycopg2.extensions
from psycopg2 import sql

from engine.schema import Column, ForeignKey, Table
from engine.schema.bounded import bounded_rows
from engine.schema.inferred_keys import name_target, plurals

QUERY_MS = 250  # statement_timeout of one profiling query
KEY_TYPES = ("number", "text")
BASE_KINDS = ("table", "partitioned_table")  # a view's rows derive from a table's (an aggregate view's keys are unique too)


def profile_keys(cur: psycopg2.extensions.cursor, tables: list[Table], *, budget_ms: int) -> None:
    """Add to ``tables`` the foreign keys their data proves (in place); stop when the budget is spent."""
    clock = _Budget(cur, budget_ms)
    by_name: dict[tuple[str, str], list[Table]] = defaultdict(list)
    by_column: dict[tuple[str, str], list[tuple[Table, Column]]] = defaultdict(list)
    for table in tables:
        by_name[(table.schema_name, table.name.lower())].append(table)
        if table.kind not in BASE_KINDS:
            continue
        for column in table.columns:
            if column.type_class in KEY_TYPES:
                by_column[(table.schema_name, column.name.lower())].append((table, column))
    for (_, name), pairs in sorted(by_column.items()):
        if len(pairs) < 2 or name == "id":  # ``id`` is each table's own key, not a reference
            continue
        for table, column in pairs:
            if _linked(table, column) or name_target(column, table, by_name) is not None:
                continue
            targets = [(u, d) for u, d in pairs if u is not table and d.type_class == column.type_class and _is_key(clock, u, d)]
            if not targets or clock.ask(_REPEATS, table, column) is not True:
                continue
            targets = [(u, d) for u, d in targets if clock.ask(_INCLUDED, table, column, u, d) is True]
            if len(targets) > 1:
                stems = plurals(name.split("_")[0])
                targets = [(u, d) for u, d in targets if u.name.lower() in stems]
            if len(targets) == 1:
                _add_edge(table, column, *targets[0])


def _linked(table: Table, column: Column) -> bool:
    """A column that already refers somewhere, or that is its table's declared key."""
    return table.primary_key == [column.name] or any(column.name in fk.from_columns for fk in table.foreign_keys)


def _is_key(clock: "_Budget", table: Table, column: Column) -> bool:
    """The table's declared primary key, or, where it declares none, a column of unique non-NULL values."""
    if table.primary_key:
        return table.primary_key == [column.name]
    return clock.ask(_UNIQUE, table, column) is True


def _add_edge(table: Table, column: Column, target: Table, key: Column) -> None:
    fk = ForeignKey(
        name=f"profiled_{table.name}_{column.name}", from_schema=table.schema_name, from_table=table.name,
        from_columns=[column.name], to_schema=target.schema_name, to_table=target.name, to_columns=[key.name], inferred=True,
    )
    table.foreign_keys.append(fk)
    target.referenced_by.append(fk)


_UNIQUE = "SELECT count(*) > 0 AND count(*) = count({c}) AND count({c}) = count(DISTINCT {c}) FROM {t}"
_REPEATS = "SELECT count({c}) > count(DISTINCT {c}) FROM {t}"
_INCLUDED = "SELECT NOT EXISTS (SELECT 1 FROM {t} x WHERE x.{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {u} y WHERE y.{d} = x.{c}))"


class _Budget:
    """Profiling queries, each under a statement timeout, answered until the time budget is spent (then None)."""

    def __init__(self, cur: psycopg2.extensions.cursor, budget_ms: int) -> None:
        self.cur = cur
        self.deadline = time.monotonic() + budget_ms / 1000
        self.answers: dict[tuple[str, ...], bool | None] = {}

    def ask(self, template: str, table: Table, column: Column, target: Table | None = None, key: Column | None = None) -> bool | None:
        names = (template, table.key, column.name, target.key if target else "", key.name if key else "")
        if names not in self.answers:
            self.answers[names] = self._run(template, table, column, target, key)
        return self.answers[names]

    def _run(self, template: str, table: Table, column: Column, target: Table | None, key: Column | None) -> bool | None:
        remaining_ms = int((self.deadline - time.monotonic()) * 1000)
        if remaining_ms <= 0:
            return None
        query = sql.SQL(template).format(
            t=sql.Identifier(table.schema_name, table.name), c=sql.Identifier(column.name),
            u=sql.Identifier(target.schema_name, target.name) if target else sql.SQL(""), d=sql.Identifier(key.name) if key else sql.SQL(""),
        )
        rows = bounded_rows(self.cur, query, timeout_ms=min(QUERY_MS, remaining_ms))
        return None if rows is None else bool(rows[0][0])  # None: a timeout or a privilege, so no edge
