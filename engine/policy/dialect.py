"""Which SQL dialect a statement is written in, and its PostgreSQL spelling.

Three jobs, all about sqlglot dialects:

- ``READING``: PostgreSQL as the validator reads and writes it. sqlglot's
  PostgreSQL dialect is corrected where it misreads PostgreSQL: ``f(x -> 'k')``
  is JSON access, not a lambda (PostgreSQL has no lambdas), ``x > ALL (array)``
  is the ALL predicate, not a call of a function named ALL, and ``CURRENT_TIME``
  is written without parentheses (``CURRENT_TIME()`` is a syntax error).
- ``schema_spelling``: names written without the double quotes their capitals
  need (``SELECT a.Name FROM Artist a`` on a table created as ``"Artist"``):
  SQLite, MySQL and T-SQL compare names ignoring case, PostgreSQL folds an
  unquoted name to lower case and finds no ``artist``. Each unquoted table or
  column name that folds to no name of the query's tables but equals exactly
  one of them ignoring case is written as the schema spells it, quoted. The
  validator asks for it only after refusing a name, so a statement PostgreSQL
  resolves is never changed.
- ``to_postgres``: SQL written with SQLite, MySQL or T-SQL habits (strftime,
  YEAR(), DATEDIFF, IFNULL, ``TOP n``, backticks, ``INTERVAL 7 DAY``, ``+`` on
  strings ...) transpiled to PostgreSQL, but only when the PostgreSQL reading
  fails (sqlglot cannot parse it, or it calls a function PostgreSQL lacks, or
  adds two strings) and the text shows a habit of the other dialect. A correct
  PostgreSQL statement is never changed: it parses and calls only functions
  PostgreSQL has. The result is a proposal, not a pass: the validator checks the
  transpiled statement like any other.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import sqlglot
from sqlglot import exp
from sqlglot.dialects.postgres import Postgres
from sqlglot.errors import OptimizeError, SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope
from sqlglot.tokens import TokenType

from engine.schema import Schema, Table
from engine.schema.render import quote_ident


class PostgresReading(Postgres):
    """sqlglot's PostgreSQL, read as PostgreSQL reads it."""

    class Parser(Postgres.Parser):
        # PostgreSQL has no lambdas: jsonb_typeof(prefs -> 'k') is JSON access; f(name => v) stays a named argument
        LAMBDAS = {k: v for k, v in Postgres.Parser.LAMBDAS.items() if k != TokenType.ARROW}
        NO_PAREN_FUNCTION_PARSERS = {
            **Postgres.Parser.NO_PAREN_FUNCTION_PARSERS,
            "ALL": lambda self: self._parse_all_predicate(),  # x > ALL (array), like ANY
        }

        def _parse_all_predicate(self) -> exp.Expression:
            this = self._parse_bitwise()
            if isinstance(this, exp.Subquery) and not this.alias:
                this = this.this  # ALL (SELECT ...): the generator puts the parentheses back
            return self.expression(exp.All(this=this))

    class Generator(Postgres.Generator):
        TRANSFORMS = {
            **Postgres.Generator.TRANSFORMS,
            exp.CurrentTime: lambda self, e: "CURRENT_TIME" + (f"({self.sql(e, 'this')})" if e.this else ""),
        }


READING = PostgresReading()

