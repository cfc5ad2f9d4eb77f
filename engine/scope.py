"""The one scope facility of the rewrites: which schema table an alias names, and which table and column a column reference means.

Built once per query (``QueryScope.of``) and handed to every rewrite step
through ``RewriteContext.scope``; the pipeline builds it again only after a
step changed the query. Aliases are read over the whole statement: a name
used for two different tables is dropped, so a reference through it never
resolves (the step then leaves the query alone).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from engine.schema import Column, Schema, Table


@dataclass(frozen=True)
class QueryScope:
    aliases: dict[str, Table]  # alias (or bare table name) -> schema table

    @classmethod
    def of(cls, tree: exp.Expression, schema: Schema) -> "QueryScope":
        return cls(tables_by_alias(tree, schema))

    def resolve(self, column: exp.Column) -> tuple[Table, Column] | None:
        return resolve_column(column, self.aliases)


def tables_by_alias(tree: exp.Expression, schema: Schema) -> dict[str, Table]:
    """Alias (or bare name) -> table, over the whole statement; names used twice for different tables are dropped."""
    out: dict[str, Table | None] = {}
    for node in tree.find_all(exp.Table):
        name = f"{node.db}.{node.name}" if node.db else node.name
        table = schema.table(name)
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
