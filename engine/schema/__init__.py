"""The schema instrument: pg_catalog -> pydantic (introspect), a fingerprint cache, inferred keys, prompt text.

``Schema``, ``Table``, ``Column`` and ``ForeignKey`` live in engine/schema/model.py
and are re-exported here, since nearly every module needs them.
"""

from engine.schema.model import Column, ForeignKey, Schema, Table, TableKind

__all__ = ["Column", "ForeignKey", "Schema", "Table", "TableKind"]
