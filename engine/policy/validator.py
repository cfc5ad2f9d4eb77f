"""The read-only policy: a statement runs only if it is proven to be one bounded read.

``validate(sql, schema)`` tokenizes and parses with sqlglot (PostgreSQL
dialect), runs a pipeline of named checks over the whole tree and returns the
SQL *regenerated from the checked tree* (comments dropped), so what runs is
exactly what was checked. The first failure raises ``SqlRefused`` with one of
these stable codes and a message precise enough to feed back to a model:

- ``empty``: nothing but whitespace, semicolons or comments
- ``too_complex``: longer than MAX_SQL_CHARS, brackets nested deeper than
  MAX_NESTING, or a tree too deep to walk (MAX_TREE_DEPTH)
- ``parse_error``: not valid PostgreSQL for sqlglot, a NUL byte, or text that
  sqlglot parsed but did not keep (the regenerated SQL lost a name of the input),
  or a JOIN without the ON or USING condition PostgreSQL requires
- ``multiple_statements``: more than one statement (also when a comment hides one)
- ``write_statement``: anything that is not a SELECT query or a set operation of
  them: INSERT/UPDATE/DELETE/MERGE, DDL, COPY, GRANT, SET/RESET/SHOW, CALL, DO,
  EXPLAIN, LISTEN/NOTIFY, PREPARE/EXECUTE, transaction control, a bare VALUES
  list, and any syntax node not on engine.policy.functions.ALLOWED_NODES, anywhere
- ``data_modifying_cte``: WITH x AS (INSERT/UPDATE/DELETE ...)
- ``select_into``: SELECT ... INTO (creates a table)
- ``locking_clause``: FOR UPDATE / FOR NO KEY UPDATE / FOR SHARE / FOR KEY SHARE
- ``forbidden_function``: a function not on engine.policy.functions.ALLOWED_FUNCTIONS
  (there is no separate ``unknown_function``: the fix is the same), a call
  qualified with a schema other than pg_catalog, a quoted or non-ASCII function
  name that PostgreSQL would not fold onto the allowed one, a cast to an OID alias
  type (regclass, regproc ...), OPERATOR(...) syntax, or a keyword that reads
  server state (user, current_role ...)
- ``system_catalog``: pg_catalog / information_schema / pg_* relations (unless allowed)
- ``unknown_table``: a table that is not in the introspected schema (public
  tables by bare name, others as schema.table), with the closest real names
- ``unknown_column`` / ``ambiguous_column``: a column that does not resolve
  (sqlglot's qualify against the schema decides; engine/scope.py finds the
  reference at fault in its own query level), with suggestions (engine/policy/messages.py)
- ``type_mismatch``: a number column compared with a string that is not a
  number (``order_id = '2025-12-31'``), with the columns that fit the value;
  or two columns of kinds PostgreSQL cannot compare (a number with text or a
  date: ``u.uid = r.user_id``), with the columns that would compare
- ``join_mismatch``: two key columns that name rows of different tables
  compared with ``=`` (``orders.order_id = customers.customer_id``), with the foreign-key
  path that links the two tables

Accepted statements get a row limit on the outermost query (injected, or
tightened when larger or not a constant) and ``ValidatedSql.sql`` is the exact
single statement to run, without a trailing semicolon.
"""

from __future__ import annotations

import logging
import re

from pydantic import BaseModel
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema
from sqlglot.tokens import Token, TokenType

from engine.policy import messages as messages
from engine.policy.dialect import READING, schema_spelling, to_postgres
from engine.errors import ErrorCode, ErrorDetails, SqlRefused
from engine.schema import Schema
from engine.scope import QueryScope, Unresolved, is_visible_cte, owner, schema_table
from engine.policy.functions import (
    ALLOWED_FUNCTION_SCHEMAS,
    ALLOWED_FUNCTIONS,
    ALLOWED_NODES,
    FORBIDDEN_NODES,
    FORBIDDEN_TYPE_PREFIX,
    RECORD_FUNCTIONS,
    SERVER_STATE_KEYWORDS,
)

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # "falling back to Command" warnings: refused anyway

