"""Answers that are an entity's id also show what the id stands for; ids compared with a label go through their lookup table.

"Which customer ordered most?" answered with ``o.customer_id`` gives the user
``42``; what they asked for is the customer, whose name is in
``customers.name``. When the outermost query selects an entity's id, the
label column(s) of that entity are added *beside* it (the id stays, so a
correct query keeps every column it had, in place):

- a selected column that is its table's single-column primary key
  (``SELECT c.customer_id ...``), or, in a table that declares no key, a
  column other tables' keys refer to (declared or inferred from the names;
  not in a grouped query): the label columns of that same table, read from
  the same row (``c.name``);
- a selected single-column foreign key to another table's single-column
  primary key (``SELECT o.customer_id ...``): that table's label columns, each
  read by a scalar subquery on the key (``(SELECT l.name FROM customers AS l
  WHERE l.customer_id = o.customer_id) AS customer_name``).

The scalar subquery, rather than a LEFT JOIN, gives the same guarantee (at
most one label per row, NULL when none: no row is lost or repeated) and
leaves the query's own FROM untouched, so its plan, and with it which of
several tied rows a LIMIT keeps, stays the same.

Which columns are labels is read from the schema, never from the question's
words (``label_columns``): a text column named like the table
(``product_name`` or ``productname`` for ``products``, ``colour`` for
``colour``), else ``name``, ``title`` or ``full_name``, else ``first_name`` and
``last_name`` together, else the one text column of a lookup table (a numeric
key and nothing else). Left alone: a table with none of these; a label the
answer already shows (as a column, or through a lookup like the one this step
writes: a repair shown the rewritten query keeps it); aggregates and every
other expression (only plain selected columns get a label); a grouped query's
columns it does not group by; queries over a CTE or subquery, set operations
and ``SELECT DISTINCT ON``.

The other direction, ``compare_labels_in``: ``eye_colour_id = 'Blue'``
compares an id with a label (PostgreSQL refuses it, and a repair often
writes it again); it becomes ``eye_colour_id IN (SELECT id FROM colour WHERE
colour = 'Blue')``.

Applied before validation; every rewrite is reported in ``Answer.sql_fixes``.
"""

from __future__ import annotations

from sqlglot import exp

from engine.policy.validator import NUMBER_TEXT
from engine.rewrites.fix import Fix
from engine.schema import ForeignKey, Schema, Table
from engine.scope import QueryScope, Source, owner, resolve_column
from engine.sql_tree import compared_literals, ident, projects_only, table_node

NAME_COLUMNS = ("name", "title", "full_name", "fullname")  # an entity's label when no column is named like its table
PERSON_NAMES = (("first_name", "last_name"), ("firstname", "lastname"))  # shown together, in this order


def show_labels_in(tree: exp.Expression, query: QueryScope) -> list[Fix]:
    """Add the label column(s) beside every selected entity id of the outermost query, edited in place; what changed."""
    if not isinstance(tree, exp.Select) or _distinct_on(tree):
        return []
    group = tree.args.get("group")
    if group is None and not projects_only(tree):  # an aggregate over the whole query: its one row has no ids
        return []
    schema = query.schema
    scope = next((s for s in query.selects if s.expression is tree), None)  # the outermost query's own scope
    sources = query.real_sources(scope) if scope is not None else None
    if not sources:  # no FROM, or a CTE or subquery in it: leave the query as written
        return []
    owned = [(p, owner(p.unalias(), sources)) for p in tree.expressions]
    shown = {(id(found[0]), found[1]) for _, found in owned if found is not None}  # (source, column) the answer shows already
    looked_up = {found for p in tree.expressions if (found := _lookup_shown(p.unalias(), sources, schema)) is not None}
    outputs = {p.alias_or_name.lower() for p in tree.expressions}
    taken = {name.lower() for name in sources} | {t.alias_or_name.lower() for t in tree.find_all(exp.Table)} | {t.name.lower() for t in tree.find_all(exp.Table)}
    fixes: list[Fix] = []
    for projection, found in owned:
        column = projection.unalias()
        if found is None or not isinstance(column, exp.Column) or (group is not None and not any(e == column for e in group.expressions)):
            continue
        source, name = found
        entity = _entity(source.table, name, schema, grouped=group is not None)
        if entity is None:
            continue
        target, key, own = entity
        labels = label_columns(target)
        rows = [source] if own else _joined_on(tree, sources, target, key, column)  # where the answer may already read the label
        if not labels or name in labels or any(all((id(row), label) in shown for label in labels) for row in rows):
            continue
        if all((target.key, label, id(source), name) in looked_up for label in labels):  # shown by a lookup already (a repair kept ours)
            continue
        if own:
            added = [_own_label(source, label, outputs) for label in labels]
        else:
            inner = _free_alias("lbl", taken)
            taken.add(inner)
            added = [_looked_up(target, key, label, column, source, inner, _free_alias(_output_name(name, target, label), outputs)) for label in labels]
        outputs |= {a.alias_or_name.lower() for a in added}
        position = tree.expressions.index(projection) + 1
        tree.set("expressions", tree.expressions[:position] + added + tree.expressions[position:])
        before = column.sql(dialect="postgres")
        fixes.append(Fix(before=before, after=", ".join([before, *(a.sql(dialect="postgres") for a in added)]), reason=f"the label of the {target.display_name} row it identifies"))
    return fixes


