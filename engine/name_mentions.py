"""Names the question gives: "the Avon stream", "streams called Avon" compare the stream's own name.

A value can be stored in several columns of one table (a stream named like
the region it runs through). When the question calls the value by the
table's noun, right after it ("the Avon stream", "Avon streams") or as
"streams (are) called/named Avon", it is the name of that table's row, so the
comparison belongs on the table's name column (``name``, or ``stream_name``
for ``stream``), not on ``region``: ``WHERE region = 'avon'`` ->
``WHERE stream_name = 'avon'``.

Moved only when the table has exactly one such name column, the database
stores the literal there, and the query neither selects that column nor
compares it with another value. Applied before validation; the rewrite is
reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

from sqlglot import exp

from engine.schema import Column, Schema, Table
from engine.sql_tree import ident, on_text
from engine.values import Occurs, compared_literals, is_text, normalize, resolve_column, tables_by_alias, taken_columns
from programs.prefilter import words


def compare_named_values(sql_text: str, schema: Schema, question: str, occurs: Occurs) -> tuple[str, list[str]]:
    """The rewrite described above; returns the SQL and what changed."""
    return on_text(sql_text, lambda tree: compare_named_values_in(tree, schema, question, occurs))


def compare_named_values_in(tree: exp.Expression, schema: Schema, question: str, occurs: Occurs) -> list[str]:
    """``compare_named_values`` on a parsed statement, edited in place."""
    aliases = tables_by_alias(tree, schema)
    text = normalize(question)
    fixes: list[str] = []
    for column_node, literal in compared_literals(tree):
        resolved = resolve_column(column_node, aliases) if isinstance(literal.parent, exp.EQ) else None
        if resolved is None:
            continue
        table, column = resolved
        home = _name_column(table)
        if home is None or home is column or not _called_by_noun(text, normalize(literal.this), table):
            continue
        if home.name in taken_columns(column_node, literal, table, aliases) or not occurs(table, home, literal.this):
            continue
        before = f"{column_node.sql(dialect='postgres')} = '{literal.this}'"
        column_node.set("this", ident(home.name))
        fixes.append(f"{before} -> {column_node.sql(dialect='postgres')} = '{literal.this}' (the question calls '{literal.this}' a {table.display_name})")
    return fixes


def _name_column(table: Table) -> Column | None:
    """The table's one text column named ``name`` or ``<table>_name``."""
    names = {"name", f"{table.name.lower()}_name"}
    found = [c for c in table.columns if c.name.lower() in names and is_text(c)]
    return found[0] if len(found) == 1 else None


def _called_by_noun(text: str, value: str, table: Table) -> bool:
    """The normalized question says "<value> <noun>" or "<noun> (is|are) called/named <value>", the noun being the table's name."""
    noun = words(table.name)
    if len(noun) != 1 or not value:
        return False
    tokens = text.split()
    size = len(value.split())
    for i in range(len(tokens) - size + 1):
        if " ".join(tokens[i : i + size]) != value:
            continue
        after = tokens[i + size : i + size + 1]
        if after and words(after[0]) == noun:
            return True
        before = tokens[max(0, i - 3) : i]
        if before and before[-1] in ("called", "named") and any(words(w) == noun for w in before[:-1]):
            return True
    return False