MAX_SQL_CHARS = 20_000
MAX_NESTING = 50
MAX_TREE_DEPTH = 250
SYSTEM_SCHEMAS = ("information_schema",)  # and every schema whose name starts with pg_
QUERY_NODES = (exp.Select, exp.SetOperation, exp.Subquery)
NAME_TOKENS = (TokenType.VAR, TokenType.IDENTIFIER)
NAME_CODES = (ErrorCode.UNKNOWN_TABLE, ErrorCode.UNKNOWN_COLUMN)  # refusals a name's spelling may cause (schema_spelling)
SCHEMA_NAMES = "schema_names"  # ValidatedSql.normalized_from when schema_spelling spelled names as the schema does
_DIALECT = READING  # sqlglot's PostgreSQL with its misreadings corrected (engine/policy/dialect.py)
_CALL = re.compile(r"^\s*([^\s(]+)\s*\(")


class ValidatedSql(BaseModel):
    sql: str  # normalized, limited: the exact text the executor runs
    tables: list[str]  # schema tables read (display names), each once; CTEs are not listed
    limit_applied: bool  # True when a LIMIT was injected or tightened
    normalized_from: str | None = None  # "sqlite", "mysql" or "tsql": the input was written in that dialect and transpiled;
    # "schema_names": names written without the quotes their capitals need or the schema only they are in (engine/policy/dialect.py: schema_spelling)


def validate(
    sql: str, schema: Schema, *, max_rows: int | None = 1000, allow_system_catalogs: bool = False, normalize_dialect: bool = True
) -> ValidatedSql:
    """Prove ``sql`` is one bounded read over ``schema``; raise ``SqlRefused`` otherwise.

    With ``normalize_dialect`` a statement PostgreSQL cannot read but SQLite, MySQL or
    T-SQL can is first transpiled (engine/policy/dialect.py); every check below then
    runs on the transpiled text, so the step can only turn a refusal into a checked read.
    """
    normalized = to_postgres(sql, schema, max_chars=MAX_SQL_CHARS, max_nesting=MAX_NESTING) if normalize_dialect else None
    if normalized is not None:
        sql = normalized.sql
    try:
        return _validated(sql, schema, max_rows=max_rows, allow_system_catalogs=allow_system_catalogs, normalized_from=normalized.dialect if normalized else None)
    except SqlRefused as refused:
        spelled = schema_spelling(sql, schema) if normalize_dialect and refused.code in NAME_CODES else None
        if spelled is None:
            raise
        # Names written as SQLite, MySQL and T-SQL accept them: a proposal the checks decide on, like a transpiled
        # statement; when it is refused too, its refusal names what is still wrong.
        return _validated(spelled, schema, max_rows=max_rows, allow_system_catalogs=allow_system_catalogs, normalized_from=normalized.dialect if normalized else SCHEMA_NAMES)


def _validated(sql: str, schema: Schema, *, max_rows: int | None, allow_system_catalogs: bool, normalized_from: str | None) -> ValidatedSql:
    try:
        tokens = _tokenize(sql)
        tree = _parse(tokens, sql)
        _check_statement_kind(tree, tokens[0].text.upper())
        _check_nodes(tree)
        _check_join_conditions(tree)
        _check_functions(tree)
        tables, system = _check_tables(tree, schema, allow_system_catalogs)
        if not system:  # system catalogs are not in the schema: the database resolves their columns
            _check_columns(tree, schema)
        limit_applied = _apply_limit(tree, max_rows) if max_rows else False
        return ValidatedSql(
            sql=_render(tree, tokens), tables=tables, limit_applied=limit_applied, normalized_from=normalized_from
        )
    except RecursionError:
        raise _refuse("too_complex", "statement is nested too deeply to check; simplify it") from None


def _refuse(code: str, message: str, details: ErrorDetails | None = None) -> SqlRefused:
    return SqlRefused(message, code=ErrorCode(code), details=details)


