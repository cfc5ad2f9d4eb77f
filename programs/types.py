"""Typed outputs of the decision programs: pydantic in, pydantic out.

Each output carries, as a private attribute, what producing it cost
(``.usage``); ``model_dump()`` shows only the decision itself.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from engine.models import usage

FlowName = Literal["direct", "decompose", "clarify", "refuse"]


class DecisionUsage(usage.DecisionUsage):
    """Tokens and time of one decision (engine.models.usage.measure), plus the prompt's size."""

    prompt_chars: int = 0

    def plus(self, other: "DecisionUsage") -> "DecisionUsage":
        """The cost of two model calls made for one decision (a retry, a follow-up question)."""
        return DecisionUsage(**{f: getattr(self, f) + getattr(other, f) for f in DecisionUsage.model_fields})


class DecisionOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _usage: DecisionUsage = PrivateAttr(default_factory=DecisionUsage)
    _prompt: str = PrivateAttr(default="")

    def costed(self, usage: DecisionUsage, prompt: str) -> None:
        """Attach what the decision cost and its prompt (kept out of the typed output, which is what the model decided)."""
        self._usage, self._prompt = usage, prompt

    @property
    def usage(self) -> DecisionUsage:
        return self._usage

    @property
    def prompt(self) -> str:
        """The exact prompt text the model saw (for --trace)."""
        return self._prompt


class TableSelection(DecisionOutput):
    """Tables that answer the question; ``added`` are tables the engine added (join neighbours, tables a repair is pointed at).

    ``method`` is "model" when the model chose, "all" when the schema was small
    enough to allow every table without asking (programs/select_tables.py).
    """

    tables: list[str] = Field(min_length=1)
    added: list[str] = Field(default_factory=list)
    method: Literal["model", "all"] = "model"

    @property
    def all_tables(self) -> list[str]:
        return self.tables + [t for t in self.added if t not in self.tables]


class FlowDecision(DecisionOutput):
    statement: str = "SELECT"  # first keyword of the statement the request would need (a write means refuse)
    flow: FlowName
    reason: str = ""
    clarifying_question: str = ""  # flow == "clarify"
    options: list[str] = Field(default_factory=list)  # flow == "clarify": concrete choices
    steps: list[str] = Field(default_factory=list)  # flow == "decompose": sub-questions, in order


class SqlPlan(DecisionOutput):
    tables: list[str] = Field(default_factory=list)
    explanation: str = ""
    sql: str


class Answerability(DecisionOutput):
    """Whether the database holds what the question asks for (programs/check_answerable.py).

    ``asks``: the phrases the model copied from the question as what it asks for;
    ``missing``: those the schema has nothing for; ``not_data``: phrases the schema
    does not cover either but the model called actions or conditions, not things
    (so not missing). ``method`` is "lexical" when
    every word of the question named something in the schema and the model was not asked.
    """

    verdict: Literal["answerable", "missing"]
    asks: list[str] = Field(default_factory=list)
    missing: list[str] = Field(default_factory=list)
    not_data: list[str] = Field(default_factory=list)
    method: Literal["model", "lexical"] = "model"

    @property
    def reason(self) -> str:
        """The refusal text: what the question asks for that no table stores."""
        names = ", ".join(f"'{m}'" for m in self.missing)
        return f"the database holds no data for {names}: no table or column stores it" if self.missing else ""
