"""Decision: is the question a follow-up, and if so, what does it ask on its own?

"and in 2024?", "only the top 3", "show their emails" mean nothing without the
earlier questions. This decision sees the earlier questions of the conversation
and the SQL that answered them, and either says the question is standalone or
rewrites it into one standalone question; the rest of the engine then answers
that question as if it had been asked first (every later decision, the SQL
grammar and the validator are unchanged).

On grammar backends (local llama.cpp, vLLM, scripted) the output is the JSON
object ``{"kind": "standalone"}`` or ``{"kind": "follow_up", "question": "..."}``,
forced by a grammar in which the rewrite is one line of plain text of bounded
length; a standalone question costs two tokens. On JSON backends (OpenAI strict
outputs) both fields are required and ``question`` is ignored when standalone.
With no earlier turns the model is not asked.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

import guidance
from guidance import gen, select
from pydantic import ValidationError

from engine.errors import ModelError
from engine.schema import Schema
from programs._run import captured_json, run_decision
from programs.context import MAX_QUESTION_CHARS, QuestionContext, clean_question
from programs.types import DecisionOutput

NAME = "resolve_follow_up"
MAX_TURNS_SHOWN = 3  # the latest earlier turns in the prompt: follow-ups refer to what was just asked
MAX_SQL_CHARS = 600  # each earlier SQL, cut: the prompt stays small
MAX_REWRITE_CHARS = 400
MAX_REWRITE_TOKENS = 120
# One line of text without quotes or backslashes: the JSON string needs no escapes, the question stays one line.
REWRITE_REGEX = r'[^"\\\x00-\x1f]{1,' + str(MAX_REWRITE_CHARS) + "}"
INSTRUCTION = """Earlier in this conversation:
{turns}
If the question only makes sense with the earlier questions (it says "and", "those", "them", "only", "instead", "what about", or leaves out what it is about), it is a follow_up: write the new standalone question it asks, which takes from the earlier question what the question leaves out and changes what the question changes. Otherwise it is standalone.
Question: {question}
Reply with JSON: {{"kind": "standalone"}} or {{"kind": "follow_up", "question": "..."}}."""

JSON_SCHEMA = {
    "type": "object",
    "properties": {"kind": {"type": "string", "enum": ["standalone", "follow_up"]}, "question": {"type": "string"}},
    "required": ["kind", "question"],
    "additionalProperties": False,
}


class EarlierTurn(Protocol):
    """What the decision reads of an earlier turn (engine.conversation.Turn has these; its ``standalone``
    question, when it has one, is shown instead of ``question``: it needs no turn before it)."""

    question: str
    sql: str | None


class StandaloneQuestion(DecisionOutput):
    """The question to answer; ``follow_up`` when it was rewritten from the earlier turns.

    ``method`` is "model" when the model decided, "none" when there were no
    earlier turns (the question is standalone without asking).
    """

    question: str
    asked: str  # the question as the user wrote it
    follow_up: bool = False
    method: Literal["model", "none"] = "model"


def resolve_follow_up(
    model: Any,
    previous_turns: Sequence[EarlierTurn],
    question: str,
    *,
    schema: Schema | None = None,
    context: QuestionContext | None = None,
) -> StandaloneQuestion:
    """Rewrite ``question`` into a standalone question using ``previous_turns`` (oldest first), or keep it.

    ``schema`` (or ``context``) puts the database schema in the prompt, as for
    every other decision, so a local model's KV cache serves it to the decisions
    that follow; without it the prompt holds only the conversation.
    """
    asked = clean_question(question)
    if not previous_turns:
        return StandaloneQuestion(question=asked, asked=asked, method="none")
    ctx = context or QuestionContext.build(schema or Schema(database=""), asked)
    instruction = INSTRUCTION.format(turns=render_turns(previous_turns), question=asked)
    if model.grammar:
        rewrite = 'follow_up", "question": "' + gen(name="question", regex=REWRITE_REGEX, max_tokens=MAX_REWRITE_TOKENS)
        grammar = '{"kind": "' + select(["standalone", rewrite], name="kind") + '"}'
        lm, usage, prompt = run_decision(model, ctx, NAME, instruction, grammar)
        kind = "follow_up" if str(lm["kind"]).startswith("follow_up") else "standalone"
        rewritten = lm["question"] if kind == "follow_up" and "question" in lm else ""
    else:
        lm, usage, prompt = run_decision(model, ctx, NAME, instruction, guidance.json(name="standalone", schema=JSON_SCHEMA))
        raw = captured_json(lm, "standalone", NAME)
        kind, rewritten = raw.get("kind"), raw.get("question")
        if kind not in ("standalone", "follow_up") or not isinstance(rewritten, str):
            raise ModelError(f"model returned an invalid {NAME} decision: kind {kind!r}", code="model_output_invalid")
    rewritten = clean_question(rewritten or "")[:MAX_QUESTION_CHARS]
    try:
        if kind == "follow_up" and rewritten:
            result = StandaloneQuestion(question=rewritten, asked=asked, follow_up=True)
        else:  # standalone, or a rewrite that came out empty: the question as asked
            result = StandaloneQuestion(question=asked, asked=asked)
    except ValidationError as exc:  # pragma: no cover - the fields are plain strings
        raise ModelError(f"model returned an invalid {NAME} decision: {exc.errors()[0]['msg']}", code="model_output_invalid") from None
    result.costed(usage, prompt)
    return result


def render_turns(turns: Sequence[EarlierTurn]) -> str:
    """The latest earlier turns as numbered question / SQL lines (SQL cut; none when it was not answered)."""
    shown = list(turns)[-MAX_TURNS_SHOWN:]
    lines: list[str] = []
    for i, turn in enumerate(shown, 1):
        lines.append(f"Q{i}: {clean_question(getattr(turn, 'standalone', None) or turn.question)}")
        sql = " ".join((turn.sql or "").split())
        lines.append(f"SQL{i}: {sql[:MAX_SQL_CHARS]}" if sql else f"SQL{i}: (not answered)")
    return "\n".join(lines)