def _tokenize(sql: str) -> list[Token]:
    if len(sql) > MAX_SQL_CHARS:
        raise _refuse("too_complex", f"statement is {len(sql):,} characters; the limit is {MAX_SQL_CHARS:,}")
    if "\x00" in sql:
        raise _refuse("parse_error", "statement contains a NUL byte; send plain SQL text")
    try:
        tokens = _DIALECT.tokenize(sql)
    except TokenError as exc:
        raise _refuse("parse_error", f"not valid PostgreSQL: {str(exc).splitlines()[0][:200]}") from None
    if all(t.token_type == TokenType.SEMICOLON for t in tokens):
        raise _refuse("empty", "no SQL statement given; write one SELECT query")
    _check_token_shape(tokens)
    _check_call_names(tokens)
    return tokens


def _check_token_shape(tokens: list[Token]) -> None:
    """One statement (semicolons only at the end) and bounded bracket nesting, before parsing."""
    body = tokens
    while body and body[-1].token_type == TokenType.SEMICOLON:
        body = body[:-1]
    if any(t.token_type == TokenType.SEMICOLON for t in body):
        raise _refuse("multiple_statements", "more than one statement given (a ';' before the end); exactly one SELECT query may run")
    depth = 0
    for t in body:
        depth += t.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET)
        depth -= t.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET)
        if depth > MAX_NESTING:
            raise _refuse("too_complex", f"brackets are nested more than {MAX_NESTING} levels deep; simplify the query")


def _check_call_names(tokens: list[Token]) -> None:
    """Refuse non-ASCII names before a '(' : sqlglot folds them with str.upper() (ſum -> SUM),
    PostgreSQL folds only ASCII, so the two would call different functions."""
    for name, following in zip(tokens, tokens[1:]):
        if following.token_type == TokenType.L_PAREN and not name.text.isascii():
            raise _refuse("forbidden_function", f"function {name.text}() is not on the allow-list; write built-in function names in ASCII")


def _parse(tokens: list[Token], sql: str) -> exp.Expression:
    try:
        statements = [s for s in _DIALECT.parser().parse(tokens, sql) if s is not None]
    except ParseError as exc:
        first = next((t for t in tokens if t.token_type != TokenType.L_PAREN), tokens[0])
        if first.text.upper() in OTHER_COMMANDS:  # NOTIFY ..., COPY ... that sqlglot cannot read: a command, not a read
            raise _refuse("write_statement", f"{first.text.upper()} statements are not allowed; only a single SELECT query may run") from None
        raise _refuse("parse_error", f"not valid PostgreSQL: {_first_error(exc)}") from None
    if len(statements) != 1:
        raise _refuse("multiple_statements", f"{len(statements)} statements given; exactly one SELECT query may run")
    tree = normalize_identifiers(statements[0], dialect="postgres")  # unquoted names fold to lower case, as in PostgreSQL
    while isinstance(tree, exp.Subquery) and not any(v for k, v in tree.args.items() if k != "this"):
        tree = tree.this  # (SELECT ...): redundant outer parentheses
    if _depth(tree) > MAX_TREE_DEPTH:
        raise _refuse("too_complex", f"expression is nested more than {MAX_TREE_DEPTH} levels deep; simplify the query")
    return tree


def _first_error(exc: ParseError) -> str:
    if exc.errors:
        e = exc.errors[0]
        return f"{e.get('description')} near {e.get('highlight')!r} (line {e.get('line')}, column {e.get('col')})"
    return str(exc).splitlines()[0][:200]


def _depth(node: exp.Expression) -> int:
    deepest, stack = 0, [(node, 1)]
    while stack and deepest <= MAX_TREE_DEPTH:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in current.iter_expressions())
    return deepest


# The first words of PostgreSQL's SQL commands other than queries (the "SQL Commands" reference): a statement that
# fails to parse and starts with one is refused as a command; any other unparseable text is a parse_error (a typo).
OTHER_COMMANDS = frozenset(
    "ABORT ALTER ANALYZE BEGIN CALL CHECKPOINT CLOSE CLUSTER COMMENT COMMIT COPY CREATE DEALLOCATE DECLARE DELETE DISCARD DO "
    "DROP END EXECUTE EXPLAIN FETCH GRANT IMPORT INSERT LISTEN LOAD LOCK MERGE MOVE NOTIFY PREPARE REASSIGN REFRESH REINDEX "
    "RELEASE RESET REVOKE ROLLBACK SAVEPOINT SECURITY SET SHOW START TRUNCATE UNLISTEN UPDATE VACUUM".split()
)


