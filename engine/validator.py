"""The read-only policy: a statement runs only if it is proven to be a bounded read.

``validate(sql, schema)`` parses with sqlglot (PostgreSQL dialect) and runs a
pipeline of named checks; the first failure raises ``SqlRefused`` with a
stable code and a message precise enough to feed back to a model:

- ``empty``: nothing but whitespace or comments
- ``too_complex``: longer than MAX_SQL_CHARS or nested deeper than MAX_DEPTH
- ``parse_error``: sqlglot cannot parse it as PostgreSQL
- ``multiple_statements``: more than one statement (also when a comment hides one)
- ``write_statement``: not a query: INSERT/UPDATE/DELETE/MERGE, DDL, COPY, SET,
  CALL, DO, EXPLAIN, SHOW, LISTEN, PREPARE, transaction control ... anywhere in the tree
- ``data_modifying_cte``: WITH x AS (INSERT/UPDATE/DELETE ...)
- ``select_into``: SELECT ... INTO (creates a table)
- ``locking_clause``: FOR UPDATE / FOR SHARE / ...
- ``forbidden_function``: a function outside engine.sql_functions.ALLOWED_FUNCTIONS,
  or a cast to an OID alias type (regclass, regproc, ...), which looks up catalog objects
- ``system_catalog``: pg_catalog / information_schema (unless allowed)
- ``unknown_table``: a table that is not in the introspected schema
- ``unknown_column`` / ``ambiguous_column``: a column that does not resolve

Accepted statements get a row limit (injected, or tightened when larger) and
are returned normalized as ``ValidatedSql.sql``, the exact text to run.
"""

from __future__ import annotations

import difflib
import logging
import re

import sqlglot
from pydantic import BaseModel
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from engine.errors import SqlRefused
from engine.schema import Schema, Table
from engine.sql_functions import ALLOWED_FUNCTIONS

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # "falling back to Command" warnings: we refuse those anyway

MAX_SQL_CHARS = 20_000
MAX_DEPTH = 60
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
WRITE_NODES: tuple[type[exp.Expression], ...] = (
    exp.DML, exp.DDL, exp.Command, exp.Copy, exp.Set, exp.Transaction, exp.Commit, exp.Rollback, exp.Merge,
    exp.TruncateTable, exp.Grant, exp.Revoke, exp.Describe, exp.Use, exp.Pragma, exp.Analyze, exp.Kill, exp.Refresh,
    exp.Cache, exp.Uncache, exp.LoadData, exp.Comment, exp.Execute, exp.Declare, exp.Show, exp.Alter, exp.Create, exp.Drop,
)
QUERY_NODES = (exp.Select, exp.SetOperation)
_FUNC_NAME = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\(")


class ValidatedSql(BaseModel):
    sql: str  # normalized, limited: the exact text the executor runs
    tables: list[str]  # tables read (display names)
    limit_applied: bool  # True when a LIMIT was injected or tightened


def validate(sql: str, schema: Schema, *, max_rows: int | None = 1000, allow_system_catalogs: bool = False) -> ValidatedSql:
    """Prove ``sql`` is one bounded read over ``schema``; raise ``SqlRefused`` otherwise."""
    tree = _parse_one(sql)
    _check_statement_kind(tree)
    _check_nodes(tree)
    _check_functions(tree)
    tables = _check_tables(tree, schema, allow_system_catalogs)
    _check_columns(tree, schema)
    limit_applied = _apply_limit(tree, max_rows) if max_rows else False
    return ValidatedSql(sql=tree.sql(dialect="postgres"), tables=tables, limit_applied=limit_applied)


def _refuse(code: str, message: str) -> SqlRefused:
    return SqlRefused(message, code=code)


def _parse_one(sql: str) -> exp.Expression:
    if len(sql) > MAX_SQL_CHARS:
        raise _refuse("too_complex", f"statement is {len(sql):,} characters; the limit is {MAX_SQL_CHARS:,}")
    if "\x00" in sql:
        raise _refuse("parse_error", "statement contains a NUL byte")
    try:
        statements = [s for s in sqlglot.parse(sql, read="postgres") if s is not None]
    except (ParseError, TokenError) as exc:
        raise _refuse("parse_error", f"not valid PostgreSQL: {_first_error(exc)}") from None
    except RecursionError:
        raise _refuse("too_complex", f"statement is nested too deeply (limit {MAX_DEPTH} levels)") from None
    if not statements:
        raise _refuse("empty", "no SQL statement given; write one SELECT query")
    if len(statements) > 1:
        raise _refuse("multiple_statements", f"{len(statements)} statements given; exactly one SELECT query may run")
    tree = normalize_identifiers(statements[0], dialect="postgres")  # unquoted names fold to lower case, as in PostgreSQL
    if _depth(tree) > MAX_DEPTH:
        raise _refuse("too_complex", f"statement is nested too deeply (limit {MAX_DEPTH} levels)")
    return tree


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if errors:
        e = errors[0]
        return f"{e.get('description')} near {e.get('highlight')!r} (line {e.get('line')}, column {e.get('col')})"
    return str(exc).splitlines()[0][:200]


def _depth(node: exp.Expression) -> int:
    deepest, stack = 0, [(node, 1)]
    while stack:
        current, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in current.iter_expressions())
    return deepest


