"""The baseline: plain single-prompt text-to-SQL with the same model.

The schema DDL (rendered exactly as the engine's decisions see it, so both
share one prompt prefix and one KV cache), the question, one greedy
generation of SQL; no decisions, no grammar beyond "stop at the end of the
code block", no validation, no repair. Evaluation and benchmarks run it
beside the engine so every report compares the two on the same machine and
model.
"""

from __future__ import annotations

import re
from typing import Any

from guidance import gen

from engine.schema import Schema
from programs._run import run_decision
from programs.context import QuestionContext, schema_budget
from programs.types import SqlPlan

NAME = "plain_sql"
INSTRUCTION = "Write one PostgreSQL SELECT query that answers the question."
MAX_SQL_TOKENS = 400
_FENCE = re.compile(r"```(?:sql)?\s*(.*?)(?:```|$)", re.S | re.I)


def plain_sql(model: Any, schema: Schema, question: str, *, context: QuestionContext | None = None) -> SqlPlan:
    """One greedy call: DDL + question -> SQL text."""
    ctx = context or QuestionContext.build(schema, question, max_schema_tokens=schema_budget(model))
    if model.grammar:
        lm, usage, prompt = run_decision(model, ctx, NAME, INSTRUCTION, gen(name="sql", max_tokens=MAX_SQL_TOKENS, stop="```"), prefix="```sql\n")
        sql = lm["sql"]
    else:  # OpenAI: no stop sequences; take the code block out of the reply
        lm, usage, prompt = run_decision(model, ctx, NAME, INSTRUCTION + " Reply with the SQL in a ```sql code block.", gen(name="sql", max_tokens=MAX_SQL_TOKENS))
        match = _FENCE.search(lm["sql"])
        sql = match.group(1) if match else lm["sql"]
    plan = SqlPlan(sql=sql.strip().rstrip(";").strip(), explanation="baseline: one plain prompt")
    plan._usage, plan._prompt = usage, prompt
    return plan
