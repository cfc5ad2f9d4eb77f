"""Decision: how to answer the question.

``direct`` (one query), ``decompose`` (ordered sub-questions composed as
CTEs), ``clarify`` (ambiguous: ask back with concrete options) or ``refuse``
(asks to change data, or the database cannot answer it).

On grammar backends the decision has two constrained parts. First the model,
framed as the coder it is, picks the first keyword of the statement that would
fulfil the request (SELECT, WITH, INSERT, UPDATE, DELETE, DROP, ...): small
code models recognise a write request this way far more reliably than when
asked "does this change data?" (measured on Qwen2.5-Coder-0.5B: every write
request in our probe set recognised, versus none). A write keyword ends the
decision as ``refuse``. Otherwise the model picks direct, decompose or
clarify by name, and only the non-direct flows generate details. Refusing a
read because "these tables cannot answer it" is left to JSON backends: small
local models judged answerable questions unanswerable (measured: a count of
cancelled orders refused), and a wrong refusal costs more than a harmless read.
On OpenAI (strict structured outputs) all fields come back as one JSON object.
"""

from __future__ import annotations

from typing import Any

import guidance
from guidance import gen, select

from engine.schema import Schema
from programs._run import captured_json, run_decision
from programs.context import QuestionContext
from programs.types import DecisionUsage, FlowDecision, TableSelection

NAME = "choose_flow"
READ_KEYWORDS = ["SELECT", "WITH"]
WRITE_KEYWORDS = ["INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "CREATE", "ALTER", "TRUNCATE", "GRANT"]
STATEMENT_INSTRUCTION = "Write the PostgreSQL statement that does exactly what the request asks."
FLOW_INSTRUCTION = """Decide how to answer the question. Reply with one of:
direct
decompose: <step 1>; <step 2>; ...   (only when it needs several queries whose results are combined)
clarify: <question to the user>; <option 1>; <option 2>   (only when the question cannot be answered without asking what it means)"""
JSON_INSTRUCTION = """Decide how to answer:
- statement: the first keyword of the SQL statement that would do what the request asks (SELECT, INSERT, UPDATE, DELETE, DROP, ...).
- flow: "direct" if one SELECT query over these tables answers it; "decompose" if it needs several steps (list them in steps); "clarify" if it is too vague to answer (ask clarifying_question with concrete options); "refuse" if it asks to insert, update, delete, create or drop anything, or these tables cannot answer it (say why in reason).
Reply with JSON."""


def flow_json_schema() -> dict[str, Any]:
    """Strict JSON Schema for backends without grammars (every field required)."""
    props = {
        "statement": {"type": "string", "enum": READ_KEYWORDS + WRITE_KEYWORDS + ["OTHER"]},
        "flow": {"type": "string", "enum": ["direct", "decompose", "clarify", "refuse"]},
        "reason": {"type": "string"},
        "clarifying_question": {"type": "string"},
        "options": {"type": "array", "items": {"type": "string"}},
        "steps": {"type": "array", "items": {"type": "string"}},
    }
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def _detail(name: str, max_tokens: int) -> Any:
    return gen(name=name, max_tokens=max_tokens, regex=r"[^\n]*")  # one line; ends at end of sequence


FLOW_GRAMMAR = select(
    ["direct", "decompose: " + _detail("steps", 120), "clarify: " + _detail("clarify", 120)],
    name="flow",
)


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
    chosen = f"Tables chosen: {', '.join(selection.all_tables)}.\n" if selection is not None else ""
    if not model.grammar:
        lm, usage, prompt = run_decision(model, ctx, NAME, chosen + JSON_INSTRUCTION, guidance.json(name="flow", schema=flow_json_schema()))
        raw = captured_json(lm, "flow", NAME)
        result = FlowDecision.model_validate({k: v for k, v in raw.items() if k in FlowDecision.model_fields})
        if result.statement in WRITE_KEYWORDS:
            result.flow = "refuse"
            result.reason = result.reason or _write_reason(result.statement)
        result._usage, result._prompt = usage, prompt
        return result

    lm, usage, prompt = run_decision(model, ctx, NAME, STATEMENT_INSTRUCTION, select(READ_KEYWORDS + WRITE_KEYWORDS, name="statement"), prefix="```sql\n")
    statement = lm["statement"]
    if statement in WRITE_KEYWORDS:
        result = FlowDecision(statement=statement, flow="refuse", reason=_write_reason(statement))
    else:
        lm, flow_usage, prompt = run_decision(model, ctx, NAME, chosen + FLOW_INSTRUCTION, FLOW_GRAMMAR)
        usage = _add(usage, flow_usage)
        result = _parse_flow(statement, lm)
    result._usage, result._prompt = usage, prompt
    return result


def _parse_flow(statement: str, lm: Any) -> FlowDecision:
    flow = lm["flow"].split(":", 1)[0]
    if flow == "decompose":
        return FlowDecision(statement=statement, flow="decompose", steps=_items(lm["steps"]))
    if flow == "clarify":
        parts = _items(lm["clarify"])
        return FlowDecision(statement=statement, flow="clarify", clarifying_question=parts[0] if parts else "", options=parts[1:])
    return FlowDecision(statement=statement, flow="direct")


def _items(text: str) -> list[str]:
    return [p.strip() for p in text.split(";") if p.strip()][:5]


def _write_reason(statement: str) -> str:
    return f"the request needs a {statement} statement, which changes the database; decide-sql only reads data"


def _add(a: DecisionUsage, b: DecisionUsage) -> DecisionUsage:
    return DecisionUsage(**{k: getattr(a, k) + getattr(b, k) for k in DecisionUsage.model_fields})