def _check_statement_kind(tree: exp.Expression, first_word: str) -> None:
    if isinstance(tree, exp.Values):
        raise _refuse("write_statement", "a bare VALUES list is not allowed; write SELECT * FROM (VALUES ...) AS v(col)")
    if not isinstance(tree, QUERY_NODES):
        kind = _kind(tree) if first_word == "WITH" else first_word  # sqlglot misreads some (LISTEN x: an alias)
        raise _refuse("write_statement", f"{kind} statements are not allowed; only a single SELECT query may run")


def _kind(node: exp.Expression) -> str:
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    return node.key.upper()


def _check_nodes(tree: exp.Expression) -> None:
    """Every node must be a known read-only construct; the specific codes come first."""
    for node in tree.walk():
        if isinstance(node, exp.CTE) and not isinstance(node.this, QUERY_NODES):
            raise _refuse("data_modifying_cte", f"CTE {node.alias_or_name} is a {_kind(node.this)}; every CTE must be a SELECT")
        if isinstance(node, exp.Into):
            raise _refuse("select_into", "SELECT ... INTO creates a table; remove the INTO clause")
        if isinstance(node, exp.Lock):
            raise _refuse("locking_clause", "locking clauses (FOR UPDATE / FOR SHARE) are not allowed in a read-only query; remove it")
        if isinstance(node, FORBIDDEN_NODES):
            raise _refuse("forbidden_function", "OPERATOR(...) syntax may call any function; use the plain operator")
        if not isinstance(node, ALLOWED_NODES):
            raise _refuse("write_statement", f"{_kind(node)} is not allowed in a read-only query; use a plain SELECT")


def _check_join_conditions(tree: exp.Expression) -> None:
    """``a JOIN b`` with no ON or USING is a syntax error in PostgreSQL; sqlglot reads it as ``a, b``.

    Run as sqlglot reads it, a plan cut short after ``JOIN b`` would pair every
    row of ``a`` with every row of ``b``: refused instead, so a repair writes the
    condition. CROSS JOIN, NATURAL JOIN and the comma stay what they are.
    """
    for join in tree.find_all(exp.Join):
        if join.args.get("on") or join.args.get("using") or join.args.get("method") or join.args.get("kind") == "CROSS":
            continue
        keyword = "pivots" in join.args or join.args.get("side") or join.args.get("kind")  # sqlglot gives a comma join neither
        if keyword:
            written = " ".join(filter(None, (join.args.get("side"), join.args.get("kind"), "JOIN", join.this.sql(dialect="postgres"))))
            raise _refuse(
                "parse_error",
                f"{written} has no ON or USING condition, which PostgreSQL requires; join on the columns that link the tables "
                "(ON a.col = b.col), or write CROSS JOIN to pair every row with every row",
            )


def _check_functions(tree: exp.Expression) -> None:
    for node in tree.walk():
        if isinstance(node, exp.Func):
            _check_call(node)
        elif isinstance(node, exp.DataType):
            _check_type(node)
        elif isinstance(node, exp.Column) and not node.table and not node.this.quoted and node.name in SERVER_STATE_KEYWORDS:
            raise _refuse("forbidden_function", f"{node.name} reads server state and is not allowed; query the application tables")


def _check_call(node: exp.Func) -> None:
    name, quoted = _function_name(node)
    if not name:
        return  # operator syntax (x ->> 'k', a @> b, CASE ...): a built-in, not a call by name
    if not name.isascii() or (quoted and name != name.lower()):
        raise _refuse("forbidden_function", f"function {name}() is not on the allow-list; write built-in function names unquoted in ASCII")
    qualifier = node.parent.this.sql(dialect="postgres") if isinstance(node.parent, exp.Dot) and node.arg_key == "expression" else ""
    if qualifier and qualifier.strip('"') not in ALLOWED_FUNCTION_SCHEMAS:
        raise _refuse("forbidden_function", f"function {qualifier}.{name}() is not allowed; call built-in functions without a schema prefix")
    if name.lower() not in ALLOWED_FUNCTIONS:
        raise _refuse("forbidden_function", f"function {name}() is not on the allow-list of side-effect-free functions; use standard SQL functions")


