"""Pydantic picture of a database schema, produced by ``engine.schema.introspect``.

Names are kept exactly as PostgreSQL stores them. ``Table.key`` is the
``schema.table`` form used everywhere a table must be named unambiguously;
tables in ``public`` may also be referred to by their bare name.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

TableKind = Literal["table", "view", "materialized_view", "foreign_table", "partitioned_table"]
TypeClass = Literal["number", "text", "temporal", "other"]
# format_type() spellings, matched at the start (domains and unknown types are "other").
_TYPE_CLASSES: tuple[tuple[TypeClass, re.Pattern[str]], ...] = (
    ("number", re.compile(r"^(smallint|integer|bigint|int|numeric|decimal|real|double precision|serial|bigserial)\b")),
    ("text", re.compile(r"^(text|character varying|character|varchar|char|citext|name)\b")),
    ("temporal", re.compile(r"^(date|time|timestamp|interval)\b")),
)


class Column(BaseModel):
    name: str
    type: str  # as format_type() prints it, e.g. "numeric(10,2)", "timestamp with time zone"
    nullable: bool = True
    default: str | None = None
    comment: str | None = None
    # A few distinct values of low-cardinality text columns (bounded, time-boxed).
    sample_values: list[str] = Field(default_factory=list)

    @property
    def type_class(self) -> TypeClass:
        """What kind of value the column holds, for checks that compare it with literals."""
        name = self.type.lower()
        return next((cls for cls, pattern in _TYPE_CLASSES if pattern.match(name)), "other")


class ForeignKey(BaseModel):
    """One foreign-key edge; the same object type serves both directions."""

    name: str
    from_schema: str
    from_table: str
    from_columns: list[str]
    to_schema: str
    to_table: str
    to_columns: list[str]
    inferred: bool = False  # implied by the column names or proved by the data, not declared (inferred_keys.py, profiled_keys.py)


class Table(BaseModel):
    schema_name: str
    name: str
    kind: TableKind = "table"
    comment: str | None = None
    columns: list[Column] = Field(default_factory=list)
    primary_key: list[str] = Field(default_factory=list)
    foreign_keys: list[ForeignKey] = Field(default_factory=list)  # outgoing: this table references others
    referenced_by: list[ForeignKey] = Field(default_factory=list)  # incoming: others reference this table
    row_estimate: int | None = None

    @property
    def key(self) -> str:
        """``schema.table``: the unambiguous name."""
        return f"{self.schema_name}.{self.name}"

    @property
    def display_name(self) -> str:
        """Bare name for ``public`` tables, ``schema.table`` otherwise (what prompts and SQL use)."""
        return self.name if self.schema_name == "public" else self.key

    def column(self, name: str) -> Column | None:
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def is_key(self, column: str) -> bool:
        """``column`` names one row: the single-column primary key, or, where none is declared, a column another table's key refers to.

        Dumps often declare no keys; ``review.business_id`` (declared or
        inferred from the names) says ``business.business_id`` is business's.
        """
        return self.primary_key == [column] or (not self.primary_key and any(fk.to_columns == [column] for fk in self.referenced_by))

    def never_matches(self, column: str, other: "Table", other_column: str) -> bool:
        """True when the two columns are keys naming rows of different tables (``orders.order_id``, ``customers.customer_id``)."""
        mine, theirs = self.identifies(column), other.identifies(other_column)
        return bool(mine) and bool(theirs) and not mine & theirs and self.key != other.key

    def identifies(self, column: str) -> set[str]:
        """Keys (``schema.table``) of the tables whose rows a value of ``column`` names.

        Its own table when it is its key (``is_key``: the single-column primary
        key, or, where none is declared, a column other tables refer to), the
        referenced table when it is a single-column foreign key; empty for
        other columns.
        """
        found = {self.key} if self.is_key(column) else set()
        return found | {f"{fk.to_schema}.{fk.to_table}" for fk in self.foreign_keys if fk.from_columns == [column]}


class Schema(BaseModel):
    database: str
    server_version: str = ""
    fingerprint: str = ""  # hash of the catalog structure; the cache key
    tables: list[Table] = Field(default_factory=list)

    def table(self, name: str) -> Table | None:
        """Find a table by ``schema.table`` or, for ``public`` (then any unique match), by bare name."""
        if "." in name:
            for t in self.tables:
                if t.key == name:
                    return t
            return None
        matches = [t for t in self.tables if t.name == name]
        public = [t for t in matches if t.schema_name == "public"]
        if public:
            return public[0]
        return matches[0] if len(matches) == 1 else None

    def neighbours(self, table: Table) -> list[tuple[Table, ForeignKey]]:
        """Other tables one foreign key away, in either direction, each with that key."""
        out = []
        for fk in table.foreign_keys:
            if (other := self.table(f"{fk.to_schema}.{fk.to_table}")) is not None and other.key != table.key:
                out.append((other, fk))
        for fk in table.referenced_by:
            if (other := self.table(f"{fk.from_schema}.{fk.from_table}")) is not None and other.key != table.key:
                out.append((other, fk))
        return out

    def join_paths(self, start: Table, goal: Table, *, max_hops: int = 3, limit: int = 2) -> list[list[ForeignKey]]:
        """Shortest chains of foreign keys linking two tables (either direction), at most ``limit`` of them.

        One chain per route of tables: ``friendship.person_id`` and ``friendship.person_id2``
        both lead from person to friendship, and the second adds nothing to a hint.
        """
        paths: list[list[ForeignKey]] = []
        frontier: list[tuple[Table, list[ForeignKey]]] = [(start, [])]
        seen = {start.key}
        routes: set[str] = set()  # the last table before the goal, per path found
        for _ in range(max_hops):
            reached: list[tuple[Table, list[ForeignKey]]] = []
            for table, path in frontier:
                for other, fk in sorted(self.neighbours(table), key=lambda n: (n[1].from_columns, n[1].to_columns)):
                    if other.key == goal.key and table.key not in routes:
                        routes.add(table.key)
                        paths.append(path + [fk])
                    elif other.key not in seen and other.key != goal.key:
                        reached.append((other, path + [fk]))
            if paths:
                return paths[:limit]
            seen |= {other.key for other, _ in reached}
            frontier = reached
        return []

    def subset(self, names: list[str]) -> "Schema":
        """A schema holding only the named tables (order kept as given)."""
        picked = [t for n in names if (t := self.table(n)) is not None]
        return self.model_copy(update={"tables": picked})
