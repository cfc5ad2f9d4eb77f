"""Decision: how to answer the question.

``direct`` (one query), ``decompose`` (ordered sub-questions composed as
CTEs), ``clarify`` (ambiguous: ask back with concrete options) or ``refuse``
(asks to change data, or the database cannot answer it). On grammar backends
each flow is its own JSON branch, so ``direct`` costs a handful of tokens; on
OpenAI (strict structured outputs) all fields are present and required.
"""

from __future__ import annotations

from typing import Any

import guidance

from engine.schema import Schema
from programs._run import captured_json, run_decision
from programs.context import QuestionContext
from programs.types import FlowDecision, TableSelection

NAME = "choose_flow"
INSTRUCTION = """Choose how to answer:
- "direct": one SELECT query over these tables answers it (most questions).
- "decompose": it needs several steps whose results are combined; list the steps.
- "clarify": it is too ambiguous to answer; ask one question with concrete options.
- "refuse": it asks to insert, update, delete, create or drop anything, or these tables cannot answer it; say why.
Reply with JSON."""

TEXT = {"type": "string", "maxLength": 200}
SHORT_LIST = {"type": "array", "items": {"type": "string", "maxLength": 120}, "maxItems": 4}


def _branch(flow: str, **fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"flow": {"const": flow}, **fields},
        "required": ["flow", *fields],
        "additionalProperties": False,
    }


def flow_schema(*, strict: bool) -> dict[str, Any]:
    if strict:  # OpenAI: one flat object, every field required
        props = {
            "flow": {"type": "string", "enum": ["direct", "decompose", "clarify", "refuse"]},
            "reason": {"type": "string"},
            "clarifying_question": {"type": "string"},
            "options": {"type": "array", "items": {"type": "string"}},
            "steps": {"type": "array", "items": {"type": "string"}},
        }
        return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}
    return {
        "anyOf": [
            _branch("direct"),
            _branch("refuse", reason=TEXT),
            _branch("clarify", clarifying_question=TEXT, options=SHORT_LIST),
            _branch("decompose", steps=SHORT_LIST),
        ]
    }


def choose_flow(
    model: Any,
    schema: Schema,
    question: str,
    *,
    selection: TableSelection | None = None,
    context: QuestionContext | None = None,
) -> FlowDecision:
    """Decide the flow for ``question``; ``selection`` tells the model which tables were chosen."""
    ctx = context or QuestionContext.build(schema, question)
    instruction = INSTRUCTION
    if selection is not None:
        instruction = f"Tables chosen: {', '.join(selection.all_tables)}.\n{INSTRUCTION}"
    grammar = guidance.json(name="flow", schema=flow_schema(strict=not model.grammar))
    lm, usage, prompt = run_decision(model, ctx, NAME, instruction, grammar)
    raw = captured_json(lm, "flow", NAME)
    result = FlowDecision.model_validate({k: v for k, v in raw.items() if k in FlowDecision.model_fields})
    result._usage, result._prompt = usage, prompt
    return result
