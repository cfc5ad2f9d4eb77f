"""Doubts: signs in the SQL and the data that a query which ran answers another question.

A query can run without error and still be wrong in a way the data shows:

- it compares a column with a value the column never holds while another
  column does (``orders.channel = 'UPS'`` where 'UPS' is a carrier in
  shipments): the condition is never true, the answer is empty or zero;
- it joins two text columns that share (almost) no values
  (``stores.city = addresses.region``): rows match only by coincidence
  (a city named like a region);
- it joins a table on a condition that never mentions it
  (``JOIN orders o ON c.id = c.ref``): every row of that table pairs with
  every row the condition keeps, a cross join nobody asked for. This one
  is read from the SQL alone;
- it compares a value with a subquery whose output is not the subquery's
  own column (``keyphrasename IN (SELECT keyphrasename FROM paper)`` where
  paper has none): the subquery returns the outer row's own value, so IN
  holds for every row (NOT IN for none). Read from the SQL;
- it counts rows per group of one table grouped by columns no two of its
  rows share (``SELECT name, COUNT(*) FROM airline GROUP BY name``): every
  count is 1 by the table's own key, whatever the question; the rows to
  count are in a table that refers to this one.

Each doubt is a sentence for the repair decision, naming what the data says
instead. The engine gives a doubtful answer one more look (engine/session.py):
the repair's answer replaces it only if it finds rows and leaves fewer doubts;
otherwise the doubts stay on the answer as a warning. Only text columns are
compared: integer keys overlap by accident (1, 2, 3 ...) and say nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from psycopg2 import sql as pgsql
from sqlglot import exp

from engine.errors import DatabaseError
from engine.database.executor import Executor
from engine.schema import Column, Schema, Table
from engine.sql_tree import parse
from engine.scope import resolve_column, schema_table, tables_by_alias
from engine.values.index import SCAN_ROWS, Note, Occurs, ValueIndex

MIN_SHARED = 0.25  # a join whose columns share less than this (either way round) is doubtful
ALTERNATIVE_SHARED = 0.5  # a column pair offered instead shares at least this much (sampled values)
VALUES_CHECKED = 200  # distinct values of one side looked up in the other
MAX_ALTERNATIVES = 3

# True when two of the table's rows share values in all these columns (a bounded scan), None when unknown.
Repeats = Callable[[Table, tuple[str, ...]], bool | None]

REPEAT_QUERY = "SELECT EXISTS (SELECT 1 FROM (SELECT {cols} FROM {nsp}.{rel} LIMIT {scan}) r GROUP BY {cols} HAVING count(*) > 1)"

# The share of ``a``'s distinct values (up to VALUES_CHECKED, from a bounded scan) that ``b`` holds; None when unknown.
Shares = Callable[[Table, Column, Table, Column], float | None]

SHARE_QUERY = (
    "SELECT count(*), count(*) FILTER (WHERE s.v IN (SELECT {b}::text FROM {nsp_b}.{rel_b})) "
    "FROM (SELECT DISTINCT v FROM (SELECT {a}::text AS v FROM {nsp_a}.{rel_a} WHERE {a} IS NOT NULL LIMIT {scan}) r LIMIT {n}) s"
)


def doubts(sql_text: str, schema: Schema, values: ValueIndex, *, occurs: Occurs, shares: Shares, repeats: Repeats) -> list[Note]:
    """Every doubt about ``sql_text`` (a validated query), for the repair; empty when the data raises none."""
    tree = parse(sql_text)
    if tree is None:
        return []
    literals = [Note(f"a value its column never holds: {note.text}", note.tables) for note in values.misplaced_literals_in(tree, schema, occurs=occurs)]
    return literals + unrelated_joins(tree, schema, values, shares) + unlinked_joins(tree, schema) + outer_subquery_outputs(tree, schema) + one_row_groups(tree, schema, repeats)


def outer_subquery_outputs(tree: exp.Expression, schema: Schema) -> list[Note]:
    """One note per subquery compared with a value (``IN``, ``=``, ``>``, ...) whose one output is not a column of its own tables.

    PostgreSQL reads such a column from the enclosing query (a correlated
    reference), so each row compares its value with itself
    (``uid = (SELECT uid FROM tip ...)`` where tip has no uid). Left alone: a
    subquery over a CTE or another subquery (its columns are not read here),
    and an output that is not a plain column.
    """
    notes: list[Note] = []
    for subquery in tree.find_all(exp.Subquery):
        select = subquery.this
        if not isinstance(subquery.parent, (exp.In, exp.Binary)) or isinstance(subquery.parent, (exp.And, exp.Or)):
            continue
        if not isinstance(select, exp.Select) or len(select.expressions) != 1 or not isinstance(select.expressions[0].unalias(), exp.Column):
            continue
        nodes = [t for t in select.find_all(exp.Table) if t.find_ancestor(exp.Select) is select]
        own = {t.alias_or_name.lower(): schema_table(t, schema) for t in nodes}
        if not own or None in own.values():
            continue
        output = select.expressions[0].unalias()
        if output.table.lower() in own if output.table else any(t.column(output.name) is not None for t in own.values() if t):
            continue
        tables = list(dict.fromkeys(t.display_name for t in own.values() if t))
        text = (
            f"(SELECT {output.sql(dialect='postgres')} FROM {', '.join(tables)} ...): {output.name} is not a column of {', '.join(tables)}, "
            "so the subquery returns the outer row's own value and each row is compared with itself"
        )
        notes.append(Note(text, tuple(tables)))
    return notes


def unlinked_joins(tree: exp.Expression, schema: Schema) -> list[Note]:
    """One note per JOIN of a table whose ON condition compares columns but none of that table's.

    A condition without columns (``ON true``) says the cross join is meant,
    and one with a subquery may reach the table in ways not read here: both
    are left alone. A bare column counts as the joined table's when it has a
    column of that name.
    """
    aliases = tables_by_alias(tree, schema)
    notes: list[Note] = []
    for join in tree.find_all(exp.Join):
        on, joined = join.args.get("on"), join.this
        table = schema_table(joined, schema) if isinstance(joined, exp.Table) else None
        columns = list(on.find_all(exp.Column)) if on is not None else []
        if table is None or not columns or on.find(exp.Select):
            continue
        name = joined.alias_or_name.lower()
        if any(c.table.lower() == name if c.table else table.column(c.name) is not None for c in columns):
            continue
        text = f"JOIN {joined.sql(dialect='postgres')} ON {on.sql(dialect='postgres')} never mentions {joined.alias_or_name}: every {table.display_name} row pairs with every row the condition keeps"
        others = [t.display_name for c in columns if (t := aliases.get(c.table)) is not None]
        notes.append(Note(text, tuple(dict.fromkeys([table.display_name, *others]))))
    return notes


def one_row_groups(tree: exp.Expression, schema: Schema, repeats: Repeats) -> list[Note]:
    """One note per SELECT that reads one table, groups it by columns no two of its rows share, and counts.

    Such a count is 1 in every group because of the table's key, not the
    data the question is about. Grouping by the primary key (or more) is
    known from the catalog; other columns are read from a bounded scan. A
    count over the groups (``COUNT(*) OVER ()``) counts groups and is left
    alone, as are grouping expressions other than plain columns.
    """
    notes: list[Note] = []
    for select in tree.find_all(exp.Select):
        group, source = select.args.get("group"), select.args.get("from_")
        if group is None or select.args.get("joins") or source is None or not isinstance(source.this, exp.Table):
            continue
        table = schema_table(source.this, schema)
        columns = [table.column(g.name) if table and isinstance(g, exp.Column) else None for g in group.expressions]
        if table is None or not columns or None in columns:
            continue
        if not any(c.parent_select is select and not isinstance(c.parent, exp.Window) for c in select.find_all(exp.Count)):
            continue
        names = tuple(dict.fromkeys(c.name for c in columns if c is not None))
        keyed = bool(table.primary_key) and set(table.primary_key) <= set(names)
        if not keyed and repeats(table, names) is not False:
            continue
        referring = list(dict.fromkeys((other.display_name, "") for other, _ in schema.neighbours(table))) or _referring_by_name(table, schema, repeats)
        shown = ", ".join(f"{name} ({column})" if column else name for name, column in referring)
        text = f"COUNT over {table.display_name} grouped by {', '.join(names)}: no two {table.display_name} rows share {'these' if len(names) > 1 else 'it'}, so every count is 1"
        instead = f"; the rows to count are in a table that refers to {table.display_name}" + (f": {shown}" if shown else "")
        notes.append(Note(text + instead, tuple(dict.fromkeys([table.display_name, *(name for name, _ in referring)]))))
    return notes


def _referring_by_name(table: Table, schema: Schema, repeats: Repeats) -> list[tuple[str, str]]:
    """Tables that hold a column of ``table`` under its own name, where ``table`` has one row per value and they repeat it.

    The keys a database does not declare (``flight.airline_code`` for
    ``airline.airline_code``): one side unique, the other many, read from
    bounded scans. Only asked when a doubt is raised, never for a prompt.
    """
    found: list[tuple[str, str]] = []
    for column in table.columns:
        holders = [(t, held) for t in schema.tables if t.key != table.key and (held := t.column(column.name)) is not None]
        if holders and repeats(table, (column.name,)) is False:
            found += [(t.display_name, held.name) for t, held in holders if repeats(t, (held.name,)) is True]
    return found[:MAX_ALTERNATIVES]


def unrelated_joins(tree: exp.Expression, schema: Schema, values: ValueIndex, shares: Shares) -> list[Note]:
    """One note per equality of two text columns of different tables that share (almost) no values."""
    aliases = tables_by_alias(tree, schema)
    notes: list[Note] = []
    for eq in tree.find_all(exp.EQ):
        if not (isinstance(eq.this, exp.Column) and isinstance(eq.expression, exp.Column)):
            continue
        left, right = resolve_column(eq.this, aliases), resolve_column(eq.expression, aliases)
        if left is None or right is None or left[0] is right[0] or not (_text(left[1]) and _text(right[1])):
            continue
        both_ways = [shares(*left, *right), shares(*right, *left)]
        if None in both_ways or max(both_ways) >= MIN_SHARED:  # type: ignore[operator]
            continue
        note = f"{_name(left)} = {_name(right)} joins columns that share almost no values"
        instead = _sharing_pairs(left[0], right[0], values)
        text = f"{note}; columns of these tables that do share values: {', '.join(instead)}" if instead else note
        notes.append(Note(text, (left[0].display_name, right[0].display_name)))
    return list(dict.fromkeys(notes))


def database_shares(executor: Executor) -> Shares:
    """A ``Shares`` that asks the database (read-only, the executor's short timeout), once per column pair."""
    known: dict[tuple[str, str, str, str], float | None] = {}

    def shares(table_a: Table, column_a: Column, table_b: Table, column_b: Column) -> float | None:
        key = (table_a.display_name, column_a.name, table_b.display_name, column_b.name)
        if key not in known:
            query = pgsql.SQL(SHARE_QUERY).format(
                a=pgsql.Identifier(column_a.name), nsp_a=pgsql.Identifier(table_a.schema_name), rel_a=pgsql.Identifier(table_a.name),
                b=pgsql.Identifier(column_b.name), nsp_b=pgsql.Identifier(table_b.schema_name), rel_b=pgsql.Identifier(table_b.name),
                scan=pgsql.Literal(SCAN_ROWS), n=pgsql.Literal(VALUES_CHECKED),
            )
            try:
                ((total, held),) = executor.run(query.as_string(executor.connection()), max_rows=1).rows
                known[key] = held / total if total else None
            except DatabaseError:  # a timeout on a large table: no doubt rather than a guess
                known[key] = None
        return known[key]

    return shares


def database_repeats(executor: Executor) -> Repeats:
    """A ``Repeats`` that asks the database (read-only, the executor's short timeout), once per column set."""
    known: dict[tuple[str, tuple[str, ...]], bool | None] = {}

    def repeats(table: Table, columns: tuple[str, ...]) -> bool | None:
        key = (table.display_name, columns)
        if key not in known:
            query = pgsql.SQL(REPEAT_QUERY).format(
                cols=pgsql.SQL(", ").join(map(pgsql.Identifier, columns)),
                nsp=pgsql.Identifier(table.schema_name), rel=pgsql.Identifier(table.name), scan=pgsql.Literal(SCAN_ROWS),
            )
            try:
                ((found,),) = executor.run(query.as_string(executor.connection()), max_rows=1).rows
                known[key] = bool(found)
            except DatabaseError:
                known[key] = None
        return known[key]

    return repeats


def _sharing_pairs(a: Table, b: Table, values: ValueIndex) -> list[str]:
    """Text column pairs of ``a`` and ``b`` whose sampled values overlap, most shared first."""
    scored: list[tuple[float, str]] = []
    for col_a in filter(_text, a.columns):
        held_a = values.column_values(a.display_name, col_a.name)
        for col_b in filter(_text, b.columns):
            held_b = values.column_values(b.display_name, col_b.name)
            if len(held_a) < 2 or len(held_b) < 2:
                continue
            shared = len(held_a & held_b) / min(len(held_a), len(held_b))
            if shared >= ALTERNATIVE_SHARED:
                scored.append((shared, f"{_name((a, col_a))} = {_name((b, col_b))}"))
    return [pair for _, pair in sorted(scored, key=lambda s: -s[0])[:MAX_ALTERNATIVES]]


def _text(column: Column) -> bool:
    return column.type_class == "text"


def _name(resolved: tuple[Table, Column]) -> str:
    return f"{resolved[0].display_name}.{resolved[1].name}"
