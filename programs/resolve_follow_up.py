"""Decision: what does the question ask on its own, given the earlier questions?

"and in 2024?", "only the top 3", "show their emails" mean nothing without the
earlier questions. This decision sees the earlier questions of the conversation
and the SQL that answered them and writes the question out in full: a follow-up
takes what it leaves out from the latest earlier question, a question that is
already complete is copied unchanged. The question is a follow-up when the
written question differs from the one asked; the rest of the engine then
answers it as if it had been asked first (every later decision, the SQL grammar
and the validator are unchanged).

Why a rewrite and not a choice "standalone or follow-up" first: asked to
classify, the 1.5B model called 9 of 9 follow-ups standalone (6 of 9 with
five examples); asked to write the full question, both local models wrote all
9 out and left every complete question unchanged (docs/results.md, fourteenth
session). Two short examples from an unrelated database show both
cases; without them 0.5B left 2 of the 9 follow-ups as they were.

The output is the JSON object ``{"question": "..."}``; on grammar backends
(local llama.cpp, vLLM, scripted) the text is one line without quotes or
escapes, of bounded length. A rewrite that is SQL, not a question, or that
comes out empty, keeps the question as asked. A rewrite that repeats an
earlier question word for word ("and how many were returned?" after "How
many orders were cancelled?" written as the earlier question) loses what the
follow-up asked, and would return the earlier answer as this one's: the model
is told so and asked once more; a second repeat keeps the question as asked.
With no earlier turns the model is not asked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import guidance
from guidance import gen
from sqlglot import exp

from engine.errors import ModelError
from engine.schema import Schema
from engine.sql_tree import parse
from programs._run import captured_json, run_decision
from programs.context import MAX_QUESTION_CHARS, QuestionContext, clean_question
from programs.types import DecisionOutput, DecisionUsage

NAME = "resolve_follow_up"
MAX_TURNS_SHOWN = 3  # the latest earlier turns in the prompt: follow-ups refer to what was just asked
MAX_SQL_CHARS = 600  # each earlier SQL, cut: the prompt stays small
MAX_REWRITE_CHARS = 400
MAX_REWRITE_TOKENS = 120
# One line of text without quotes or backslashes: the JSON string needs no escapes, the question stays one line.
REWRITE_REGEX = r'[^"\\\x00-\x1f]{1,' + str(MAX_REWRITE_CHARS) + "}"
INSTRUCTION = """Earlier in this conversation:
{turns}
Write the question below as one complete question that can be understood without the earlier questions. When it leaves out what it is about, take that from the latest earlier question and keep what the question changes. When it is already complete, copy it unchanged.
Examples from another database:
Earlier: Which 10 members borrowed the most books?
Question: show their phone numbers
{{"question": "Show the phone numbers of the 10 members who borrowed the most books"}}
Earlier: Which 10 members borrowed the most books?
Question: How many authors wrote more than 3 books?
{{"question": "How many authors wrote more than 3 books?"}}
Now the question of this conversation.
Question: {question}
Reply with JSON: {{"question": "..."}}."""
REPEATED = """{question}
It asks something else than the earlier question "{written}": write out what it asks."""  # the Question: line of a retry

JSON_SCHEMA = {
    "type": "object",
    "properties": {"question": {"type": "string"}},
    "required": ["question"],
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
    turns = render_turns(previous_turns)
    written, usage, prompt = _write(model, ctx, INSTRUCTION.format(turns=turns, question=asked))
    earlier = [_words(_shown_question(turn)) for turn in _latest(previous_turns)]
    if _words(written) in earlier and _words(written) != _words(asked):  # the earlier question again: asked once more, told so
        retry = INSTRUCTION.format(turns=turns, question=REPEATED.format(question=asked, written=written))
        written, again, prompt = _write(model, ctx, retry)
        usage = usage.plus(again)
    if written and not _is_sql(written) and _words(written) != _words(asked) and _words(written) not in earlier:
        result = StandaloneQuestion(question=written, asked=asked, follow_up=True)
    else:  # copied, empty, SQL, or an earlier question repeated (what the follow-up asks is lost): the question as asked
        result = StandaloneQuestion(question=asked, asked=asked)
    result.costed(usage, prompt)
    return result


def _write(model: Any, ctx: QuestionContext, instruction: str) -> tuple[str, DecisionUsage, str]:
    """The question as the model writes it out (cleaned, bounded), what that cost, and the prompt."""
    if model.grammar:
        grammar = '{"question": "' + gen(name="question", regex=REWRITE_REGEX, max_tokens=MAX_REWRITE_TOKENS) + '"}'
        lm, usage, prompt = run_decision(model, ctx, NAME, instruction, grammar)
        written = lm["question"] if "question" in lm else ""
    else:
        lm, usage, prompt = run_decision(model, ctx, NAME, instruction, guidance.json(name="standalone", schema=JSON_SCHEMA))
        written = captured_json(lm, "standalone", NAME).get("question")
        if not isinstance(written, str):
            raise ModelError(f"model returned an invalid {NAME} decision: question {written!r}", code="model_output_invalid")
    return clean_question(written)[:MAX_QUESTION_CHARS], usage, prompt


def _is_sql(text: str) -> bool:
    """The small models sometimes answer with the query instead of the question; PostgreSQL would read it as one."""
    if not re.match(r"\s*(select|with)\b", text, re.IGNORECASE):  # a query starts so; other text is not parsed (sqlglot would log)
        return False
    return isinstance(parse(text), exp.Query)


def _words(text: str) -> list[str]:
    """The question's words, lower case: a copy that changed only case or punctuation is a copy."""
    return re.findall(r"\w+", text.lower())


def _latest(turns: Sequence[EarlierTurn]) -> list[EarlierTurn]:
    return list(turns)[-MAX_TURNS_SHOWN:]


def _shown_question(turn: EarlierTurn) -> str:
    return clean_question(getattr(turn, "standalone", None) or turn.question)


def render_turns(turns: Sequence[EarlierTurn]) -> str:
    """The latest earlier turns as numbered question / SQL lines (SQL cut; none when it was not answered)."""
    lines: list[str] = []
    for i, turn in enumerate(_latest(turns), 1):
        lines.append(f"Q{i}: {_shown_question(turn)}")
        sql = " ".join((turn.sql or "").split())
        lines.append(f"SQL{i}: {sql[:MAX_SQL_CHARS]}" if sql else f"SQL{i}: (not answered)")
    return "\n".join(lines)