# Functions other dialects have and PostgreSQL does not (tests/test_dialect.py checks each
# against pg_proc), by the dialect whose habit they are. A call of one is the evidence.
FOREIGN_FUNCTIONS: dict[str, frozenset[str]] = {
    "sqlite": frozenset("strftime julianday ifnull group_concat instr datetime unixepoch".split()),
    "mysql": frozenset(
        """year month day hour minute second quarter week datediff date_format curdate curtime date_sub adddate subdate
        if ifnull group_concat lcase ucase dayofweek dayofmonth dayofyear weekday monthname dayname last_day
        timestampdiff timestampadd str_to_date unix_timestamp from_unixtime locate instr""".split()
    ),
    "tsql": frozenset(
        """dateadd datediff datepart datename getdate getutcdate sysdatetime isnull len iif charindex eomonth
        datefromparts year month day top""".split()  # top: TOP (5) reads as a call in PostgreSQL
    ),
}
ORDER = ("sqlite", "mysql", "tsql")  # tie order: the order the habits are named in the docs
_STRING = re.compile(r"'(?:[^']|'')*'")
_CALL = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")
_INTERVAL_NUMBER = re.compile(r"\binterval\s+[-+]?\d", re.I)  # MySQL's INTERVAL 7 DAY (PostgreSQL wants a string)
_SYNTAX = {  # habits that PostgreSQL cannot parse, seen in the text outside string literals
    "mysql": (re.compile(r"`"), _INTERVAL_NUMBER),
    "tsql": (
        re.compile(r"\bselect\s+(distinct\s+)?top\b", re.I),
        re.compile(r"\[[A-Za-z_][\w ]*\]"),
        re.compile(r"\bconvert\s*\(\s*(n?varchar|n?char|int|integer|bigint|date|datetime|decimal|numeric|float)\b", re.I),  # PostgreSQL's convert takes bytea
    ),
}
# SQLite's date(x, '+7 days'): PostgreSQL's date() takes one argument (checked on the text with its strings)
_SQLITE_DATE_CALL = re.compile(r"\bdate(time)?\s*\([^()]*,\s*'\s*[-+]?\d+(\.\d+)?\s+(year|month|day|hour|minute|second)s?\s*'", re.I)
_SQLITE_DATE_MODIFIER = re.compile(r"^\s*([-+]?\d+(?:\.\d+)?)\s+(year|month|day|hour|minute|second)s?\s*$", re.I)


class Normalized(NamedTuple):
    sql: str  # the PostgreSQL spelling, to be validated
    dialect: str  # "sqlite", "mysql" or "tsql": whose habits it was written in


def to_postgres(sql: str, schema: Schema | None = None, *, max_chars: int = 20_000, max_nesting: int = 50) -> Normalized | None:
    """The PostgreSQL spelling of a statement written in another dialect's habits; None to leave it as it is."""
    if len(sql) > max_chars or "\x00" in sql or _nesting(_STRING.sub("''", sql)) > max_nesting:
        return None  # the validator refuses these on their own terms (sqlglot's parse of deep brackets is slow)
    try:
        return _normalize(sql, schema)
    except (SqlglotError, RecursionError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        return None  # sqlglot failed on a reading: the original goes to the validator and gets its refusal there


def _normalize(sql: str, schema: Schema | None) -> Normalized | None:
    bare = _STRING.sub("''", sql)
    called = _called(bare)
    pg_tree = _read(sql, READING)
    sqlite_dates = bool(_SQLITE_DATE_CALL.search(sql))
    if pg_tree is not None and not (called & _ALL_FOREIGN) and not _INTERVAL_NUMBER.search(bare) and not sqlite_dates:
        fixed = _concat_plus(pg_tree, schema)  # PostgreSQL parses 'a' + b but has no + for text
        return Normalized(fixed.sql(dialect=READING), "tsql") if fixed is not pg_tree else None
    for dialect in _candidates(bare, called, sqlite_dates):
        tree = _read(sql, dialect)
        if not isinstance(tree, (exp.Select, exp.SetOperation)):
            continue  # only a query is proposed; anything else keeps its PostgreSQL refusal
        if dialect == "sqlite":
            tree = _sqlite_date_modifiers(tree)
        again = _read(tree.sql(dialect=READING), READING)
        if again is None or _called(_STRING.sub("''", again.sql(dialect=READING))) & _ALL_FOREIGN or not _limit_for_postgres(again):
            continue  # the PostgreSQL spelling still fails: try the next dialect
        again = _concat_plus(again, schema)
        return Normalized(again.sql(dialect=READING), dialect)
    return None


_ALL_FOREIGN = frozenset().union(*FOREIGN_FUNCTIONS.values())


def _read(sql: str, dialect: object) -> exp.Expression | None:
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]  # type: ignore[arg-type]
    except SqlglotError:
        return None
    return statements[0] if len(statements) == 1 else None


