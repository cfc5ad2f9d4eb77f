"""The one scope facility: which schema table a name in a query means, and which table and column a column reference means.

Built once per query (``QueryScope.of``) and handed to every rewrite step
(``RewriteContext.scope_of``) and to the validator's column checks; the
rewrite pipeline builds it again only after a step changed the query. It
holds two views of one statement:

- ``aliases``: alias (or bare table name) -> schema table over the whole
  statement, for steps that look at comparisons anywhere in it. A name used
  for two different tables is dropped, so a reference through it never
  resolves (the step then leaves the query alone).
- ``selects``: sqlglot's scopes, one per SELECT (inner first), for checks
  that must know which sources one query level sees (``sources``, ``owner``,
  ``unresolved``).

Table names resolve the way PostgreSQL's default search path does: a
qualified name in its schema, a bare one in ``public``, unless a CTE in
scope has that name.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.scope import Scope, traverse_scope

from engine.schema import Column, Schema, Table


@dataclass(frozen=True)
class Source:
    """A table of a FROM clause and the name it goes by (its alias as written, quoting kept)."""

    table: Table
    name: exp.Identifier

    def ref(self) -> exp.Identifier:
        return self.name.copy()


@dataclass(frozen=True)
class Unresolved:
    """A column reference that does not resolve, and what it was looked up in.

    kinds: ``qualifier`` (no source of that name in scope), ``table_column``
    (the named table has no such column), ``derived_column`` (a subquery or
    CTE does not output it), ``ambiguous`` (several sources have it),
    ``missing`` (no source in scope has it).
    """

    column: exp.Column
    kind: Literal["qualifier", "table_column", "derived_column", "ambiguous", "missing"]
    table: Table | None = None  # table_column: the table it was looked up in
    tables: dict[str, Table] | None = None  # the schema tables its query sees, by the names they go by
    outputs: dict[str, list[str]] | None = None  # derived_column: the outputs of the subqueries looked in
    owners: tuple[str, ...] = ()  # ambiguous: alias.column spellings that would each resolve
    visible: tuple[str, ...] = ()  # qualifier: the source names its query may use


class QueryScope:
    """The resolved names of one parsed statement (see the module docstring)."""

    def __init__(self, tree: exp.Expression, schema: Schema) -> None:
        self.tree = tree
        self.schema = schema
        self.aliases: dict[str, Table] = tables_by_alias(tree, schema)
        self._sources: dict[int, dict[str, Source | None]] = {}  # per sqlglot scope, whose own sources are fixed when traversed

    @classmethod
    def of(cls, tree: exp.Expression, schema: Schema) -> "QueryScope":
        return cls(tree, schema)

    @cached_property
    def selects(self) -> list[Scope]:
        """sqlglot's scopes, innermost first; empty for a tree sqlglot cannot scope (the validator refuses it)."""
        try:
            return traverse_scope(self.tree)
        except (OptimizeError, RecursionError):
            return []

    def resolve(self, column: exp.Column) -> tuple[Table, Column] | None:
        return resolve_column(column, self.aliases)

    def sources(self, scope: Scope) -> dict[str, Source | None]:
        """The scope's sources by name; None for one that is not a schema table (a CTE, a subquery, a function)."""
        if id(scope) not in self._sources:
            self._sources[id(scope)] = {key: _source(node, self.schema) for key, node in scope.sources.items()}
        return self._sources[id(scope)]

    def real_sources(self, scope: Scope) -> dict[str, Source] | None:
        """The scope's sources by name, or None when one of them is not a schema table."""
        sources = self.sources(scope)
        return None if any(s is None for s in sources.values()) else dict(sources)  # type: ignore[arg-type]

    def outer_has(self, scope: Scope, column: str) -> bool:
        """A bare name an enclosing query may provide (a correlated reference), or may for all we know."""
        outer = scope.parent
        while outer is not None:
            tables = self.real_sources(outer)
            if tables is None or any(s.table.column(column) for s in tables.values()):
                return True
            outer = outer.parent
        return False

    def unknown_qualifier(self) -> Unresolved | None:
        """The first ``x.col`` whose ``x`` names no source of its query or the queries around it."""
        for scope in self.selects:
            visible = visible_names(scope)
            for column in scope.columns:
                if column.table and column.table.lower() not in visible:
                    return Unresolved(column, "qualifier", tables=self._tables(scope), visible=tuple(sorted(visible)))
        return None

    def unresolved(self) -> Unresolved | None:
        """The first column reference that does not resolve in its own query, or None when every one may.

        Read only after sqlglot's qualify refused the statement, to say which
        reference and why; sources whose columns are unknown here (functions,
        star subqueries) count as having every column.
        """
        if found := self.unknown_qualifier():
            return found
        for scope in self.selects:
            if not isinstance(scope.expression, exp.Select):
                continue
            outputs = {e.alias.lower() for e in scope.expression.expressions if e.alias}
            for column in own_columns(scope):
                if (found := self._unresolved_in(scope, column, outputs)) is not None:
                    return found
        return None

    def _unresolved_in(self, scope: Scope, column: exp.Column, outputs: set[str]) -> Unresolved | None:
        name, tables = column.name, self._tables(scope)
        if column.table:
            node = _visible_source(scope, column.table)
            if isinstance(node, Scope):
                named = _outputs(node)
                return None if named is None or name in named else Unresolved(column, "derived_column", tables=tables, outputs={column.table: named})
            table = _source(node, self.schema) if isinstance(node, exp.Table) else None
            if table is not None and table.table.column(name) is None:
                return Unresolved(column, "table_column", table=table.table, tables=tables)
            return None
        if name.lower() in outputs:
            return None
        owners, unknown, derived = [], False, {}
        for key, node in scope.sources.items():
            if isinstance(node, Scope):
                named = _outputs(node)
                unknown |= named is None
                if named is not None:
                    derived[key] = named
                    owners += [f"{key}.{name}"] if name in named else []
            elif (source := _source(node, self.schema)) is not None:
                owners += [f"{key}.{name}"] if source.table.column(name) is not None else []
            else:
                unknown = True
        if len(owners) > 1:
            return Unresolved(column, "ambiguous", tables=tables, owners=tuple(owners))
        if owners or unknown or self.outer_has(scope, name):
            return None
        if derived:
            return Unresolved(column, "derived_column", tables=tables, outputs=derived)
        return Unresolved(column, "missing", tables=tables)

    def _tables(self, scope: Scope) -> dict[str, Table]:
        """The schema tables a query sees (its own sources, then those of the queries around it) by the names they go by."""
        out: dict[str, Table] = {}
        outer: Scope | None = scope
        while outer is not None:
            for key, source in self.sources(outer).items():
                if source is not None:
                    out.setdefault(key, source.table)
            outer = outer.parent
        return out


