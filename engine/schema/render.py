"""Render a Schema as compact DDL-like text for model prompts, within a token budget.

Comments and sample values are untrusted data (anyone who can COMMENT ON a
table or insert a row can write them): they are rendered on one line inside a
``--`` comment, control and line-breaking characters removed, length-capped,
sample values as escaped SQL literals, so they cannot break out of the comment.

Over budget, the text degrades in steps: sample values go first, then column
comments, then non-key columns of tables beyond the most relevant (from the
least relevant up), then whole tables from the end of the ranking. A table
definition is never cut in half.
"""

from __future__ import annotations

import re

from engine.schema import Column, ForeignKey, Schema, Table

COMMENT_CHARS = 120
SAMPLE_CHARS = 60
MAX_SAMPLES = 6
CHARS_PER_TOKEN = 3.5
# C0/C1 controls, line/paragraph separators, and bidi overrides (which can make data read as something else).
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
_SIMPLE_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
# PostgreSQL's reserved and type/function-name keywords (pg_get_keywords() catcode R and T): these need quotes.
_RESERVED = frozenset(
    "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog "
    "current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except "
    "false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp "
    "not null offset on only or order placing primary references returning select session_user some symmetric system_user table "
    "then to trailing true union unique user using variadic when where window with "
    "authorization binary collation concurrently cross current_schema freeze full ilike inner is isnull join left like natural "
    "notnull outer overlaps right similar tablesample verbose".split()
)
# Degradation steps before columns are cut: everything, then without sample values, then without column comments.
_LEVELS = ({"comments": True, "samples": True}, {"comments": True, "samples": False}, {"comments": False, "samples": False})
_KEYWORD = {"view": "VIEW", "materialized_view": "MATERIALIZED VIEW", "foreign_table": "FOREIGN TABLE"}


def estimate_tokens(text: str) -> int:
    """Cheap token estimate (~3.5 characters per token for code-like text)."""
    return int(len(text) / CHARS_PER_TOKEN) + 1


def quote_ident(name: str) -> str:
    """An identifier as PostgreSQL needs it written: bare when plain lower-case and not reserved."""
    if _SIMPLE_IDENT.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def qualified_name(schema_name: str, name: str) -> str:
    """How SQL names a relation: bare in public, schema-qualified elsewhere."""
    return quote_ident(name) if schema_name == "public" else f"{quote_ident(schema_name)}.{quote_ident(name)}"


def table_ref(table: Table) -> str:
    """How SQL names the table: bare in public, schema-qualified elsewhere."""
    return qualified_name(table.schema_name, table.name)