def _nesting(bare: str) -> int:
    depth = deepest = 0
    for char in bare:
        depth += char in "(["
        depth -= char in ")]"
        deepest = max(deepest, depth)
    return deepest


def _called(bare: str) -> set[str]:
    """Names called as functions, lower-case; not ``AS month(m)`` or ``WITH day(d) AS (...)``, which name columns."""
    names = set()
    for match in _CALL.finditer(bare):
        before = bare[: match.start()].rstrip()
        if re.search(r"(\bas|\bwith|\brecursive|\.)$", before, re.I) or re.match(r"[^()]*\)\s*as\s*(not\s+)?(materialized\s*)?\(", bare[match.end():], re.I):
            continue
        names.add(match.group(1).lower())
    return names


def _syntax_habits(bare: str) -> set[str]:
    return {d for d, patterns in _SYNTAX.items() if any(p.search(bare) for p in patterns)}


def _candidates(bare: str, called: set[str], sqlite_dates: bool) -> list[str]:
    """Dialects with evidence in the text, most evidence first; none without evidence."""
    score = {d: len(called & FOREIGN_FUNCTIONS[d]) + 2 * (d in _syntax_habits(bare)) for d in ORDER}
    score["sqlite"] += 2 * sqlite_dates
    if re.search(r"\bdatediff\s*\(\s*[a-z]+\s*,[^,()]*,", bare, re.I):
        score["tsql"] += 2  # DATEDIFF(day, a, b): T-SQL's three arguments (MySQL's has two)
    return sorted((d for d in ORDER if score[d] > 0), key=lambda d: -score[d])


def _limit_for_postgres(tree: exp.Expression) -> bool:
    """T-SQL's TOP n WITH TIES as FETCH FIRST n ROWS WITH TIES (sqlglot writes LIMIT n WITH TIES); False for TOP n PERCENT."""
    for query in tree.find_all(exp.Select):
        limit = query.args.get("limit")
        options = limit.args.get("limit_options") if isinstance(limit, exp.Limit) else None
        if options is None:
            continue
        if options.args.get("percent"):
            return False  # PostgreSQL has no percentage limit
        if options.args.get("with_ties"):
            rows = exp.LimitOptions(percent=False, rows=True, with_ties=True)
            query.set("limit", exp.Fetch(direction="FIRST", count=limit.expression, limit_options=rows))
    return True


def _sqlite_date_modifiers(tree: exp.Expression) -> exp.Expression:
    """SQLite's date(x, '+7 days', ...) and date('now'): PostgreSQL date arithmetic (sqlglot keeps them as they are)."""
    for node in list(tree.find_all(exp.Anonymous, exp.Date, exp.DateStrToDate, exp.TsOrDsToDate)):
        name = node.name.lower() if isinstance(node, exp.Anonymous) else "date"
        args = [node.this, *node.expressions] if not isinstance(node, exp.Anonymous) else list(node.expressions)
        args = [a for a in args if a is not None]
        if name not in ("date", "datetime") or not args:
            continue
        first, modifiers = args[0], args[1:]
        if not all(isinstance(m, exp.Literal) and m.is_string and _SQLITE_DATE_MODIFIER.match(m.this) for m in modifiers):
            continue
        if not modifiers and not (isinstance(first, exp.Literal) and first.this.lower() == "now"):
            continue
        result: exp.Expression = (
            exp.CurrentTimestamp() if isinstance(first, exp.Literal) and first.this.lower() == "now" else exp.cast(first.copy(), "timestamp")
        )
        for m in modifiers:
            amount, unit = _SQLITE_DATE_MODIFIER.match(m.this).groups()  # type: ignore[union-attr]
            interval = exp.Interval(this=exp.Literal.string(amount.lstrip("+-")), unit=exp.var(unit.upper()))
            result = exp.Sub(this=result, expression=interval) if amount.startswith("-") else exp.Add(this=result, expression=interval)
        node.replace(exp.cast(exp.Paren(this=result), "date" if name == "date" else "timestamp"))
    return tree


