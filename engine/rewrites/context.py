"""``RewriteContext``: everything a rewrite step may read besides the query tree.

Every step has the same shape, ``step(tree, ctx) -> list[Fix]``; what differs
between steps is which of these fields they use. ``scope`` is the query's one
scope (engine/scope.py), rebuilt by the pipeline after a step edits the tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from engine.database.executor import Executor
from engine.schema import Schema
from engine.scope import QueryScope
from engine.values.index import ValueIndex, ValueMatch


@dataclass
class RewriteContext:
    schema: Schema
    question: str
    sql: str  # the SQL as the model wrote it (a parsed tree cannot tell a written default from an implied one)
    probe: Executor  # read-only, short-timeout executor for the questions steps ask the database
    values: ValueIndex
    named_values: list[ValueMatch] = field(default_factory=list)  # stored values the question names
    _scope: QueryScope | None = field(default=None, init=False, repr=False)

    def scope_of(self, tree: exp.Expression) -> QueryScope:
        if self._scope is None:
            self._scope = QueryScope.of(tree, self.schema)
        return self._scope

    def changed(self) -> None:
        """The tree was edited: the next ``scope_of`` reads it again."""
        self._scope = None
