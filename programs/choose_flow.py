"""Decision: how to answer the question.

``direct`` (one query), ``decompose`` (ordered sub-questions composed as
CTEs), ``clarify`` (ambiguous: ask back with concrete options) or ``refuse``
(asks to change data, or the database cannot answer it).

On grammar backends (local llama.cpp, vLLM) the model, framed as the coder it
is, picks the first keyword of the statement that would fulfil the request:
SELECT (direct), WITH (decompose: the plan writes step CTEs) or a write
keyword (INSERT, UPDATE, DELETE, DROP, ... : refuse). Small code models
recognise write requests this way far more reliably than when asked "does
this change data?" (measured on Qwen2.5-Coder-0.5B: every write request of
our probe set recognised, versus none), and they judged answerable questions
"unanswerable" or "ambiguous" when offered those flows (a count of cancelled
orders refused), so grammar backends never clarify or refuse a read: a wrong
refusal costs more than a harmless read, and one short call keeps the
decision at ~0.4 s. On JSON backends (OpenAI strict structured outputs) the
model chooses among all four flows, with reason, options or steps.
"""

from __future__ import annotations

from typing import Any

import guidance
from guidance import select
from pydantic import ValidationError

from engine.errors import ModelError
from engine.schema import Schema
from programs._run import captured_json, run_decision
from programs.context import QuestionContext
from programs.types import FlowDecision, TableSelection

NAME = "choose_flow"
READ_KEYWORDS = ["SELECT", "WITH"]
WRITE_KEYWORDS = ["INSERT", "UPDATE", "DELETE", "MERGE", "DROP", "CREATE", "ALTER", "TRUNCATE", "GRANT"]
STATEMENT_INSTRUCTION = "Write the PostgreSQL statement that does exactly what the request asks."
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
    if not model.grammar:
        chosen = f"Tables chosen: {', '.join(selection.all_tables)}.\n" if selection is not None else ""
        lm, usage, prompt = run_decision(model, ctx, NAME, chosen + JSON_INSTRUCTION, guidance.json(name="flow", schema=flow_json_schema()))
        raw = captured_json(lm, "flow", NAME)
        try:
            result = FlowDecision.model_validate({k: v for k, v in raw.items() if k in FlowDecision.model_fields})
        except ValidationError as exc:  # remote JSON is not checked locally
            raise ModelError(f"model returned an invalid flow decision: {exc.errors()[0]['msg']}", code="model_output_invalid") from None
        if result.statement in WRITE_KEYWORDS:
            result.flow = "refuse"
            result.reason = result.reason or _write_reason(result.statement)
        result.costed(usage, prompt)
        return result

    lm, usage, prompt = run_decision(model, ctx, NAME, STATEMENT_INSTRUCTION, select(READ_KEYWORDS + WRITE_KEYWORDS, name="statement"), prefix="```sql\n")
    statement = lm["statement"]
    if statement in WRITE_KEYWORDS:
        result = FlowDecision(statement=statement, flow="refuse", reason=_write_reason(statement))
    else:
        result = FlowDecision(statement=statement, flow="decompose" if statement == "WITH" else "direct")
    result.costed(usage, prompt)
    return result


def _write_reason(statement: str) -> str:
    return f"the request needs a {statement} statement, which changes the database; decide-sql only reads data"