def _concat_plus(tree: exp.Expression, schema: Schema | None) -> exp.Expression:
    """T-SQL's ``first_name + ' ' + last_name``: ``||`` when both sides are text (PostgreSQL has no text + text).

    Returns the same tree object when nothing is text + text, a changed copy otherwise.
    """
    text_columns = _text_columns(tree, schema)

    def is_text(node: exp.Expression) -> bool:
        node = node.unnest() if isinstance(node, exp.Paren) else node
        if isinstance(node, exp.Literal):
            return node.is_string
        if isinstance(node, exp.DPipe):
            return True
        if isinstance(node, exp.Add):
            return is_text(node.this) and is_text(node.expression)
        return isinstance(node, exp.Column) and node.name in text_columns

    adds = [a for a in tree.find_all(exp.Add) if is_text(a.this) and is_text(a.expression)]
    if not adds:
        return tree
    copy = tree.copy()
    for node in list(copy.find_all(exp.Add)):
        if is_text(node.this) and is_text(node.expression):
            node.replace(exp.DPipe(this=node.this, expression=node.expression, safe=True))
    return copy


def _text_columns(tree: exp.Expression, schema: Schema | None) -> set[str]:
    """Columns of the statement's tables that are text in every table that has them (names only: a heuristic for ``+``)."""
    if schema is None:
        return set()
    kinds: dict[str, set[str]] = {}
    names = {(t.db or "public", t.name) for t in tree.find_all(exp.Table)}
    for table in schema.tables:
        if (table.schema_name, table.name) in names:
            for column in table.columns:
                kinds.setdefault(column.name, set()).add(column.type_class)
    return {name for name, k in kinds.items() if k == {"text"}}


def schema_spelling(sql: str, schema: Schema) -> str | None:
    """``sql`` with the unquoted names PostgreSQL's case folding loses spelled as their sources spell them; None when there is none.

    Query by query, innermost first (sqlglot's scopes), so a CTE's or a
    subquery's output columns are known in the spelling they end up with. A
    name stays as written when its folded form is a name of its source (the
    statement means that one), when it may name an output alias (an ORDER BY
    or GROUP BY item), or when it equals several names ignoring case.
    """
    tree = _read(sql, READING)
    if tree is None:
        return None
    try:
        scopes = traverse_scope(tree)
    except (OptimizeError, RecursionError):
        return None
    changed = False
    sources: dict[int, dict[str, list[str] | None]] = {}  # per scope: source name -> its columns as spelled; None when unknown
    for scope in scopes:  # tables first: a correlated reference reads a table of an enclosing query
        sources[id(scope)] = {}
        for name, source in scope.sources.items():
            if isinstance(source, exp.Table):
                table, fixed = _spelled_table(source, schema)
                changed |= fixed
                sources[id(scope)][name] = [c.name for c in table.columns] if table is not None else None
    for scope in scopes:  # innermost first: a CTE's or subquery's outputs are spelled before the query that reads them
        for name, source in scope.sources.items():
            if not isinstance(source, exp.Table):
                sources[id(scope)][name] = _output_names(source) if isinstance(source, Scope) else None
        outputs = {e.alias.lower() for e in scope.expression.expressions if isinstance(e, exp.Alias)} if isinstance(scope.expression, exp.Select) else set()
        for column in scope.columns:
            if column.find_ancestor(exp.Select) is scope.expression:
                changed |= _spell_column(column, _visible(scope, sources), outputs)
    return tree.sql(dialect=READING) if changed else None