def _check_statement_kind(tree: exp.Expression) -> None:
    if isinstance(tree, WRITE_NODES):
        kind = tree.key.upper() if not isinstance(tree, exp.Command) else str(tree.this).upper()
        raise _refuse("write_statement", f"{kind} statements are not allowed; only a single SELECT query may run")
    if not isinstance(tree, QUERY_NODES):
        raise _refuse("write_statement", f"only SELECT queries may run, not {tree.key.upper()}")


def _check_nodes(tree: exp.Expression) -> None:
    for cte in tree.find_all(exp.CTE):
        if not isinstance(cte.this, QUERY_NODES):
            raise _refuse("data_modifying_cte", f"CTE {cte.alias_or_name} is a {cte.this.key.upper()}; every CTE must be a SELECT")
    for node in tree.walk():
        if isinstance(node, WRITE_NODES):
            raise _refuse("write_statement", f"{node.key.upper()} is not allowed inside a query")
        if isinstance(node, exp.Into):
            raise _refuse("select_into", "SELECT ... INTO creates a table; remove the INTO clause")
        if isinstance(node, exp.Lock):
            raise _refuse("locking_clause", "locking clauses (FOR UPDATE / FOR SHARE) are not allowed in read-only queries")
        if isinstance(node, exp.Values) and not isinstance(node.parent, (exp.From, exp.Join, exp.Subquery, exp.Alias, exp.Table)):
            raise _refuse("write_statement", "VALUES lists are only allowed as a table in FROM")


def _function_name(node: exp.Func) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    match = _FUNC_NAME.match(node.sql(dialect="postgres"))
    return match.group(1).lower() if match else ""  # operator syntax (x -> 'k', CASE ...): a built-in, not a call


def _check_functions(tree: exp.Expression) -> None:
    for node in tree.find_all(exp.Func):
        name = _function_name(node)
        if name and name.split(".")[-1] not in ALLOWED_FUNCTIONS:
            raise _refuse("forbidden_function", f"function {name}() is not on the allow-list of side-effect-free functions; use standard SQL functions")
        if isinstance(node, (exp.Cast, exp.TryCast)) and node.to.sql(dialect="postgres").upper().startswith("REG"):
            raise _refuse("forbidden_function", f"casts to {node.to.sql(dialect='postgres')} look up catalog objects and are not allowed")
    for dtype in tree.find_all(exp.DataType):
        if dtype.sql(dialect="postgres").upper().startswith("REG"):
            raise _refuse("forbidden_function", f"type {dtype.sql(dialect='postgres')} looks up catalog objects and is not allowed")


def _check_tables(tree: exp.Expression, schema: Schema, allow_system: bool) -> list[str]:
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    used: list[str] = []
    for table in tree.find_all(exp.Table):
        if not table.name or isinstance(table.this, exp.Func):  # table functions are checked as functions
            continue
        schema_name = table.db
        if schema_name.lower() in SYSTEM_SCHEMAS or (not schema_name and table.name.lower().startswith("pg_") and schema.table(table.name) is None):
            if allow_system:
                continue
            raise _refuse("system_catalog", f"system catalog {table.sql(dialect='postgres')} is not readable; query the application tables")
        if not schema_name and table.name in ctes:
            continue
        found = schema.table(f"{schema_name}.{table.name}" if schema_name else table.name)
        if found is None:
            raise _refuse("unknown_table", _unknown_table_message(table, schema))
        if found.display_name not in used:
            used.append(found.display_name)
    return used


def _unknown_table_message(table: exp.Table, schema: Schema) -> str:
    name = f"{table.db}.{table.name}" if table.db else table.name
    names = [t.display_name for t in schema.tables]
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else f"; tables are: {', '.join(names[:30])}"
    return f"table {name} does not exist{hint}"


def _mapping(schema: Schema) -> MappingSchema:
    nested: dict[str, dict[str, dict[str, str]]] = {}
    for t in schema.tables:
        nested.setdefault(t.schema_name, {})[t.name] = {c.name: _sqlglot_type(c.type) for c in t.columns}
    return MappingSchema(nested, dialect="postgres", normalize=False)