def _function_name(node: exp.Func) -> tuple[str, bool]:
    """The name PostgreSQL will see, and whether it is quoted."""
    if isinstance(node, exp.Anonymous):
        this = node.this
        return (this.name, this.quoted) if isinstance(this, exp.Identifier) else (str(this), False)
    rendered = node.sql(dialect="postgres", comments=False)
    if not any(True for _ in node.iter_expressions()):
        return rendered.split("(")[0].strip(), False  # CURRENT_USER, LOCALTIMESTAMP, VERSION() ...
    match = _CALL.match(rendered)
    return (match.group(1), False) if match else ("", False)


def _check_type(node: exp.DataType) -> None:
    name = node.sql(dialect="postgres").split(".")[-1].strip('"').lower()
    if name.startswith(FORBIDDEN_TYPE_PREFIX):
        raise _refuse("forbidden_function", f"type {name} looks catalog objects up and is not allowed; compare names as text instead")


def _check_tables(tree: exp.Expression, schema: Schema, allow_system: bool) -> tuple[list[str], bool]:
    """Resolve every table reference; return the schema tables read and whether system catalogs are read."""
    used: list[str] = []
    system = False
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue  # a table function (generate_series(...)): checked as a function
        db, name = table.db, table.name
        spelled = f"{db}.{name}" if db else name
        if table.catalog:
            raise _refuse("unknown_table", f"table {table.catalog}.{spelled} names another database; use tables of this one")
        if not db and is_visible_cte(table):
            continue
        if db.startswith("pg_") or db in SYSTEM_SCHEMAS or (not db and name.startswith("pg_")):
            if not allow_system:
                raise _refuse("system_catalog", f"system catalog {spelled} is not readable; query the application tables")
            system = True
            continue
        found = schema_table(table, schema)
        if found is None:
            raise _refuse(ErrorCode.UNKNOWN_TABLE, messages.unknown_table(spelled, schema), ErrorDetails(unknown_names=[spelled]))
        if found.display_name not in used:
            used.append(found.display_name)
    return used, system


def _check_columns(tree: exp.Expression, schema: Schema) -> None:
    """Every column resolves (qualifiers included), and number columns are not compared with words."""
    scope = QueryScope.of(tree, schema)
    _check_qualifiers(scope)
    try:
        qualify(_with_own_aliases(_with_function_columns(tree.copy())), schema=_mapping(schema), dialect="postgres", db="public",
                validate_qualify_columns=True, quote_identifiers=False, identify=False, expand_stars=True)
    except OptimizeError as exc:
        raise _column_refusal(scope, str(exc).splitlines()[0]) from None
    _check_literal_types(scope)
    _check_column_types(scope)
    _check_join_keys(scope)


def _with_function_columns(tree: exp.Expression) -> exp.Expression:
    """Name the column of each aliased table function the way PostgreSQL does, for sqlglot's qualify.

    PostgreSQL names the one column of a function returning a single value after
    the alias (``FROM unnest(tags) AS tag``: column ``tag``; ``WITH ORDINALITY``
    adds ``ordinality``); sqlglot does not know it and refused ``SELECT tag``.
    Functions returning records (jsonb_each ...) name their own columns and are left alone.
    """
    for node in list(tree.find_all(exp.Table, exp.Unnest, exp.Lateral)):
        func = node if isinstance(node, exp.Unnest) else node.this
        alias = node.args.get("alias")
        if not isinstance(func, (exp.Func, exp.Unnest)) or not isinstance(alias, exp.TableAlias) or not alias.name or alias.columns:
            continue
        if isinstance(node, exp.Unnest) and (len(node.expressions) != 1 or not isinstance(node.parent, (exp.From, exp.Join))):
            continue
        if not isinstance(node, exp.Unnest) and _function_name(func)[0].lower() in RECORD_FUNCTIONS:
            continue
        columns = [alias.this.copy()]
        if node.args.get("offset") or node.args.get("ordinality"):
            columns.append(exp.to_identifier("ordinality"))
        alias.set("columns", columns)
    return tree


