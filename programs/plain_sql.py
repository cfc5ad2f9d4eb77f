"""The baseline: plain single-prompt text-to-SQL with the same model.

The schema DDL (rendered exactly as the engine's decisions see it, so both
share one prompt prefix and one KV cache; the budget is the model's context
share), the question, one greedy generation of SQL. No decisions, no grammar
beyond "stop at the end of the code block", no validation, no repair: the
eval harness runs the SQL in the executor's read-only transaction only, as an
external reference for what the engine adds. The user turn ends with the line
``Decision: plain_sql`` (via ``QuestionContext.user_text``), which the
scripted test backend keys on.
"""

from __future__ import annotations

import re
from typing import Any

from guidance import gen

from engine.errors import ModelError
from engine.schema import Schema
from programs._run import run_decision
from programs.context import QuestionContext, schema_budget
from programs.types import SqlPlan

NAME = "plain_sql"
INSTRUCTION = "Write one PostgreSQL SELECT query that answers the question."
MAX_SQL_TOKENS = 400
_FENCE = re.compile(r"```(?:sql)?\s*(.*?)(?:```|$)", re.S | re.I)


def plain_sql(model: Any, schema: Schema, question: str, *, context: QuestionContext | None = None) -> SqlPlan:
    """One greedy call: DDL + question -> SQL text (usage and prompt attached to the plan)."""
    ctx = context or QuestionContext.build(schema, question, max_schema_tokens=schema_budget(model))
    if model.grammar:  # the turn starts inside a ```sql block; generation stops at its end
        lm, usage, prompt = run_decision(model, ctx, NAME, INSTRUCTION, gen(name="sql", max_tokens=MAX_SQL_TOKENS, stop="```"), prefix="```sql\n")
    else:  # OpenAI: no prefill and no stop sequences; take the code block out of the reply
        lm, usage, prompt = run_decision(model, ctx, NAME, INSTRUCTION + " Reply with the SQL in a ```sql code block.", gen(name="sql", max_tokens=MAX_SQL_TOKENS))
    if "sql" not in lm:
        raise ModelError(f"model returned no output for decision {NAME}", code="model_output_invalid")
    text = lm["sql"]
    if not model.grammar:
        match = _FENCE.search(text)
        text = match.group(1) if match else text
    plan = SqlPlan(sql=text.strip().rstrip(";").strip(), explanation="baseline: one plain prompt")
    plan.costed(usage, prompt)
    return plan