def label_columns(table: Table) -> list[str]:
    """The column(s) that name a row of ``table`` for a person reading the answer, from the schema alone; empty when none does."""
    text = {c.name.lower(): c.name for c in table.columns if c.type_class == "text" and c.name not in table.primary_key}
    for stem in _stems(table.name):
        for form in (f"{stem}_name", f"{stem}name", stem, f"{stem}_title"):
            if form in text:
                return [text[form]]
    for form in NAME_COLUMNS:
        if form in text:
            return [text[form]]
    for first, last in PERSON_NAMES:
        if first in text and last in text:
            return [text[first], text[last]]
    rest = [c for c in table.columns if c.name not in table.primary_key]
    key = table.column(table.primary_key[0]) if len(table.primary_key) == 1 else None
    if key is not None and key.type_class == "number" and len(rest) == 1 and rest[0].type_class == "text":
        return [rest[0].name]  # a lookup table: a numeric key and one text column (colour, status)
    return []


def _stems(name: str) -> list[str]:
    """``products`` -> [products, product]; ``categories`` -> [categories, category]; ``boxes`` -> [boxes, boxe, box]."""
    low = name.lower()
    out = [low]
    if low.endswith("ies"):
        out.append(low[:-3] + "y")
    if low.endswith("s"):
        out.append(low[:-1])
    if low.endswith("es"):
        out.append(low[:-2])
    return out


def _entity(table: Table, column: str, schema: Schema, *, grouped: bool) -> tuple[Table, str, bool] | None:
    """The table whose row ``column`` identifies, its key column, and whether that is ``table`` itself.

    A column other tables refer to by a foreign key (declared or inferred from
    the names) is its table's key too when none is declared
    (``business.business_id``, which ``review.business_id`` names). Selected
    itself, it shows its own row's label only outside GROUP BY (PostgreSQL
    lets a grouped query show other columns of a row only by a declared
    primary key); a foreign key to it gets a lookup, grouped or not.
    """
    if table.is_key(column) and (table.primary_key or not grouped) and label_columns(table):
        return table, column, True
    for fk in table.foreign_keys:
        target = schema.table(f"{fk.to_schema}.{fk.to_table}")
        if fk.from_columns == [column] and target is not None and len(fk.to_columns) == 1 and target.is_key(fk.to_columns[0]):
            return target, fk.to_columns[0], False
    return None


def _joined_on(tree: exp.Select, sources: dict[str, Source], target: Table, key: str, column: exp.Column) -> list[Source]:
    """Sources of ``target`` the query equates by ``key`` with the selected foreign key (``c.customer_id = o.customer_id``)."""
    found: list[Source] = []
    for eq in tree.find_all(exp.EQ):
        if eq.find_ancestor(exp.Select) is not tree:
            continue
        sides = [owner(side, sources) for side in (eq.this, eq.expression)]
        for mine, other in (sides, sides[::-1]):
            if mine and other and mine[0].table.key == target.key and mine[1] == key and other == owner(column, sources):
                found.append(mine[0])
    return found


def _lookup_shown(node: exp.Expression, sources: dict[str, Source], schema: Schema) -> tuple[str, str, int, str] | None:
    """(table, label, source, key column) when ``node`` is a label lookup such as ``_looked_up`` writes; None otherwise.

    ``(SELECT l.name FROM customers AS l WHERE l.customer_id = o.customer_id)``
    shows ``customers.name`` for the outer ``o.customer_id``. A repair shown the
    rewritten query often keeps the lookups; without this they were added twice.
    """
    inner = node.this if isinstance(node, exp.Subquery) else None
    if not isinstance(inner, exp.Select) or len(inner.expressions) != 1 or inner.args.get("joins") or inner.args.get("group"):
        return None
    tables = [t for t in inner.find_all(exp.Table) if t.find_ancestor(exp.Select) is inner]
    where = inner.args.get("where")
    label = inner.expressions[0].unalias()
    if len(tables) != 1 or where is None or not isinstance(where.this, exp.EQ) or not isinstance(label, exp.Column):
        return None
    target = schema.table(".".join(part for part in (tables[0].db, tables[0].name) if part))
    if target is None:
        return None
    mine = {tables[0].alias_or_name.lower()}
    for key_side, outer_side in ((where.this.this, where.this.expression), (where.this.expression, where.this.this)):
        if isinstance(key_side, exp.Column) and key_side.table.lower() in mine and target.is_key(key_side.name):
            outer = owner(outer_side, sources) if isinstance(outer_side, exp.Column) and outer_side.table.lower() not in mine else None
            if outer is not None and label.table.lower() in mine | {""}:
                return target.key, label.name, id(outer[0]), outer[1]
    return None