def _with_own_aliases(tree: exp.Expression) -> exp.Expression:
    """Give each table read without an alias its own name as one, spelled as written, for sqlglot's qualify.

    PostgreSQL calls ``FROM "Artist"`` by its name, ``"Artist"``; sqlglot's
    qualify names it ``artist`` and then refused ``SELECT "Artist"."Name"``.
    """
    for node in tree.find_all(exp.Table):
        if isinstance(node.this, exp.Identifier) and not node.alias and isinstance(node.parent, (exp.From, exp.Join)):
            node.set("alias", exp.TableAlias(this=node.this.copy()))
    return tree


def _check_qualifiers(scope: QueryScope) -> None:
    """Refuse ``label.label`` when no source is named label.

    sqlglot's qualify reads a qualifier that names no source but a column as
    field access on that column (``(label).label``); PostgreSQL refuses it
    ("missing FROM-clause entry for table label"), found in an evaluation run.
    """
    if (found := scope.unknown_qualifier()) is not None:
        raise _unresolved_refusal(found, scope.schema)


NUMBER_TEXT = re.compile(r"^\s*([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|(?i:nan|[-+]?inf(inity)?))\s*$")  # what PostgreSQL casts


def _check_literal_types(scope: QueryScope) -> None:
    """Refuse a number column compared with a string that is not a number, before PostgreSQL does.

    PostgreSQL would fail with "invalid input syntax for type integer", and a
    small model's repair kept the column (measured on the demo: order_id =
    '2025-12-31'); the refusal names the columns the value fits. Only columns
    that resolve to a table of their own query's FROM are checked (not a CTE's
    or subquery's output, whose types are not known here).
    """
    for select in scope.selects:
        sources = scope.sources(select)
        for node in select.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
            left, right = node.this, node.expression
            column, literal = (left, right) if isinstance(left, exp.Column) else (right, left)
            if not (isinstance(column, exp.Column) and isinstance(literal, exp.Literal) and literal.is_string) or NUMBER_TEXT.match(literal.this):
                continue
            found = owner(column, sources)
            typed = found[0].table.column(found[1]) if found else None
            if typed is not None and typed.type_class == "number":
                raise _refuse("type_mismatch", messages.type_mismatch(column.sql(dialect="postgres"), typed.type, literal.this, found[0].table))


COMPARABLE_KINDS = ("number", "text", "temporal")  # no column of one kind compares with a column of another


def _check_column_types(scope: QueryScope) -> None:
    """Refuse ``u.uid = r.user_id`` (bigint = text) before PostgreSQL does.

    PostgreSQL fails with "operator does not exist: bigint = text", which
    names neither column (the last error of 0.5B answers on three databases).
    The refusal names both columns, their types and the columns that would
    compare. Only a number, text or date/time column against one of another
    of these kinds, which PostgreSQL never compares without a cast: nothing it
    would run is refused.
    """
    for select in scope.selects:
        sources = scope.sources(select)
        for node in select.expression.find_all(exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE):
            sides = [owner(side, sources) for side in (node.this, node.expression)]
            if sides[0] is None or sides[1] is None or node.find_ancestor(exp.Select) is not select.expression:
                continue  # a subquery's comparison is read with its own sources
            (left, left_name), (right, right_name) = sides
            typed = [left.table.column(left_name), right.table.column(right_name)]
            kinds = [c.type_class if c is not None else "other" for c in typed]
            if kinds[0] != kinds[1] and all(k in COMPARABLE_KINDS for k in kinds):
                raise _refuse("type_mismatch", messages.column_types_differ(node.this.sql(dialect="postgres"), left.table, typed[0], node.expression.sql(dialect="postgres"), right.table, typed[1]))  # type: ignore[arg-type]


