"""Every deterministic rewrite a planned query goes through before validation, as data.

No model call: each step fixes one kind of slip the query itself shows how to
fix, and returns what it changed as ``Fix`` records (a ``Fix`` with a
``column`` is a literal replaced by the stored value it denotes:
``Answer.value_fixes``; the rest are ``Answer.sql_fixes``). The validator then
checks the result like any other SQL. A rewrite must never change the result
of a correct query: tests/test_gold_invariance.py runs every step over every
development gold query.

``STEPS`` is the order. Each is ``step(tree, ctx) -> list[Fix]``, edits the
tree in place, and can be turned off by name (``--rewrites``,
``DECIDE_SQL_REWRITES``; ``decide-sql eval --ablate`` turns each off in turn).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from sqlglot import exp

from engine.rewrites import dates, fanout, labels, names, nulls, ratios
from engine.rewrites.context import RewriteContext
from engine.rewrites.fix import Fix
from engine.sql_tree import parse, render
from engine.values import index as values

Step = Callable[[exp.Expression, RewriteContext], list[Fix]]


def _names(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    return names.fix_names_in(tree, ctx.scope_of(tree), ctx.question)


def _lookup_comparisons(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    return labels.compare_labels_in(tree, ctx.scope_of(tree))


def _grounding(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    return values.ground_literals_in(tree, ctx.scope_of(tree), values.database_lookup(ctx.probe))


def _question_literals(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    return values.literals_from_question_in(tree, ctx.scope_of(tree), ctx.question, ctx.named_values)


def _labels(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    return labels.show_labels_in(tree, ctx.scope_of(tree))


def _fanout(tree: exp.Expression, ctx: RewriteContext) -> list[Fix]:
    return fanout.once_per_answer_in(tree, ctx.scope_of(tree))


# (name, step), in the order they run. Names are the public switches: keep them stable.
STEPS: tuple[tuple[str, Step], ...] = (
    ("names", _names),  # misplaced names: swapped aliases, tables not joined, joins on the wrong keys, subquery outputs
    ("lookup_comparisons", _lookup_comparisons),  # a lookup id compared with a label, through its lookup table
    ("grounding", _grounding),  # a literal -> the stored value it denotes
    ("question_literals", _question_literals),  # a literal the question never mentions -> the value it names
    ("date_like", dates.cast_dates_for_like),  # a date compared with LIKE, as text
    ("nulls_last", nulls.skip_nulls_in_top_rows),  # ORDER BY ... DESC under a LIMIT skips NULLs
    ("numeric_division", ratios.divide_in_numeric),  # a ratio of two integers computed in numeric, not integer division
    ("labels", _labels),  # a selected entity id gets its label column(s) beside it
    ("fanout", _fanout),  # an answer a filtering join repeats, listed once
)
STEP_NAMES: tuple[str, ...] = tuple(name for name, _ in STEPS)


@dataclass
class Rewritten:
    """The SQL to validate, and what the rewrites changed on the way."""

    sql: str
    fixes: list[Fix] = field(default_factory=list)

    @property
    def value_fixes(self) -> list[Fix]:
        return [f for f in self.fixes if f.column is not None]

    @property
    def sql_fixes(self) -> list[Fix]:
        return [f for f in self.fixes if f.column is None]


def rewrite(sql: str, ctx: RewriteContext, *, steps: Collection[str] | None = None) -> Rewritten:
    """Apply the steps (all, or those named in ``steps``) to ``sql``: one parse, each step edits the tree, one render.

    SQL that does not parse is returned as it is (the validator says why).
    """
    tree = parse(sql)
    if tree is None:
        return Rewritten(sql=sql)
    done = Rewritten(sql=sql)
    for name, step in STEPS:
        if steps is not None and name not in steps:
            continue
        fixes = step(tree, ctx)
        if fixes:
            ctx.changed()
            done.fixes += [f.model_copy(update={"kind": name}) for f in fixes]
    if done.fixes:
        done.sql = render(tree)
    return done


def parse_steps(spec: str | None) -> frozenset[str] | None:
    """``all`` (or empty) -> None (every step), ``none`` -> no step, ``a,b`` -> those; a one-line error for an unknown name."""
    from engine.errors import BadInput

    text = (spec or "all").strip().lower()
    if text == "all":
        return None
    if text == "none":
        return frozenset()
    chosen = frozenset(n.strip() for n in text.split(",") if n.strip())
    if unknown := sorted(chosen - set(STEP_NAMES)):
        raise BadInput(f"unknown rewrite step {', '.join(unknown)}; use all, none, or a comma-separated list of: {', '.join(STEP_NAMES)}")
    return chosen
