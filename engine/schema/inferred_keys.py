"""Foreign keys the names imply, for databases that declare none.

Many databases (dumps, warehouses, SQLite ports) declare no constraints:
``visits.patient_id`` plainly names a row of ``patients``, but without a
declared key the model sees two tables and guesses a join, often on a
shared text column (``visits.city = patients.city``) that multiplies rows.
``with_inferred_keys`` adds the edge the names imply, marked
``inferred=True``, so the prompt shows ``patient_id bigint REFERENCES
patients(id)`` and the join-path hints can use it.

An edge is inferred only when it is unambiguous: a column ``<stem>_id`` with
no declared foreign key, exactly one other table named ``<stem>`` (or its
plural) in the same schema, and in it a key column of the same kind of
value: its single-column primary key, else a column named ``id``, else one
named like the referencing column (``customers.customer_id``).
"""

from __future__ import annotations

import re

from engine.schema import Column, ForeignKey, Schema, Table

_ID_COLUMN = re.compile(r"^(?P<stem>[a-z][a-z0-9_]*?)_?id$", re.IGNORECASE)


def with_inferred_keys(schema: Schema) -> Schema:
    """A copy of ``schema`` with the foreign keys its column names imply (declared keys are kept as they are)."""
    out = schema.model_copy(deep=True)
    by_name: dict[tuple[str, str], list[Table]] = {}
    for table in out.tables:
        by_name.setdefault((table.schema_name, table.name.lower()), []).append(table)
    for table in out.tables:
        declared = {c for fk in table.foreign_keys for c in fk.from_columns}
        for column in table.columns:
            if column.name in declared or table.primary_key == [column.name]:
                continue
            found = name_target(column, table, by_name)
            if found is None:
                continue
            target, key = found
            fk = ForeignKey(
                name=f"inferred_{table.name}_{column.name}", from_schema=table.schema_name, from_table=table.name,
                from_columns=[column.name], to_schema=target.schema_name, to_table=target.name, to_columns=[key.name], inferred=True,
            )
            table.foreign_keys.append(fk)
            target.referenced_by.append(fk)
    return out


def name_target(column: Column, table: Table, by_name: dict[tuple[str, str], list[Table]]) -> tuple[Table, Column] | None:
    """The one table (``by_name``: tables by schema and lowercase name) and key column ``column``'s name points at, or None."""
    match = _ID_COLUMN.match(column.name)
    if match is None:
        return None
    names = plurals(match["stem"].lower())
    targets = [t for n in sorted(names) for t in by_name.get((table.schema_name, n), []) if t.key != table.key]
    if len(targets) != 1:
        return None
    target = targets[0]
    key = _key_column(target, column.name)
    if key is None or key.type_class != column.type_class:
        return None
    return target, key


def _key_column(target: Table, referencing: str) -> Column | None:
    if len(target.primary_key) == 1:
        return target.column(target.primary_key[0])
    if target.primary_key:
        return None
    return next((c for c in target.columns if c.name.lower() == "id"), None) or target.column(referencing)


def plurals(stem: str) -> set[str]:
    """``category`` -> {category, categorys, categories}; ``box`` -> {box, boxs, boxes}."""
    names = {stem, stem + "s", stem + "es"}
    if stem.endswith("y"):
        names.add(stem[:-1] + "ies")
    return names
