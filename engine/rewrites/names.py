"""Deterministic fixes of names a model put in the wrong place, before validation.

Small models get the column right and its table wrong in ways that the
query itself shows how to fix, so no model call is spent on a repair:

- the wrong alias: ``FROM orders T1 JOIN customers T2 ... T2.status`` when
  only ``T1`` has status (the 0.5B model swaps positional aliases), unless
  the column would then be compared with itself (``ON t1.x = t2.x``), or the
  table's name where the query gives it an alias (``customers.email`` with
  ``JOIN customers c``);
- a table that is not joined: ``SELECT customers.email FROM orders`` (or a
  bare ``email``) when exactly one foreign key links customers to one table
  of the FROM clause: the join along that key is added; when no key does, the
  one route of two keys (through a bridge table such as ``order_items``);
- a join on keys of different tables: ``JOIN customers c ON o.order_id =
  c.customer_id`` when exactly one foreign key links customers to a table
  joined before it: the condition becomes that key's (``o.customer_id =
  c.customer_id``);
- the wrong table: ``SELECT site_name FROM sightings ORDER BY altitude`` reads
  ``sites``, the one table with every column the query names, when no
  foreign key links the two (then a join is added instead);
- a column a subquery does not output: ``SELECT top_city FROM (SELECT
  city, COUNT(*) ...) s`` means the one output sharing a word with it
  (``city``); ``SELECT total FROM (SELECT COUNT(*) ...) s`` means the one
  unnamed output, which gets that name.

Each fix applies only when exactly one reading exists (of two keys between
the same tables, the one whose columns share a name, else the one the
question names: ``eye_colour_id`` for "blue eyes"); anything else is left
to the validator, whose message drives a model repair. Every fix is reported
in ``Answer.sql_fixes``.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

from engine.rewrites.fix import Fix
from engine.schema import ForeignKey, Schema, Table
from engine.scope import QueryScope, Source, own_columns, owner, visible_names
from engine.sql_tree import ident, table_node
from engine.words import words


def fix_names_in(tree: exp.Expression, query: QueryScope, question: str = "") -> list[Fix]:
    """Requalify swapped aliases and join missing foreign-key neighbours, editing the tree in place; what changed.

    ``question`` breaks ties between foreign keys to the same table: of
    ``eye_colour_id`` and ``hair_colour_id``, the one whose own words it names.
    """
    stems = words(question)
    fixes: list[Fix] = []
    for scope in query.selects:  # an unscopable tree has none: the validator refuses it
        if isinstance(scope.expression, exp.Select):
            fixes += _fix_derived_columns(scope) + _fix_scope(scope, query, stems)
    return fixes


def _fix_scope(scope: Scope, query: QueryScope, stems: set[str]) -> list[Fix]:
    sources = query.real_sources(scope)
    if sources is None:  # a CTE or subquery among the sources: its columns are not known here
        return []
    schema = query.schema
    visible = visible_names(scope)
    outputs = {e.alias for e in scope.expression.expressions if e.alias}
    if moved := _fix_from_table(scope, query, sources, outputs):
        return moved
    fixes = _fix_join_conditions(scope, sources, schema, stems)
    for column in own_columns(scope):
        name, qualifier = column.name, column.table
        if qualifier in sources:
            if sources[qualifier].table.column(name) is None:
                fixes += _swap_alias(column, sources)
        elif qualifier and qualifier.lower() not in visible and (named := schema.table(qualifier)) is not None:
            aliased = [key for key, s in sources.items() if s.table.key == named.key]
            if len(aliased) == 1:  # FROM customers c ... customers.email: PostgreSQL knows the table only as c
                fixes.append(Fix(before=column.sql(dialect="postgres"), after=f"{aliased[0]}.{name}", reason=f"{named.display_name} is {aliased[0]} here"))
                column.set("table", sources[aliased[0]].ref())
            elif not aliased:
                fixes += _join_for(column, scope, sources, schema, named, stems)
        elif not qualifier and name not in outputs and not any(s.table.column(name) for s in sources.values()) and not query.outer_has(scope, name):
            fixes += _join_for(column, scope, sources, schema, None, stems)
    return fixes


def _fix_from_table(scope: Scope, query: QueryScope, sources: dict[str, Source], outputs: set[str]) -> list[Fix]:
    """``SELECT site_name FROM sightings ORDER BY altitude`` -> ``FROM sites``: the one table with every column named.

    Only for a query over one table with no join, when that table lacks a
    column the query names, exactly one other table has them all (bare
    names, or qualified by the table's own name or alias), and no foreign
    keys link the two (then the join fixes add the missing table).
    """
    if len(sources) != 1 or scope.expression.args.get("joins"):
        return []
    [(key, source)] = sources.items()
    columns = own_columns(scope)
    if any(c.table not in ("", key) for c in columns):
        return []
    names = {c.name for c in columns} - outputs
    if not names or all(source.table.column(n) is not None for n in names) or any(query.outer_has(scope, n) for n in names):
        return []
    holders = [t for t in query.schema.tables if all(t.column(n) is not None for n in names)]
    if len(holders) != 1 or query.schema.join_paths(source.table, holders[0]):  # linked by keys: the join fixes read it
        return []
    table = scope.expression.args["from_"].this
    alias = table.args.get("alias")
    replacement = table_node(holders[0])
    if alias is not None:
        replacement.set("alias", alias.copy())
    table.replace(replacement)
    if table.name == key:  # qualified by the old table's own name: now the new one's
        for column in columns:
            if column.table:
                column.set("table", ident(holders[0].name))
    return [Fix(before=f"FROM {source.table.display_name}", after=f"FROM {holders[0].display_name}", reason=f"the one table with {', '.join(sorted(names))}")]


def _fix_derived_columns(scope: Scope) -> list[Fix]:
    """Point a column a subquery or CTE does not output at the one output it must mean."""
    derived = {name: src for name, src in scope.sources.items() if isinstance(src, Scope)}
    if not derived:
        return []
    fixes: list[Fix] = []
    aliases = {e.alias.lower() for e in scope.expression.expressions if e.alias}
    for column in own_columns(scope):
        name = column.name.lower()
        # a bare name: only when the one source is this subquery
        label = column.table or (next(iter(derived)) if len(scope.sources) == 1 and name not in aliases else "")
        source = derived.get(label)
        if source is None or not isinstance(source.expression, exp.Select) or source.expression.is_star:
            continue
        outputs = source.expression.expressions
        if name in {e.output_name.lower() for e in outputs}:
            continue
        if (meant := _meant_output(name, outputs)) is None:
            continue
        where = f"subquery {label}"
        if meant.output_name:
            fixes.append(Fix(before=column.name, after=meant.output_name, reason=f"{column.name} is not an output of {where}"))
            column.set("this", ident(meant.output_name))
        else:
            fixes.append(Fix(before=meant.sql(dialect="postgres"), after=f"{meant.sql(dialect='postgres')} AS {column.name}", reason=f"the query reads {column.name}, the one unnamed output of {where}"))
            meant.replace(exp.alias_(meant.copy(), column.this.copy()))
    return fixes


def _meant_output(name: str, outputs: list[exp.Expression]) -> exp.Expression | None:
    """The one named output sharing a word with ``name``, else the one unnamed output, else None."""
    parts = _name_parts(name)
    sharing = [e for e in outputs if e.output_name and parts & _name_parts(e.output_name)]
    if sharing:
        return sharing[0] if len(sharing) == 1 else None
    unnamed = [e for e in outputs if not e.output_name]
    return unnamed[0] if len(unnamed) == 1 else None


def _fix_join_conditions(scope: Scope, sources: dict[str, Source], schema: Schema, stems: set[str]) -> list[Fix]:
    """``JOIN t ON <keys of different tables>`` -> ``ON`` the one foreign key from t to a table before it."""
    select = scope.expression
    first = select.args.get("from_")
    joins = select.args.get("joins") or []
    order = [first.this.alias_or_name] if first is not None and isinstance(first.this, exp.Table) else []
    fixes: list[Fix] = []
    for join in joins:
        joined = join.this.alias_or_name if isinstance(join.this, exp.Table) else ""
        on = join.args.get("on")
        sides = [owner(c, sources) for c in (on.this, on.expression)] if isinstance(on, exp.EQ) else [None]
        if joined in sources and None not in sides and sides[0][0].table.never_matches(sides[0][1], sides[1][0].table, sides[1][1]):
            target = sources[joined]
            links = _one_link([(key, fk) for key in order if key in sources for other, fk in schema.neighbours(sources[key].table) if other.key == target.table.key], stems)
            if links:
                key, fk = links[0]
                condition = _condition(fk, sources[key], target.ref())
                fixes.append(Fix(before=f"JOIN {target.table.display_name} ON {on.sql(dialect='postgres')}", after=f"ON {condition.sql(dialect='postgres')}", reason="its foreign key"))
                join.set("on", condition)
        order.append(joined)
    return fixes


def _one_link(links: list[tuple], stems: set[str]) -> list[tuple]:
    """The one (source name, ..., foreign key) candidate, or none.

    Ties go to the key whose two columns share a name: friendship has two keys
    to person (person_id, person_id2); ``person.person_id = friendship.person_id``
    is the conventional join of the two. Else to the one key the question names
    by a word of its own: "heroes with blue eyes" joins colour on
    ``eye_colour_id``, not ``hair_colour_id`` (the words of the referenced
    table, and "id", say nothing).
    """
    distinct = list({(link[0], link[-1].name): link for link in links}.values())
    if len(distinct) > 1:
        distinct = [link for link in distinct if link[-1].from_columns == link[-1].to_columns] or [
            link for link in distinct if _own_words(link[-1]) & stems
        ]
    return distinct if len(distinct) == 1 else []


def _own_words(fk: ForeignKey) -> set[str]:
    """Word stems of a key's columns that are not the referenced table's name or its column's: ``eye_colour_id`` -> {"eye"}."""
    return words(" ".join(fk.from_columns)) - words(" ".join([fk.to_table, *fk.to_columns])) - {"id"}


def _name_parts(name: str) -> set[str]:
    """``top_customer`` -> {"top", "customer"}: every part, stop words included ("total" names an output)."""
    return set(re.split(r"[^a-z0-9]+", name.lower())) - {""}


def _swap_alias(column: exp.Column, sources: dict[str, Source]) -> list[Fix]:
    """``T2.street_name`` -> ``T1.street_name`` when T1 is the one other source that has the column."""
    others = [key for key, s in sources.items() if key != column.table and s.table.column(column.name) is not None]
    if len(others) != 1:
        return []
    moved = exp.column(column.name, table=sources[others[0]].ref())
    compared = column.parent
    if isinstance(compared, exp.Predicate) and isinstance(compared, exp.Binary) and moved in (compared.left, compared.right):
        return []  # ON t1.x = t2.x -> t1.x = t1.x would be always true (a cross join): the validator's unknown_column drives a repair
    before = column.sql(dialect="postgres")
    column.set("table", moved.args["table"])
    return [Fix(before=before, after=column.sql(dialect="postgres"), reason=f"{column.name} is in {sources[others[0]].table.display_name}")]


def _join_for(column: exp.Column, scope: Scope, sources: dict[str, Source], schema: Schema, target: Table | None, stems: set[str]) -> list[Fix]:
    """Join the one foreign-key neighbour that has the column (``target`` when the column names it)."""
    links = [
        (key, other, fk)
        for key, source in sources.items()
        for other, fk in schema.neighbours(source.table)
        if (target is None or other.key == target.key) and other.column(column.name) is not None
    ]
    if not links:
        return _join_path_for(column, scope, sources, schema, target)
    links = _one_link(links, stems)
    if not links:
        return []
    key, other, fk = links[0]
    if other.name in sources:  # the name is taken by another source's alias
        return []
    fixes: list[Fix] = []
    if not _already_joined(scope, other):
        pin_bare_columns(scope, sources, other)
        condition = _condition(fk, sources[key], ident(other.name))
        scope.expression.join(table_node(other), on=condition, copy=False)
        fixes.append(Fix(before=column.sql(dialect="postgres"), after=f"JOIN {other.display_name} ON {condition.sql(dialect='postgres')}", reason=f"{other.display_name} was not joined: its foreign key"))
    column.set("table", ident(other.name))
    return fixes


def _join_path_for(column: exp.Column, scope: Scope, sources: dict[str, Source], schema: Schema, target: Table | None) -> list[Fix]:
    """Join the one table two foreign keys away that has the column, through the table between them.

    ``SELECT o.order_id FROM orders o WHERE category = 'toys'``: products is
    reached through order_items (a bridge of many-to-many links, the usual
    reason a model skips a table). Only when exactly one such route exists
    and neither table is already a source of the query.
    """
    in_query = {s.table.key for s in sources.values()}
    goals = [t for t in ([target] if target is not None else schema.tables) if t.column(column.name) is not None and t.key not in in_query]
    routes = [
        (key, goal, path)
        for goal in goals
        for key, source in sources.items()
        for path in schema.join_paths(source.table, goal, max_hops=2)
        if len(path) == 2
    ]
    if len(routes) != 1:
        return []
    key, goal, path = routes[0]
    bridge = _far_end(path[0], sources[key].table, schema)
    if bridge is None or bridge.key in in_query or {bridge.name, goal.name} & set(sources):
        return []
    if _already_joined(scope, goal):  # by the fix of an earlier reference
        column.set("table", ident(goal.name))
        return []
    pin_bare_columns(scope, sources, bridge)
    pin_bare_columns(scope, sources, goal)
    to_bridge = _condition(path[0], sources[key], ident(bridge.name))
    to_goal = _condition(path[1], Source(bridge, ident(bridge.name)), ident(goal.name))
    scope.expression.join(table_node(bridge), on=to_bridge, copy=False)
    scope.expression.join(table_node(goal), on=to_goal, copy=False)
    fix = Fix(
        before=column.sql(dialect="postgres"),
        after=f"JOIN {bridge.display_name} ON {to_bridge.sql(dialect='postgres')} JOIN {goal.display_name} ON {to_goal.sql(dialect='postgres')}",
        reason=f"{goal.display_name} was not joined: the one route of two foreign keys",
    )
    column.set("table", ident(goal.name))
    return [fix]


def _far_end(fk: ForeignKey, near: Table, schema: Schema) -> Table | None:
    """The table at the other end of ``fk`` from ``near``."""
    outgoing = (fk.from_schema, fk.from_table) == (near.schema_name, near.name)
    return schema.table(f"{fk.to_schema}.{fk.to_table}" if outgoing else f"{fk.from_schema}.{fk.from_table}")


def _already_joined(scope: Scope, table: Table) -> bool:
    """An earlier fix in this query joined ``table`` (under its own name)."""
    joins = scope.expression.args.get("joins") or []
    return any(isinstance(j.this, exp.Table) and j.this.name == table.name and not j.this.alias for j in joins)


def pin_bare_columns(scope: Scope, sources: dict[str, Source], joined: Table) -> None:
    """Qualify bare columns the new table would make ambiguous with the one source they meant."""
    for column in own_columns(scope):
        if column.table or joined.column(column.name) is None:
            continue
        owners = [s for s in sources.values() if s.table.column(column.name) is not None]
        if len(owners) == 1:
            column.set("table", owners[0].ref())


def _condition(fk: ForeignKey, source: Source, joined: exp.Identifier) -> exp.Expression:
    """``o.customer_id = customers.customer_id`` from the side of the source that is already in FROM."""
    outgoing = (fk.from_schema, fk.from_table) == (source.table.schema_name, source.table.name)
    mine, theirs = (fk.from_columns, fk.to_columns) if outgoing else (fk.to_columns, fk.from_columns)
    pairs = [exp.EQ(this=exp.Column(this=ident(a), table=source.ref()), expression=exp.Column(this=ident(b), table=joined.copy())) for a, b in zip(mine, theirs)]
    return exp.and_(*pairs) if len(pairs) > 1 else pairs[0]