def _check_join_keys(scope: QueryScope) -> None:
    """Refuse ``o.order_id = c.customer_id``: two keys that name rows of different tables never match.

    A key column names rows of one table (its own primary key, or the table its
    foreign key references). Small models join on any two id columns (measured
    on bird-dev: a quarter of the 1.5B model's wrong answers); when the schema
    links the two tables by foreign keys, the refusal spells out that path.
    Columns that are not keys, and tables the schema does not link, are left alone.
    """
    for select in scope.selects:
        sources = scope.sources(select)
        for node in select.find_all(exp.EQ):
            sides = [owner(side, sources) for side in (node.this, node.expression)]
            if sides[0] is None or sides[1] is None:
                continue
            (left_source, left_name), (right_source, right_name) = sides
            left_table, right_table = left_source.table, right_source.table
            if not left_table.never_matches(left_name, right_table, right_name):
                continue
            paths = scope.schema.join_paths(left_table, right_table)
            if paths:
                named = left_table.identifies(left_name), right_table.identifies(right_name)
                names = [", ".join(sorted(k.removeprefix("public.") for k in keys)) for keys in named]
                message, path = messages.join_mismatch(node.this.sql(dialect="postgres"), names[0], node.expression.sql(dialect="postgres"), names[1], left_table, right_table, paths)
                raise _refuse(ErrorCode.JOIN_MISMATCH, message, ErrorDetails(join_path=path))


def _mapping(schema: Schema) -> MappingSchema:
    nested: dict[str, dict[str, dict[str, str]]] = {}
    for t in schema.tables:
        nested.setdefault(t.schema_name, {})[t.name] = {c.name: "text" for c in t.columns}  # types do not matter for names
    return MappingSchema(nested, dialect="postgres", normalize=False)


def _column_refusal(scope: QueryScope, error: str) -> SqlRefused:
    """A precise, model-ready refusal for a statement sqlglot's qualify could not resolve.

    The reference at fault is found in the statement's own scope, not read out
    of sqlglot's message; ``error`` is shown as it is only when no reference
    is found that way.
    """
    found = scope.unresolved()
    if found is None:
        return _refuse("unknown_column", f"the statement's names do not resolve: {error}")
    return _unresolved_refusal(found, scope.schema)


def _unresolved_refusal(found: Unresolved, schema: Schema) -> SqlRefused:
    column, qualifier, tables = found.column.name, found.column.table, found.tables or {}
    in_scope = list({t.key: t for t in tables.values()}.values())
    if found.kind == "qualifier":
        names = ", ".join(found.visible) or "none"
        message = f"column {qualifier}.{column} does not resolve: {qualifier} is not a table or alias in scope; use one of: {names}"
        return _refuse(ErrorCode.UNKNOWN_COLUMN, message, ErrorDetails(unknown_names=[f"{qualifier}.{column}"]))  # the pair, for the repair grammar
    if found.kind == "ambiguous":
        return _refuse("ambiguous_column", messages.ambiguous_column(column, list(found.owners)))
    if found.kind == "derived_column":
        return _refuse("unknown_column", messages.derived_column(column, found.outputs or {}))
    message, suggested = messages.unknown_column(column, found.table, in_scope, schema, qualifier=qualifier, aliases=tables, compared_with=_compared_with(found.column))
    unknown = [column, f"{qualifier}.{column}"] if qualifier else [column]  # the pair, for a repair grammar that bans it
    return _refuse(ErrorCode.UNKNOWN_COLUMN, message, ErrorDetails(unknown_names=unknown, suggested=suggested))


def _compared_with(column: exp.Column) -> str:
    """The qualifier of the column ``column`` is compared with when both have its name (``t1.x = t2.x``: ``t2``), else ""."""
    parent = column.parent
    if not isinstance(parent, exp.EQ):
        return ""
    other = parent.expression if parent.this is column else parent.this
    return other.table if isinstance(other, exp.Column) and other.name.lower() == column.name.lower() else ""