def clean_text(text: str | None, limit: int) -> str:
    """Untrusted text as one safe line: control and line-breaking characters removed, capped at ``limit``."""
    if not text:
        return ""
    flat = " ".join(_UNSAFE.sub(" ", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _literal(value: str) -> str:
    return "'" + clean_text(value, SAMPLE_CHARS).replace("'", "''") + "'"


def _references(fk: ForeignKey) -> str:
    columns = ", ".join(map(quote_ident, fk.to_columns))
    return f"REFERENCES {qualified_name(fk.to_schema, fk.to_table)}({columns})"


def _column_line(col: Column, table: Table, *, comments: bool, samples: bool) -> str:
    parts = [f"  {quote_ident(col.name)} {col.type}"]
    if table.primary_key == [col.name]:
        parts.append("PRIMARY KEY")
    elif not col.nullable:
        parts.append("NOT NULL")
    parts += [_references(fk) for fk in table.foreign_keys if fk.from_columns == [col.name]]
    notes = []
    if comments and col.comment:
        notes.append(clean_text(col.comment, COMMENT_CHARS))
    if samples and col.sample_values:
        notes.append("values: " + ", ".join(_literal(v) for v in col.sample_values[:MAX_SAMPLES]))
    line = " ".join(parts)
    return f"{line}, -- {'; '.join(notes)}" if notes else f"{line},"


def render_table(table: Table, *, comments: bool = True, samples: bool = True, keys_only: bool = False) -> str:
    """One table as DDL-like text; ``keys_only`` keeps just primary- and foreign-key columns."""
    note = clean_text(table.comment, COMMENT_CHARS)
    rows = f"~{table.row_estimate:,} rows" if table.row_estimate is not None else ""
    header = f"-- {note} ({rows})" if note and rows else f"-- {note or rows}" if note or rows else None
    key_cols = set(table.primary_key) | {c for fk in table.foreign_keys for c in fk.from_columns}
    columns = [c for c in table.columns if not keys_only or c.name in key_cols]
    lines = [_column_line(c, table, comments=comments, samples=samples) for c in columns]
    if len(columns) < len(table.columns):
        hidden = len(table.columns) - len(columns)
        lines.append(f"  -- {hidden} more column{'s' if hidden > 1 else ''}")
    if len(table.primary_key) > 1:
        lines.append(f"  PRIMARY KEY ({', '.join(map(quote_ident, table.primary_key))}),")
    for fk in table.foreign_keys:
        if len(fk.from_columns) > 1:
            lines.append(f"  FOREIGN KEY ({', '.join(map(quote_ident, fk.from_columns))}) {_references(fk)},")
    body = [f"CREATE {_KEYWORD.get(table.kind, 'TABLE')} {table_ref(table)} ("] + lines + [");"]
    return "\n".join(([header] if header else []) + body)


def render_schema(schema: Schema, *, max_tokens: int | None = None, tables: list[str] | None = None) -> str:
    """The schema as prompt text; ``tables`` (ranked, most relevant first) picks and orders tables."""
    return "\n".join(render_blocks(schema, max_tokens=max_tokens, tables=tables).values())


def render_blocks(schema: Schema, *, max_tokens: int | None = None, tables: list[str] | None = None) -> dict[str, str]:
    """Rendered text per table (display name -> DDL), degraded step by step to fit ``max_tokens``.

    Work stays proportional to the budget, not to the schema: each step renders
    tables in ranking order only until the budget is exceeded.
    """
    ordered = list(schema.tables) if tables is None else [t for n in tables if (t := schema.table(n)) is not None]
    if max_tokens is None:
        return {t.display_name: render_table(t) for t in ordered}
    for level in _LEVELS:
        blocks, complete = _fit(ordered, max_tokens, **level)
        if complete:
            return blocks
    # Tables beyond the most relevant keep only key columns; if even that is too much, the least relevant go.
    first = {t.display_name: render_table(t, **_LEVELS[-1]) for t in ordered[:1]}
    slim, complete = _fit(ordered[1:], max_tokens - sum(map(_cost, first.values())), **_LEVELS[-1], keys_only=True)
    if not complete:
        return first | slim
    # Everything fits slimmed: slim only as many as needed, least relevant first.
    blocks = {t.display_name: render_table(t, **_LEVELS[-1]) for t in ordered}
    total = sum(map(_cost, blocks.values()))
    for table in reversed(ordered[1:]):
        if total <= max_tokens:
            break
        total += _cost(slim[table.display_name]) - _cost(blocks[table.display_name])
        blocks[table.display_name] = slim[table.display_name]
    return blocks


def _fit(tables: list[Table], budget: int, **options: bool) -> tuple[dict[str, str], bool]:
    """Render ``tables`` in order while they fit ``budget``; also say whether all of them did."""
    blocks: dict[str, str] = {}
    total = 0
    for table in tables:
        block = render_table(table, **options)
        total += _cost(block)
        if total > budget:
            return blocks, False
        blocks[table.display_name] = block
    return blocks, True


def _cost(block: str) -> int:
    return estimate_tokens(block) + 1  # + the newline joining blocks


def render_table_list(schema: Schema) -> str:
    """One line per table, ``name: comment`` (bare name without one): for cheap table-selection prompts."""
    lines = []
    for table in schema.tables:
        note = clean_text(table.comment, COMMENT_CHARS)
        lines.append(f"{table.display_name}: {note}" if note else table.display_name)
    return "\n".join(lines)
