"""Decisions that write SQL: ``plan_sql`` (first attempt) and ``repair_sql``.

On grammar backends (local llama.cpp, vLLM, scripted) the SQL is generated
inside a Lark grammar (programs/sql_grammar.py) that only admits the chosen
tables after FROM/JOIN and their real columns after ``alias.``, and no write
keywords; the explanation is derived from the SQL. On OpenAI, which accepts
only JSON decisions, the plan is a strict JSON object {explanation, sql}.
"""

from __future__ import annotations

import re
from typing import Any

import guidance
from sqlglot import exp

from engine.schema import Schema, Table
from engine.sql_tree import parse
from programs._run import captured_json, run_decision
from programs.context import QuestionContext
from programs.describe_sql import describe_sql
from programs.sql_grammar import sql_grammar, strip_fence, table_aliases
from programs.types import FlowDecision, SqlPlan, TableSelection

MAX_SQL_TOKENS = 400

# The chosen tables are enforced by the grammar, not listed here: a small model told "use these
# tables" joins every one of them (measured on the development sets: 1/20 vs 5/20 correct).
PLAN_INSTRUCTION = "Write one PostgreSQL SELECT query that answers the question."
DECOMPOSE_INSTRUCTION = (
    "Write one PostgreSQL SELECT query that answers the question in steps, as CTEs named step1, step2, ...: "
    "{steps}."
)
# "Where is ...?" asks for a place: shown as one location column (a city), the answer names neither the place nor
# where in the city it is. The hint asks for both, only on questions that ask where (measured with 1.5B on
# the 61 development questions it fires on: 15 right with it, 6 without, gains on both databases; docs/results.md).
WHERE_QUESTION = re.compile(r"^\W*where\b|\bwhere (?:is|are|can|could|do|does|did|was|were|would|should)\b", re.IGNORECASE)
WHERE_HINT = " The question asks where: select the name of each place it asks about together with every column that gives its location."
REPAIR_INSTRUCTION = """This query failed:
{sql}
Error: {error}
Write a corrected PostgreSQL SELECT query that answers the question.{tables}"""

PLAN_JSON_SCHEMA = {
    "type": "object",
    "properties": {"explanation": {"type": "string"}, "sql": {"type": "string"}},
    "required": ["explanation", "sql"],
    "additionalProperties": False,
}


def plan_sql(
    model: Any,
    schema: Schema,
    question: str,
    *,
    selection: TableSelection,
    flow: FlowDecision | None = None,
    context: QuestionContext | None = None,
    temperature: float | None = None,
) -> SqlPlan:
    """Write the SQL for ``question`` over the selected tables (CTE steps when the flow decomposes).

    ``temperature``: None decodes greedily; a value samples (candidate voting, engine/session.py
    ``_Run.vote``) inside the same grammar, after the same prompt, so the KV cache serves the prompt.
    """
    ctx = context or QuestionContext.build(schema, question)
    if flow is not None and flow.flow == "decompose" and flow.steps:
        steps = "; ".join(f"step{i} = {s}" for i, s in enumerate(flow.steps, 1))
        instruction = DECOMPOSE_INSTRUCTION.format(steps=steps)
    else:
        instruction = PLAN_INSTRUCTION
    if WHERE_QUESTION.search(ctx.question):
        instruction += WHERE_HINT
    return _write_sql(model, ctx, "plan_sql", instruction, selection, temperature=temperature)


def repair_sql(
    model: Any,
    schema: Schema,
    question: str,
    *,
    failed_sql: str,
    error: str,
    selection: TableSelection,
    context: QuestionContext | None = None,
    avoid: list[str] | tuple[str, ...] = (),
) -> SqlPlan:
    """Rewrite ``failed_sql`` given the validator's or database's ``error`` message.

    ``avoid``: identifiers the error proved wrong; on grammar backends the
    repair grammar cannot write them again (greedy decoding would repeat them).
    """
    ctx = context or QuestionContext.build(schema, question)
    tables = _repair_tables(ctx, selection, failed_sql)
    hint = f" Tables (with aliases): {tables}." if tables else ""
    instruction = REPAIR_INSTRUCTION.format(sql=failed_sql.strip(), error=error.strip(), tables=hint)
    return _write_sql(model, ctx, "repair_sql", instruction, selection, avoid=avoid)


def _allowed(ctx: QuestionContext, selection: TableSelection) -> list[Table]:
    full = ctx.full_schema or ctx.schema
    return [t for n in selection.all_tables if (t := full.table(n)) is not None]


def _repair_tables(ctx: QuestionContext, selection: TableSelection, failed_sql: str) -> str:
    """The failed query's tables and those the engine added for the repair, with their grammar aliases.

    Not every allowed table: a small model told "tables you may use" joins all
    of them (measured: 150-token repairs over every table of the database).
    """
    allowed = _allowed(ctx, selection)
    aliases = table_aliases(allowed)
    tree = parse(failed_sql)
    used = {t.name.lower() for t in tree.find_all(exp.Table)} if tree is not None else set()
    wanted = used | {n.split(".")[-1].lower() for n in selection.added}
    return ", ".join(f"{t.display_name} {aliases[t.display_name]}" for t in allowed if t.name.lower() in wanted)


def _write_sql(
    model: Any, ctx: QuestionContext, decision: str, instruction: str, selection: TableSelection, *, avoid: list[str] | tuple[str, ...] = (), temperature: float | None = None
) -> SqlPlan:
    allowed = _allowed(ctx, selection)
    if model.grammar:
        body = guidance.lark(sql_grammar(allowed, avoid=avoid, database=(ctx.full_schema or ctx.schema).tables), name="sql", max_tokens=MAX_SQL_TOKENS, temperature=temperature)
        lm, usage, prompt = run_decision(model, ctx, decision, instruction, body, prefix="```sql\n")
        sql = strip_fence(lm["sql"]) if "sql" in lm else ""
        plan = SqlPlan(tables=selection.all_tables, explanation=describe_sql(sql), sql=sql)
    else:
        body = guidance.json(name="plan", schema=PLAN_JSON_SCHEMA, temperature=temperature)
        lm, usage, prompt = run_decision(model, ctx, decision, instruction + " Reply with JSON.", body)
        raw = captured_json(lm, "plan", decision)
        plan = SqlPlan(tables=selection.all_tables, explanation=str(raw.get("explanation", ""))[:300], sql=str(raw.get("sql", "")))
    plan.costed(usage, prompt)
    return plan