def _spelled_table(node: exp.Table, schema: Schema) -> tuple[Table | None, bool]:
    """The schema table ``node`` reads, spelled as PostgreSQL needs it to find it; and whether the spelling changed.

    Two spellings are mended: capitals folding loses (``Artist`` for ``"Artist"``),
    and a bare name that only one schema other than ``public`` holds (``author``
    for ``app.author``, which a role whose search_path names ``app`` writes so).
    """
    ident = node.this
    if not isinstance(ident, exp.Identifier):
        return None, False
    name = ident.name if ident.quoted else ident.name.lower()
    found = schema.table(f"{node.db or 'public'}.{name}")
    if found is not None:
        return found, False
    matches = [
        t for t in schema.tables
        if (not node.db or t.schema_name.lower() == node.db.lower()) and (t.name == name if ident.quoted else t.name.lower() == name)
    ]  # fmt: skip
    if len(matches) != 1:
        return None, False
    table = matches[0]
    if table.name != name:
        node.set("this", exp.to_identifier(table.name, quoted=True))
        if not node.alias:  # qualifiers keep naming it as written, and PostgreSQL folds them like this alias
            node.set("alias", exp.TableAlias(this=exp.to_identifier(ident.name)))
    if table.schema_name != (node.db or "public"):
        node.set("db", exp.to_identifier(table.schema_name, quoted=quote_ident(table.schema_name) != table.schema_name))
    return table, True


def _visible(scope: Scope, sources: dict[int, dict[str, list[str] | None]]) -> list[dict[str, list[str] | None]]:
    """The sources of ``scope`` and of the queries around it, nearest first."""
    out: list[dict[str, list[str] | None]] = []
    outer: Scope | None = scope
    while outer is not None:
        out.append(sources.get(id(outer), {}))
        outer = outer.parent
    return out


def _output_names(scope: Scope) -> list[str] | None:
    """The output columns of a CTE or subquery as PostgreSQL names them (unquoted names folded); None when not all are known."""
    query = scope.expression
    alias = query.parent.args.get("alias") if isinstance(query.parent, (exp.CTE, exp.Subquery)) else None
    if isinstance(alias, exp.TableAlias) and alias.columns:
        return [_folded(c) for c in alias.columns]
    if not isinstance(query, exp.Select) or query.is_star:
        return None
    names = []
    for e in query.expressions:
        ident = e.args.get("alias") if isinstance(e, exp.Alias) else e.this if isinstance(e, exp.Column) else None
        ident = ident.this if isinstance(ident, exp.TableAlias) else ident
        if not isinstance(ident, exp.Identifier):
            return None
        names.append(_folded(ident))
    return names


def _spell_column(column: exp.Column, visible: list[dict[str, list[str] | None]], outputs: set[str]) -> bool:
    """Quote ``column`` as its one source spells it when PostgreSQL's folding would lose it; whether it changed.

    ``visible``: the sources of its query, then of the queries around it.
    """
    ident = column.this
    if not isinstance(ident, exp.Identifier) or ident.quoted:
        return False
    folded = ident.name.lower()
    if column.table:
        candidates = next(([v for k, v in level.items() if k.lower() == column.table.lower()] for level in visible if any(
            k.lower() == column.table.lower() for k in level)), [])  # the nearest query with a source of that name
        if len(candidates) != 1:
            return False
    else:
        if folded in outputs and isinstance(column.parent, (exp.Ordered, exp.Group)):
            return False
        candidates = list(visible[0].values())
    if any(c is None for c in candidates):
        return False
    names = {n for c in candidates for n in c or [] if n.lower() == folded}
    if folded in names or len(names) != 1:
        return False
    column.set("this", exp.to_identifier(names.pop(), quoted=True))
    return True


def _folded(ident: exp.Identifier) -> str:
    return ident.name if ident.quoted else ident.name.lower()
