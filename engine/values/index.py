"""Value linking: which words of a question are values stored in the database.

Small models get the columns right and the literal wrong (``region_name =
'North Dale'`` when the data says ``north dale``; ``'oakton bay area'`` for
``oakton bay``), or pick the wrong column because nothing in the schema says
which one holds "silver". These instruments address this without another model call:

- ``ValueIndex`` samples the distinct short values of every text column once
  per session (bounded scans, read-only, time-boxed) and finds the question's
  n-grams among them: hints such as ``'silver' (stream.stream_name)``, reported in
  the answer (not shown to the model: the 0.5B model copied every hinted
  column into its WHERE clause, measured on spider-dev).
- ``ground_literals_in`` (step ``grounding``) checks each ``column = 'literal'`` (and ``IN``/``<>``)
  of a planned query against that column's data and replaces a literal that
  does not occur by the one stored value it denotes (same text ignoring case,
  or the one value contained in it / containing it).
- ``literals_from_question_in`` (step ``question_literals``) replaces a literal the question never mentions
  by the one value of the same column the question does name (the model
  wrote a neighbouring value: ``'delivered'`` for "how many orders were cancelled").

Values are data, never instructions: hints are quoted, capped and cleaned
like every sample value.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from psycopg2 import sql as pgsql
from sqlglot import exp

from engine.errors import DatabaseError
from engine.database.executor import Executor
from engine.schema.render import clean_text
from engine.schema import Column, Schema, Table
from engine.rewrites.fix import Fix
from engine.settings import Settings
from engine.words import STOPWORDS, normalize
from engine.scope import QueryScope, resolve_column, tables_by_alias
from engine.sql_tree import compared_literals, ident, parse

SCAN_ROWS = 20_000  # rows read per column when sampling (a bounded scan, not the whole table)
VALUES_PER_COLUMN = 2_000
MAX_VALUE_CHARS = 60
BUILD_BUDGET_S = 3.0  # the index is best-effort: columns past the budget are not indexed
PROBE_TIMEOUT_MS = 1_000  # statement timeout of the sampling and grounding queries
MAX_NGRAM = 4
MAX_HINTS = 8
MAX_HINT_COLUMNS = 2
MIN_GROUND_CHARS = 3


@dataclass(frozen=True)
class Note:
    """A sentence for a repair prompt, and the tables it names (so the repair is shown them; no parsing of the text)."""

    text: str
    tables: tuple[str, ...] = ()


@dataclass(frozen=True)
class ValueMatch:
    """A run of question words equal (ignoring case) to a value stored in ``table.column``."""

    text: str  # the question's words, lowercased
    value: str  # the stored value, as stored
    table: str  # display name
    column: str


def value_hints(matches: list[ValueMatch]) -> list[str]:
    """One hint per distinctive stored value: ``'north dale' (region.region_name, stream.region_name)``.

    A value held by more than MAX_HINT_COLUMNS columns (a state name in every
    table) says nothing about which column to use, and a small model copies
    every listed column into its WHERE clause (measured); such values get no
    hint (grounding still fixes their spelling).
    """
    columns: dict[str, dict[str, None]] = {}  # value -> its columns, each once (a value the question names twice)
    for m in matches:
        columns.setdefault(m.value, {})[f"{m.table}.{m.column}"] = None
    return [f"'{value.replace(chr(39), chr(39) * 2)}' ({', '.join(cols)})" for value, cols in columns.items() if len(cols) <= MAX_HINT_COLUMNS]


def is_text(column: Column) -> bool:
    return column.type_class == "text" or bool(column.sample_values)


def probe_executor(url: str, settings: Settings) -> Executor:
    """A read-only executor with a short statement timeout: value queries are hints, never worth a long wait."""
    return Executor(url, settings.model_copy(update={"statement_timeout_ms": min(PROBE_TIMEOUT_MS, settings.statement_timeout_ms)}))


class ValueIndex:
    """Distinct short values of the text columns, keyed by their normalized text."""

    def __init__(self, entries: dict[str, list[tuple[str, str, str]]], *, columns: int, complete: bool, ms: float) -> None:
        self._entries = entries  # normalized value -> [(table, column, stored value)]
        self.columns = columns
        self.complete = complete  # False: the time budget ran out before every column was read
        self.ms = ms
        self._by_column: dict[tuple[str, str], set[str]] | None = None

    @classmethod
    def build(cls, schema: Schema, executor: Executor, *, budget_s: float = BUILD_BUDGET_S) -> "ValueIndex":
        """Sample every text column of ``schema`` through ``executor`` (read-only, bounded, time-boxed)."""
        started = time.monotonic()
        entries: dict[str, list[tuple[str, str, str]]] = {}
        columns, complete = 0, True
        for table in schema.tables:
            for column in table.columns:
                if not is_text(column):
                    continue
                if time.monotonic() - started > budget_s:
                    complete = False
                    break
                try:
                    values = _sample(executor, table, column)
                except DatabaseError:
                    continue  # no privilege, timeout, broken view: no hints from this column
                columns += 1
                for value in values:
                    key = normalize(value)
                    if key:
                        entries.setdefault(key, []).append((table.display_name, column.name, value))
        return cls(entries, columns=columns, complete=complete, ms=(time.monotonic() - started) * 1000)

    def column_values(self, table: str, column: str) -> set[str]:
        """The sampled values of one column (normalized), by table display name and column name."""
        if self._by_column is None:
            self._by_column = {}
            for key, hits in self._entries.items():
                for t, c, _ in hits:
                    self._by_column.setdefault((t, c), set()).add(key)
        return self._by_column.get((table, column), set())

    def misplaced_literals(self, sql_text: str, schema: Schema, *, limit: int = 3, occurs: Occurs | None = None) -> list[str]:
        """Notes such as ``'Female' is stored in gender.gender`` for a failed query.

        One per string literal compared with a column that does not hold it (an
        id, or the wrong text column) when the index knows where it is stored.
        Told to a repair, not to the first plan (hints there were copied, not weighed).
        With ``occurs`` the database confirms that the column lacks the literal
        (the index only samples): a note about a query that ran is then certain.
        """
        tree = parse(sql_text)
        return [] if tree is None else [n.text for n in self.misplaced_literals_in(tree, schema, limit=limit, occurs=occurs)]

    def misplaced_literals_in(self, tree: exp.Expression, schema: Schema, *, limit: int = 3, occurs: Occurs | None = None) -> list[Note]:
        """``misplaced_literals`` on a parsed statement, each note with the tables it names."""
        aliases = tables_by_alias(tree, schema)
        used = {table.display_name for table in aliases.values()}
        notes: list[Note] = []
        for column_node, literal in compared_literals(tree):
            homes = self._entries.get(normalize(literal.this), [])
            resolved = resolve_column(column_node, aliases)
            here = (resolved[0].display_name, resolved[1].name) if resolved else None
            if not homes or any((t, c) == here for t, c, _ in homes):
                continue
            if occurs is None or (resolved is not None and not occurs(resolved[0], resolved[1], literal.this)):
                homes = sorted(homes, key=lambda home: home[0] not in used)  # the query's own tables first: the smallest repair
                places = ", ".join(f"{t}.{c}" for t, c, _ in homes[:MAX_HINT_COLUMNS])
                value = (clean_text(homes[0][2], MAX_VALUE_CHARS) or "").replace("'", "''")
                wrong = f", not in {here[0]}.{here[1]}" if here else ""  # the column the query compares: the repair's target
                notes.append(Note(f"'{value}' is stored in {places}{wrong}", tuple(t for t, _, _ in homes[:MAX_HINT_COLUMNS])))
        return list(dict.fromkeys(notes))[:limit]

    def matches(self, question: str, *, limit: int = MAX_HINTS) -> list[ValueMatch]:
        """Values named by the question, longest word runs first; a word is used by one run at most."""
        words = normalize(question).split()
        taken = [False] * len(words)
        found: list[ValueMatch] = []
        for n in range(min(MAX_NGRAM, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                if any(taken[i : i + n]):
                    continue
                text = " ".join(words[i : i + n])
                if n == 1 and (text in STOPWORDS or len(text) < MIN_GROUND_CHARS or text.isdigit()):
                    continue
                hits = self._entries.get(text)
                if not hits:
                    continue
                taken[i : i + n] = [True] * n
                found += [ValueMatch(text=text, value=clean_text(v, MAX_VALUE_CHARS) or "", table=t, column=c) for t, c, v in hits]
        return found[:limit]


def _sample(executor: Executor, table: Table, column: Column) -> list[str]:
    query = pgsql.SQL(
        "SELECT DISTINCT v FROM (SELECT {col}::text AS v FROM {nsp}.{rel} LIMIT {scan}) s "
        "WHERE v IS NOT NULL AND length(v) BETWEEN 1 AND {chars} LIMIT {limit}"
    ).format(
        col=pgsql.Identifier(column.name), nsp=pgsql.Identifier(table.schema_name), rel=pgsql.Identifier(table.name),
        scan=pgsql.Literal(SCAN_ROWS), chars=pgsql.Literal(MAX_VALUE_CHARS), limit=pgsql.Literal(VALUES_PER_COLUMN),
    )
    result = executor.run(query.as_string(executor.connection()), max_rows=VALUES_PER_COLUMN)
    return [row[0] for row in result.rows if isinstance(row[0], str)]


# -- grounding literals -------------------------------------------------------------------------

Lookup = Callable[[Table, Column, str], str | None]
Occurs = Callable[[Table, Column, str], bool]


def ground_literals_in(tree: exp.Expression, scope: QueryScope, lookup: Lookup) -> list[Fix]:
    """Replace string literals compared with a text column by the stored value they denote.

    ``lookup(table, column, literal)`` returns the stored value to use, or
    None to keep the literal. Edited in place; what changed.
    """
    aliases = scope.aliases
    fixes: list[Fix] = []
    for column_node, literal in compared_literals(tree):
        resolved = resolve_column(column_node, aliases)
        if resolved is None:
            continue
        table, column = resolved
        before = literal.this
        if len(before) < MIN_GROUND_CHARS or not is_text(column):
            continue
        after = lookup(table, column, before)
        if after is not None and after != before:
            literal.set("this", after)
            fixes.append(Fix(before=before, after=after, column=f"{table.display_name}.{column.name}"))
    return fixes


def literals_from_question_in(tree: exp.Expression, scope: QueryScope, question: str, named: list[ValueMatch]) -> list[Fix]:
    """Replace a literal the question never mentions by the value of the same column the question does name.

    ``status = 'delivered'`` for "how many orders were cancelled": both values
    are stored, so grounding keeps the literal, but only one of them is in
    the question. Applies when the question names exactly one value of the
    column (``named``: the value index's matches) and the query does not use it.
    When the question names no value of the column but a longer literal holds
    the question's words (``county = 'alameda county'`` for "in alameda"), the
    comparison moves to the one other column of the table that stores those
    words (``city_name = 'alameda'``); see ``_named_part``.
    """
    asked = f" {normalize(question)} "
    aliases = scope.aliases
    pairs = compared_literals(tree)
    used = {normalize(literal.this) for _, literal in pairs}
    fixes: list[Fix] = []
    for column_node, literal in pairs:
        resolved = resolve_column(column_node, aliases)
        if resolved is None or f" {normalize(literal.this)} " in asked:
            continue
        table, column = resolved
        values = {m.value for m in named if (m.table, m.column) == (table.display_name, column.name) and len(m.value) < MAX_VALUE_CHARS}
        if len(values) == 1 and normalize(value := values.pop()) not in used:
            fixes.append(Fix(before=literal.this, after=value, column=f"{table.display_name}.{column.name}"))
            literal.set("this", value)
            used.add(normalize(value))
        elif not values and isinstance(literal.parent, exp.EQ) and (part := _named_part(literal.this, table, column, named, used)):
            fixes.append(Fix(before=literal.this, after=part.value, column=f"{table.display_name}.{part.column}"))
            column_node.set("this", ident(part.column))
            literal.set("this", part.value)
            used.add(normalize(part.value))
    return fixes


def _named_part(literal: str, table: Table, column: Column, named: list[ValueMatch], used: set[str]) -> ValueMatch | None:
    """The value the question names inside a longer literal, when one other column of the literal's table holds it.

    ``county = 'alameda county'`` for "restaurants in alameda": the model
    lengthened the question's words into a value of the wrong column; the
    words themselves are a value of ``city_name`` in the same table.
    """
    wrapped = f" {normalize(literal)} "
    parts = {
        (m.column, m.value): m for m in named
        if m.table == table.display_name and m.column != column.name and f" {normalize(m.text)} " in wrapped
        and normalize(m.value) not in used and len(m.value) < MAX_VALUE_CHARS
    }
    return next(iter(parts.values())) if len(parts) == 1 else None


def probe_rows(executor: Executor, template: str, table: Table, column: Column, literal: str) -> list[object]:
    """First column of one probe query about ``literal`` in ``table.column`` (read-only, short timeout).

    ``template`` names the column ``{col}``, the table ``{nsp}.{rel}`` and the literal ``{lit}``.
    """
    query = pgsql.SQL(template).format(
        lit=pgsql.Literal(literal), min=pgsql.Literal(MIN_GROUND_CHARS),
        col=pgsql.Identifier(column.name), nsp=pgsql.Identifier(table.schema_name), rel=pgsql.Identifier(table.name),
    )
    return [r[0] for r in executor.run(query.as_string(executor.connection()), max_rows=20).rows]


def database_occurs(executor: Executor) -> Occurs:
    """An ``Occurs`` that asks the database whether the column holds the literal exactly (True when it cannot tell)."""

    def occurs(table: Table, column: Column, literal: str) -> bool:
        try:
            return bool(probe_rows(executor, GROUNDING_QUERIES[0][0], table, column, literal))
        except DatabaseError:
            return True

    return occurs


def database_lookup(executor: Executor) -> Lookup:
    """A ``Lookup`` that asks the database. A literal that occurs is kept; otherwise it becomes the one value
    equal to it ignoring case, else the longest value it contains as whole words (``'oakton bay area'`` -> ``oakton bay``);
    a value that merely contains the literal is never chosen (``'Ann'`` is not ``'Joanne Smith'``); when none of these is unique the literal stays."""

    def lookup(table: Table, column: Column, literal: str) -> str | None:
        for template, pick in GROUNDING_QUERIES:
            try:
                rows = probe_rows(executor, template, table, column, literal)
            except DatabaseError:
                return None
            if pick == "keep" and rows:
                return None
            if pick == "longest" and (best := _longest_unique(rows)) is not None:
                return best
            if pick == "only" and len(rows) == 1:
                return rows[0]
        return None

    return lookup


# (query, how to pick from its rows), tried in order until one decides.
GROUNDING_QUERIES = [
    ("SELECT {col}::text FROM {nsp}.{rel} WHERE {col}::text = {lit} LIMIT 1", "keep"),
    ("SELECT DISTINCT {col}::text FROM {nsp}.{rel} WHERE lower({col}::text) = lower({lit}) LIMIT 2", "only"),
    ("SELECT DISTINCT {col}::text FROM {nsp}.{rel} WHERE length({col}::text) >= {min} "
     "AND strpos(' ' || lower({lit}) || ' ', ' ' || lower({col}::text) || ' ') > 0 LIMIT 20", "longest"),  # whole words
]


def _longest_unique(values: list[str]) -> str | None:
    if not values:
        return None
    longest = max(len(v) for v in values)
    top = [v for v in values if len(v) == longest]
    return top[0] if len(top) == 1 else None
