"""Cheap lexical pre-filter: rank tables by how well they match a question.

For schemas of hundreds or thousands of tables the model cannot read every
definition, so tables are ranked by word overlap between the question and
each table's name, column names, comments and sample values (with a light
singular/plural folding); foreign-key neighbours of strong matches get a
share of their score, since answers often need the join path. No model, no
index: it runs in milliseconds for 5,000 tables.
"""

from __future__ import annotations

from collections import defaultdict

from engine.schema import Schema, Table
from engine.words import words

NAME_WEIGHT = 4.0
COLUMN_WEIGHT = 2.0
TEXT_WEIGHT = 1.0
NEIGHBOUR_SHARE = 0.5


def table_score(table: Table, question_words: set[str]) -> float:
    name = words(table.name)
    columns = set().union(*(words(c.name) for c in table.columns)) if table.columns else set()
    text_parts = [table.comment or ""] + [c.comment or "" for c in table.columns]
    text_parts += [v for c in table.columns for v in c.sample_values]
    text = words(" ".join(text_parts))
    return (
        NAME_WEIGHT * len(question_words & name)
        + COLUMN_WEIGHT * len(question_words & columns)
        + TEXT_WEIGHT * len(question_words & text)
    )


def _neighbours(table: Table) -> list[tuple[str, str]]:
    """(schema, table) of every table linked to ``table`` by a foreign key, either direction."""
    return [(fk.to_schema, fk.to_table) for fk in table.foreign_keys] + [
        (fk.from_schema, fk.from_table) for fk in table.referenced_by
    ]


def rank_tables(schema: Schema, question: str) -> list[str]:
    """All table names, most relevant first; ties keep the schema's order."""
    qwords = words(question)
    scores = {t.display_name: table_score(t, qwords) for t in schema.tables}
    boosted: dict[str, float] = defaultdict(float)
    for t in schema.tables:
        own = scores[t.display_name]
        if own <= 0:
            continue
        for other_schema, other in _neighbours(t):
            key = other if other_schema == "public" else f"{other_schema}.{other}"
            boosted[key] += NEIGHBOUR_SHARE * own
    order = {t.display_name: i for i, t in enumerate(schema.tables)}
    return sorted(scores, key=lambda n: (-(scores[n] + boosted.get(n, 0.0)), order[n]))


def join_neighbours(schema: Schema, tables: list[str]) -> list[str]:
    """Bridge tables linking two chosen tables that no foreign key links directly (join paths)."""
    chosen = [t for name in tables if (t := schema.table(name)) is not None]
    keys = [t.key for t in chosen]
    direct = {(t.key, f"{s}.{n}") for t in chosen for s, n in _neighbours(t)}
    links: dict[str, set[str]] = defaultdict(set)
    for t in chosen:
        for other_schema, other in _neighbours(t):
            links[f"{other_schema}.{other}"].add(t.key)
    out = []
    for key in sorted(links):
        via = sorted(links[key])
        if key in keys or len(via) < 2:
            continue
        if any((a, b) not in direct for i, a in enumerate(via) for b in via[i + 1:]):
            table = schema.table(key)
            if table is not None:
                out.append(table.display_name)
    return out


def lexical_matches(schema: Schema, question: str, *, limit: int = 2) -> list[str]:
    """Tables named in the question, or owning a distinctive column named in it.

    A table is named when every word of its name is in the question ("order
    items", not just "orders"). A column word counts only when at most two
    tables have it, so "rating" points at reviews while "name" points nowhere.
    """
    qwords = words(question)
    column_words = {t.display_name: set().union(*(words(c.name) for c in t.columns if c.name not in t.primary_key)) for t in schema.tables if t.columns}
    frequency: dict[str, int] = defaultdict(int)
    for ws in column_words.values():
        for w in ws:
            frequency[w] += 1
    hits = []
    for t in schema.tables:
        distinctive = {w for w in column_words.get(t.display_name, set()) & qwords if frequency[w] <= 2}
        name = words(t.name)
        score = (NAME_WEIGHT if name and name <= qwords else 0) + COLUMN_WEIGHT * len(distinctive)
        if score > 0:
            hits.append((score, t.display_name))
    return [name for _, name in sorted(hits, key=lambda h: -h[0])[:limit]]