def schema_table(node: exp.Table, schema: Schema) -> Table | None:
    """The schema table a table reference reads: qualified in its schema, bare in ``public``; None for CTEs and functions."""
    if not isinstance(node.this, exp.Identifier) or (not node.db and is_visible_cte(node)):
        return None
    return schema.table(f"{node.db or 'public'}.{node.name}")


def is_visible_cte(table: exp.Table) -> bool:
    """True when a bare table name refers to a CTE in scope (PostgreSQL's visibility rules)."""
    child, node = table, table.parent
    while node is not None:
        if isinstance(node, exp.With):
            names = [cte.alias_or_name for cte in node.expressions]
            visible = names if node.recursive else names[: node.expressions.index(child)]
            if table.name in visible:
                return True
        elif isinstance(node, exp.Query) and child is not node.args.get("with_") and node.args.get("with_"):
            if table.name in (cte.alias_or_name for cte in node.args["with_"].expressions):
                return True
        child, node = node, node.parent
    return False


def tables_by_alias(tree: exp.Expression, schema: Schema) -> dict[str, Table]:
    """Alias (or bare name) -> table, over the whole statement; names used twice for different tables are dropped."""
    out: dict[str, Table | None] = {}
    for node in tree.find_all(exp.Table):
        table = schema_table(node, schema)
        if table is None:
            continue
        for key in {node.alias_or_name, node.name}:
            out[key] = table if out.get(key, table) is table else None
    return {k: v for k, v in out.items() if v is not None}


def resolve_column(column_node: exp.Column, aliases: dict[str, Table]) -> tuple[Table, Column] | None:
    """The table and column a column reference means, when the statement's tables make it unambiguous."""
    name = column_node.name
    if column_node.table:
        table = aliases.get(column_node.table)
        column = table.column(name) if table else None
        return (table, column) if table and column else None
    owners = {id(t): t for t in aliases.values() if t.column(name) is not None}
    if len(owners) != 1:
        return None
    table = next(iter(owners.values()))
    return table, table.column(name)  # type: ignore[return-value]


def owner(node: exp.Expression, sources: dict[str, Source | None]) -> tuple[Source, str] | None:
    """The source a column of one query belongs to, when that is certain (never through a subquery or CTE)."""
    if not isinstance(node, exp.Column):
        return None
    if not node.table and any(s is None for s in sources.values()):
        return None  # a bare name a subquery may output
    owners = [s for key, s in sources.items() if s is not None and node.table in ("", key) and s.table.column(node.name) is not None]
    return (owners[0], node.name) if len(owners) == 1 else None


def own_columns(scope: Scope) -> list[exp.Column]:
    """Columns written in this query itself (sqlglot also lists a subquery's bare columns as possibly correlated)."""
    return [c for c in scope.columns if c.find_ancestor(exp.Select) is scope.expression]


def visible_names(scope: Scope) -> set[str]:
    """Source names of this scope and the queries around it (a correlated subquery may use them)."""
    names: set[str] = set()
    outer: Scope | None = scope
    while outer is not None:
        names |= {name.lower() for name in outer.sources}
        outer = outer.parent
    return names


def _source(node: exp.Expression | Scope, schema: Schema) -> Source | None:
    if not isinstance(node, exp.Table):
        return None
    table = schema_table(node, schema)
    return None if table is None else Source(table, node.args["alias"].this if node.alias else node.this)


def _visible_source(scope: Scope, name: str) -> exp.Expression | Scope | None:
    outer: Scope | None = scope
    while outer is not None:
        if name in outer.sources:
            return outer.sources[name]
        outer = outer.parent
    return None


def _outputs(scope: Scope) -> list[str] | None:
    """The output column names of a subquery or CTE; None when they are not all known (``SELECT *``, a set operation's star)."""
    query = scope.expression
    alias = query.parent.args.get("alias") if isinstance(query.parent, (exp.CTE, exp.Subquery)) else None
    if isinstance(alias, exp.TableAlias) and alias.columns:  # WITH x(a, b) AS (...), (SELECT ...) AS s(a, b)
        return [c.name for c in alias.columns]
    if isinstance(query, exp.Select) and query.is_star:
        return None
    if isinstance(query, exp.SetOperation):
        left = query.this
        while isinstance(left, exp.SetOperation):
            left = left.this
        query = left
    named = list(query.named_selects) if isinstance(query, exp.Select) else []
    return named or None