def _own_label(source: Source, label: str, outputs: set[str]) -> exp.Expression:
    """``c.name`` read from the row the selected key belongs to (aliased only when its name is taken)."""
    shown = exp.Column(this=ident(label), table=source.ref())
    return shown if label.lower() not in outputs else exp.alias_(shown, ident(_free_alias(label, outputs)))


def _looked_up(target: Table, key: str, label: str, column: exp.Column, source: Source, inner: str, alias: str) -> exp.Expression:
    """``(SELECT lbl.name FROM customers AS lbl WHERE lbl.customer_id = o.customer_id) AS customer_name``.

    A key no one declared is not known to be unique: ``LIMIT 1`` keeps the
    lookup to one row (a scalar subquery that finds two fails the query).
    """
    outer = exp.Column(this=column.this.copy(), table=source.ref())
    lookup = (
        exp.select(exp.Column(this=ident(label), table=ident(inner)))
        .from_(table_node(target).as_(inner, copy=False))
        .where(exp.EQ(this=exp.Column(this=ident(key), table=ident(inner)), expression=outer))
    )
    return exp.alias_(exp.Subquery(this=lookup if target.primary_key else lookup.limit(1)), ident(alias))


def _output_name(column: str, target: Table, label: str) -> str:
    """``customer_id`` + ``name`` -> ``customer_name``; ``product_id`` + ``product_name`` -> ``product_name``; ``eye_colour_id`` + ``colour`` -> ``eye_colour``."""
    low, lab = column.lower(), label.lower()
    base = low.removesuffix("_id") if low.endswith("_id") else low.removesuffix("id")
    base = base or target.name.lower()
    if lab.startswith(base):
        return lab
    if base.endswith(lab):
        return base
    return f"{base}_{lab}"


def _distinct_on(tree: exp.Select) -> bool:
    distinct = tree.args.get("distinct")
    return distinct is not None and distinct.args.get("on") is not None


def compare_labels_in(tree: exp.Expression, query: QueryScope) -> list[Fix]:
    """Compare lookup ids with a text literal (``=``, ``<>``) through their lookup table, edited in place; what changed."""
    schema, aliases = query.schema, query.aliases
    fixes: list[Fix] = []
    for column, literal in compared_literals(tree):
        node = column.parent
        if not isinstance(node, (exp.EQ, exp.NEQ)) or NUMBER_TEXT.match(literal.this):  # a number in quotes is an id
            continue
        found = resolve_column(column, aliases)
        lookup = _lookup_of(found[0], column.name, schema) if found else None
        if lookup is None:
            continue
        fk, target, label = lookup
        ids = exp.select(ident(fk.to_columns[0])).from_(table_node(target)).where(exp.column(ident(label)).eq(literal.copy()))
        found: exp.Expression = exp.In(this=column.copy(), query=exp.Subquery(this=ids))
        found = found if isinstance(node, exp.EQ) else exp.Not(this=found)
        before = node.sql(dialect="postgres")
        node.replace(found)
        fixes.append(Fix(before=before, after=found.sql(dialect="postgres"), reason=f"an id, not its label: compared through {target.display_name}.{label}"))
    return fixes


def _lookup_of(table: Table, column: str, schema: Schema) -> tuple[ForeignKey, Table, str] | None:
    """The lookup table ``column`` references, and its one text column."""
    for fk in table.foreign_keys:
        target = schema.table(f"{fk.to_schema}.{fk.to_table}")
        if fk.from_columns != [column] or target is None or target.primary_key != fk.to_columns:
            continue
        key = target.column(fk.to_columns[0])
        rest = [c for c in target.columns if c.name not in target.primary_key]
        if key is not None and key.type_class == "number" and len(rest) == 1 and rest[0].type_class == "text":
            return fk, target, rest[0].name
    return None


def _free_alias(base: str, taken: set[str]) -> str:
    alias, n = base.lower(), 2
    while alias in taken:
        alias, n = f"{base.lower()}{n}", n + 1
    return alias
