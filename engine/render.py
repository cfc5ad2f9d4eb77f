"""Render a Schema as compact DDL-like text for model prompts, within a token budget.

Comments and sample values are untrusted data (anyone who can COMMENT ON a
table can write them): they are rendered on one line inside a ``--`` comment,
control characters removed, length-capped, so they cannot break out of the
comment or look like instructions outside it.

Over budget, the text degrades in steps: sample values go first, then column
comments, then non-key columns of the least relevant tables, then whole
tables from the end of the ranking. A table definition is never cut in half.
"""

from __future__ import annotations

import re

from engine.schema import Column, Schema, Table

COMMENT_CHARS = 120
SAMPLE_CHARS = 40
MAX_SAMPLES = 6
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_SIMPLE_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
_RESERVED = frozenset(
    "all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create current_catalog "
    "current_date current_role current_time current_timestamp current_user default deferrable desc distinct do else end except "
    "false fetch for foreign from grant group having in initially intersect into lateral leading limit localtime localtimestamp "
    "not null offset on only or order placing primary references returning select session_user some symmetric table then to "
    "trailing true union unique user using variadic when where window with".split()
)


def estimate_tokens(text: str) -> int:
    """Cheap token estimate (~3.5 characters per token for code-like text)."""
    return int(len(text) / 3.5) + 1


def quote_ident(name: str) -> str:
    """An identifier as PostgreSQL needs it written: bare when plain lower-case and not reserved."""
    if _SIMPLE_IDENT.match(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def table_ref(table: Table) -> str:
    """How SQL names the table: bare in public, schema-qualified elsewhere."""
    name = quote_ident(table.name)
    return name if table.schema_name == "public" else f"{quote_ident(table.schema_name)}.{name}"


def clean_text(text: str | None, limit: int) -> str:
    """Untrusted text as one safe line: control characters and newlines removed, capped."""
    if not text:
        return ""
    flat = _CONTROL.sub(" ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _column_line(col: Column, table: Table, *, comments: bool, samples: bool) -> str:
    parts = [f"  {quote_ident(col.name)} {col.type}"]
    if table.primary_key == [col.name]:
        parts.append("PRIMARY KEY")
    elif not col.nullable:
        parts.append("NOT NULL")
    for fk in table.foreign_keys:
        if fk.from_columns == [col.name]:
            target = fk.to_table if fk.to_schema == "public" else f"{fk.to_schema}.{fk.to_table}"
            parts.append(f"REFERENCES {target}({fk.to_columns[0]})")
    notes = []
    if comments and col.comment:
        notes.append(clean_text(col.comment, COMMENT_CHARS))
    if samples and col.sample_values:
        values = ", ".join("'" + clean_text(v, SAMPLE_CHARS).replace("'", "''") + "'" for v in col.sample_values[:MAX_SAMPLES])
        notes.append(f"values: {values}")
    line = " ".join(parts)
    return f"{line}, -- {'; '.join(notes)}" if notes else f"{line},"


def render_table(table: Table, *, comments: bool = True, samples: bool = True, keys_only: bool = False) -> str:
    """One table as DDL-like text."""
    kind = {"view": "VIEW", "materialized_view": "MATERIALIZED VIEW"}.get(table.kind, "TABLE")
    head = []
    note = clean_text(table.comment, COMMENT_CHARS)
    rows = f"~{table.row_estimate:,} rows" if table.row_estimate is not None else ""
    if note or rows:
        head.append("-- " + " ".join(p for p in (note, f"({rows})" if rows and note else rows) if p))
    key_cols = set(table.primary_key) | {c for fk in table.foreign_keys for c in fk.from_columns}
    columns = [c for c in table.columns if not keys_only or c.name in key_cols]
    lines = [_column_line(c, table, comments=comments, samples=samples) for c in columns]
    if keys_only and len(columns) < len(table.columns):
        lines.append(f"  -- {len(table.columns) - len(columns)} more columns")
    if len(table.primary_key) > 1:
        lines.append(f"  PRIMARY KEY ({', '.join(map(quote_ident, table.primary_key))}),")
    for fk in table.foreign_keys:
        if len(fk.from_columns) > 1:
            target = fk.to_table if fk.to_schema == "public" else f"{fk.to_schema}.{fk.to_table}"
            lines.append(f"  FOREIGN KEY ({', '.join(fk.from_columns)}) REFERENCES {target}({', '.join(fk.to_columns)}),")
    return "\n".join(head + [f"CREATE {kind} {table_ref(table)} ("] + lines + [");"])


def render_schema(schema: Schema, *, max_tokens: int | None = None, tables: list[str] | None = None) -> str:
    """The schema as prompt text; ``tables`` (ranked, most relevant first) picks and orders tables."""
    return "\n".join(render_blocks(schema, max_tokens=max_tokens, tables=tables).values())


def render_blocks(schema: Schema, *, max_tokens: int | None = None, tables: list[str] | None = None) -> dict[str, str]:
    """Rendered text per table (display name -> DDL), degraded to fit ``max_tokens``."""
    ordered = [t for n in tables if (t := schema.table(n)) is not None] if tables is not None else list(schema.tables)
    for level in ({"comments": True, "samples": True}, {"comments": True, "samples": False}, {"comments": False, "samples": False}):
        blocks = {t.display_name: render_table(t, **level) for t in ordered}
        if max_tokens is None or _size(blocks) <= max_tokens:
            return blocks
    # Still over: least relevant tables keep only key columns, then are dropped, from the end.
    for i in range(len(ordered) - 1, 0, -1):
        blocks[ordered[i].display_name] = render_table(ordered[i], comments=False, samples=False, keys_only=True)
        if _size(blocks) <= max_tokens:
            return blocks
    while len(blocks) > 1 and _size(blocks) > max_tokens:
        blocks.pop(next(reversed(blocks)))
    return blocks


def _size(blocks: dict[str, str]) -> int:
    return sum(estimate_tokens(b) + 1 for b in blocks.values())


def render_table_list(schema: Schema) -> str:
    """One line per table, ``name: comment``: for cheap table-selection prompts on huge schemas."""
    return "\n".join(f"{t.display_name}: {clean_text(t.comment, COMMENT_CHARS)}".rstrip(": ") for t in schema.tables)
