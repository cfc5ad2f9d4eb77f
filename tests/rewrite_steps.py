"""One rewrite step run through the real entry point, for the step tests.

``run_step`` builds the ``RewriteContext`` a planned query gets in
``Session.ask`` and calls ``rewrite(sql, ctx, steps={name})``, so a test
exercises the pipeline's own parse, step call, ``Fix.kind`` and render.
``probe`` and ``values`` are needed only by the steps that read the database
(grounding); the others get None.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine.database.executor import Executor
from engine.rewrites.context import RewriteContext
from engine.rewrites.pipeline import STEP_NAMES, Rewritten, rewrite
from engine.schema import Schema
from engine.values.index import ValueIndex, ValueMatch


def run_step(
    name: str,
    sql: str,
    schema: Schema,
    *,
    question: str = "",
    probe: Executor | None = None,
    values: ValueIndex | None = None,
    named_values: Iterable[ValueMatch] = (),
) -> Rewritten:
    """``sql`` through the one step ``name`` (a name of ``STEPS``), as the pipeline runs it.

    Also checks that the step is settled by its own output: a repair is shown
    the rewritten query and often keeps it, so a second pass must change nothing
    (the labels step once added a second lookup of the same name).
    """
    assert name in STEP_NAMES, f"no rewrite step {name!r}"
    named = list(named_values)

    def once(text: str) -> Rewritten:
        ctx = RewriteContext(schema=schema, question=question, sql=text, probe=probe, values=values, named_values=named)  # type: ignore[arg-type]
        return rewrite(text, ctx, steps={name})

    done = once(sql)
    again = once(done.sql)
    assert again.fixes == [], f"{name} rewrites its own output again: {done.sql!r} -> {again.sql!r}"
    return done


def fields(done: Rewritten) -> list[tuple[str, str, str]]:
    """(kind, before, after) of every fix, in order: what a test compares (not the reason's wording)."""
    return [(f.kind, f.before, f.after) for f in done.fixes]


def unchanged(done: Rewritten, sql: str) -> bool:
    """The step left ``sql`` exactly as written and reported nothing."""
    return done.sql == sql and done.fixes == []
