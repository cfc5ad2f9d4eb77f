"""Give guidance's grammar parser room for the SQL grammar.

guidance 0.3 builds every ``llguidance.LLInterpreter`` with the default
limits, whose cap of 50,000 Earley items per token mask is too small for the
plan grammar once five or more tables are allowed: the decision then fails
with "Too many items (limit 50000; mask)" (measured on a 7-table database).
llguidance walks ~20,000 items per millisecond, so the raised cap costs at
most ~100 ms on the rare token that needs it (500,000 still failed on one
long plan of a spider-dev sample). ``install()`` is idempotent and only
affects parsers guidance creates in this process (local and scripted
backends; vLLM parses on its server).
"""

from __future__ import annotations

from typing import Any

import llguidance

STEP_MAX_ITEMS = 2_000_000
_installed = False


def install() -> None:
    """Make guidance's TokenParser create interpreters with ``STEP_MAX_ITEMS``."""
    global _installed
    if _installed:
        return
    import guidance._parser as parser_module

    interpreter = llguidance.LLInterpreter

    class _Llguidance:
        """The ``llguidance`` module as guidance._parser sees it, with the raised limit."""

        def __getattr__(self, name: str) -> Any:
            return getattr(llguidance, name)

        @staticmethod
        def LLInterpreter(*args: Any, **kwargs: Any) -> Any:  # noqa: N802 - stands in for the class
            kwargs.setdefault("limits", llguidance.LLParserLimits(step_max_items=STEP_MAX_ITEMS))
            return interpreter(*args, **kwargs)

    parser_module.llguidance = _Llguidance()  # type: ignore[assignment]
    _installed = True