def _sqlglot_type(pg_type: str) -> str:
    base = pg_type.split("(")[0].strip()
    return base if base and not base.endswith("[]") else "text"


def _check_columns(tree: exp.Expression, schema: Schema) -> None:
    try:
        qualify(tree.copy(), schema=_mapping(schema), dialect="postgres", db="public", validate_qualify_columns=True, quote_identifiers=False, expand_stars=False)
    except OptimizeError as exc:
        message = str(exc)
        if match := re.search(r"Unknown column: (\S+)", message):  # qualified: alias.column
            column = match.group(1)
            qualifier = next((c.table for c in tree.find_all(exp.Column) if c.name == column and c.table), "")
            raise _column_refusal(column, qualifier, tree, schema) from None
        if match := re.search(r"Column '([^']+)' could not be resolved(?: for table: '([^']+)')?", message):
            raise _column_refusal(match.group(1), match.group(2) or "", tree, schema) from None
        # Other optimizer limits (syntax sqlglot cannot follow) are not policy failures: the
        # database resolves names itself, and every safety check above already passed.
    except Exception:  # noqa: BLE001 - sqlglot internals; same reasoning as above
        return


def _tables_in_scope(tree: exp.Expression, schema: Schema) -> dict[str, Table]:
    """Alias (or name) -> schema table, for every table reference in the statement."""
    out: dict[str, Table] = {}
    for tbl in tree.find_all(exp.Table):
        found = schema.table(f"{tbl.db}.{tbl.name}" if tbl.db else tbl.name)
        if found is not None:
            out[tbl.alias_or_name] = found
    return out


def _column_refusal(column: str, qualifier: str, tree: exp.Expression, schema: Schema) -> SqlRefused:
    scope = _tables_in_scope(tree, schema)
    target = scope.get(qualifier)
    if target is None and not qualifier:
        owners = list({t.key: t for t in scope.values() if t.column(column) is not None}.values())
        if len(owners) > 1:
            names = ", ".join(f"{t.display_name}.{column}" for t in owners)
            return _refuse("ambiguous_column", f"column {column} is ambiguous: it could be {names}; qualify it with the table alias")
    subject = f"{target.display_name}.{column}" if target else (f"{qualifier}.{column}" if qualifier else column)
    parts = [f"column {subject} does not exist"]
    candidates = target.columns if target else [c for t in scope.values() for c in t.columns]
    names = list(dict.fromkeys(c.name for c in candidates))
    close = [n for n in names if n.startswith(column) or n.endswith(column) or column.startswith(n)][:3]
    close += [n for n in difflib.get_close_matches(column, names, n=3, cutoff=0.6) if n not in close]
    if close:
        owner = target.display_name + "." if target else ""
        parts.append(f"did you mean {', '.join(owner + c for c in close)}?")
    home = target or next(iter(scope.values()), None)
    elsewhere = _column_elsewhere(column, home, schema)
    if elsewhere:
        parts.append(elsewhere)
    if target is not None:
        parts.append(f"{target.display_name} has: {', '.join(c.name for c in target.columns[:40])}")
    return _refuse("unknown_column", "; ".join(parts))


def _column_elsewhere(column: str, table: Table | None, schema: Schema) -> str:
    """Point at a table reachable by a foreign key that has the column (or a close one)."""
    if table is None:
        return ""
    hops = [(fk.to_schema, fk.to_table, fk.from_columns) for fk in table.foreign_keys] + [
        (fk.from_schema, fk.from_table, fk.to_columns) for fk in table.referenced_by
    ]
    for other_schema, other_name, via in hops:
        other = schema.table(f"{other_schema}.{other_name}")
        if other is None:
            continue
        close = difflib.get_close_matches(column, [c.name for c in other.columns], n=1, cutoff=0.7)
        if close:
            return f"did you mean {other.display_name}.{close[0]} via {table.display_name}.{', '.join(via)}?"
    return ""


def _apply_limit(tree: exp.Expression, max_rows: int) -> bool:
    """Inject LIMIT max_rows or tighten a larger / non-constant one; keep a smaller one."""
    current = tree.args.get("limit")
    fetch = tree.args.get("fetch") if isinstance(tree, exp.Select) else None
    existing = current.expression if isinstance(current, exp.Limit) else (fetch.args.get("count") if fetch is not None else None)
    value = _int_literal(existing)
    if value is not None and value <= max_rows:
        return False
    if fetch is not None:
        tree.set("fetch", None)
    tree.set("limit", exp.Limit(expression=exp.Literal.number(max_rows)))
    return True


def _int_literal(node: exp.Expression | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        try:
            return int(node.this)
        except ValueError:
            return None
    return None