def _apply_limit(tree: exp.Expression, max_rows: int) -> bool:
    """Inject LIMIT max_rows, or replace a larger or non-constant LIMIT/FETCH; keep a smaller one."""
    current = tree.args.get("limit")
    count = current.expression if isinstance(current, exp.Limit) else current.args.get("count") if isinstance(current, exp.Fetch) else None
    value = _int_literal(count)
    if current is not None and value is not None and value <= max_rows:
        return False
    tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))
    return True


def _int_literal(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string and re.fullmatch(r"\d+", node.this):
        return int(node.this)
    return None


def _render(tree: exp.Expression, tokens: list[Token]) -> str:
    """The SQL to run, generated from the checked tree; refuse if it lost a name of the input.

    Words the tree holds as syntax and the output spells another way with the
    same meaning are not names: ``ORDER BY x NULLS LAST`` ascending is written
    ``ORDER BY x`` (PostgreSQL's default), ``INTERVAL '70' DAY`` is written
    ``INTERVAL '70 DAY'``, ``TIMESTAMP WITH TIME ZONE`` is written ``TIMESTAMPTZ``.
    Each is excused only as often as the tree holds that construct.
    """
    sql = tree.sql(dialect=_DIALECT, comments=False)
    kept = _names(_DIALECT.tokenize(sql))
    lost = sorted(_names(tokens, _respelled(tokens, tree)) - kept)
    if lost:
        raise _refuse("parse_error", f"part of the statement was not understood (lost: {', '.join(lost[:5])}); rewrite it as plain SELECT syntax")
    return sql


def _names(tokens: list[Token], skip: frozenset[int] = frozenset()) -> set[str]:
    """Identifiers that are not function names (sqlglot may rename functions: date_part -> EXTRACT)."""
    names = set()
    for i, t in enumerate(tokens):
        called = i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.L_PAREN
        if t.token_type in NAME_TOKENS and not called and i not in skip:
            names.add(t.text if t.token_type == TokenType.IDENTIFIER else t.text.lower())
    return names


INTERVAL_FIELDS = {"year", "month", "day", "hour", "minute", "second"}  # PostgreSQL's interval qualifiers (plurals too)


def _respelled(tokens: list[Token], tree: exp.Expression) -> frozenset[int]:
    """Positions of syntax words (lexed as names) whose meaning the tree holds: see _render."""
    words = [t.text.lower() if t.token_type != TokenType.STRING else "" for t in tokens]
    kinds = [t.token_type for t in tokens]
    orderings = sum(1 for _ in tree.find_all(exp.Ordered))
    units: list[str] = []
    for interval in tree.find_all(exp.Interval):
        unit = interval.args.get("unit")
        parts = (unit.this, unit.expression) if isinstance(unit, exp.IntervalSpan) else (unit,)
        units += [part.name.lower().rstrip("s") for part in parts if part is not None]
    zoned = sum(1 for d in tree.find_all(exp.DataType) if d.this in (exp.DataType.Type.TIMESTAMPTZ, exp.DataType.Type.TIMETZ, exp.DataType.Type.TIMESTAMP, exp.DataType.Type.TIME))
    skip: set[int] = set()
    for i, word in enumerate(words):
        if word == "nulls" and i + 1 < len(words) and words[i + 1] in ("first", "last") and orderings > 0:
            orderings -= 1
            skip |= {i, i + 1}
        elif word.rstrip("s") in INTERVAL_FIELDS and i > 0 and _after_interval_value(words, kinds, i) and word.rstrip("s") in units:
            units.remove(word.rstrip("s"))
            skip.add(i)
        elif word == "zone" and i > 1 and words[i - 1] == "time" and words[i - 2] in ("with", "without") and zoned > 0:
            zoned -= 1
            skip.add(i)
    return frozenset(skip)


def _after_interval_value(words: list[str], kinds: list[TokenType], i: int) -> bool:
    """True for the unit of ``INTERVAL '7' DAY`` and the end of ``... DAY TO SECOND``."""
    if words[i - 1] == "to":
        return i > 2 and words[i - 2].rstrip("s") in INTERVAL_FIELDS
    return i > 1 and kinds[i - 1] in (TokenType.STRING, TokenType.NUMBER) and words[i - 2] == "interval"
