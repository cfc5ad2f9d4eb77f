"""Run one decision program on a model and account for what it cost.

Every decision is the same shape: the shared system message and question
(``QuestionContext``), a decision-specific instruction, and one grammar-
constrained assistant turn. This module runs that shape, captures the
output, and turns guidance's ``TokenUsage`` into a ``DecisionUsage``.

On in-process engines (llama.cpp, the scripted test engine) the whole chat
prompt and the grammar go to the engine as ONE node. Appending the roles one
by one (``with system(): lm += ...``) makes guidance call the engine once per
piece, and llama.cpp's single-sequence cache is then cut back to the first
short piece, so every decision re-read the whole schema (measured: ~3 s per
decision instead of ~0.5 s on 2 cores). Remote backends use role blocks.
"""

from __future__ import annotations

import json
from typing import Any

from guidance import assistant, system, user
from guidance.models._engine._interpreter import text_to_grammar

from engine.models import parser_limits
from engine.errors import DecideSqlError, ModelError
from engine.models.usage import measure
from programs.context import QuestionContext
from programs.types import DecisionUsage


def run_decision(model: Any, ctx: QuestionContext, decision: str, instruction: str, body: Any, *, prefix: str = "") -> tuple[Any, DecisionUsage, str]:
    """Run ``body`` (a guidance grammar node) as the assistant turn; return (lm, usage, prompt text).

    ``model`` is an ``engine.models.backends.ModelHandle``; ``prefix`` is text placed
    at the start of the assistant turn before the grammar (local backends only).
    """
    user_text = ctx.user_text(decision, instruction)
    parser_limits.install()

    def run(lm: Any) -> Any:
        chat = _chat_prefix(lm, ctx.system_text, user_text)
        if chat is not None:
            return lm + (text_to_grammar(lm._interpreter.engine.tokenizer, chat + prefix) + body)
        with system():
            lm += ctx.system_text
        with user():
            lm += user_text
        with assistant():
            lm += (prefix + body) if prefix else body
        return lm

    try:
        lm, measured = measure(model.lm, run)
    except DecideSqlError:
        raise
    except Exception as exc:  # llama.cpp, llguidance or HTTP failures
        raise ModelError(
            f"model failed during decision {decision}: {type(exc).__name__}: {_first_line(exc)}",
            code=_error_code(exc),
        ) from None
    usage = DecisionUsage(**measured.model_dump(), prompt_chars=len(ctx.system_text) + len(user_text))
    return lm, usage, f"{ctx.system_text}\n\n{user_text}"


def _chat_prefix(lm: Any, system_text: str, user_text: str) -> str | None:
    """The chat-templated prompt up to the assistant's turn, for in-process engines; else None."""
    interpreter = getattr(lm, "_interpreter", None)
    if getattr(interpreter, "engine", None) is None:
        return None
    try:
        start, end = interpreter.get_role_start, interpreter.get_role_end
        return start("system") + system_text + end("system") + start("user") + user_text + end("user") + start("assistant")
    except (ValueError, AttributeError):  # no chat template
        return None


def captured_json(lm: Any, name: str, decision: str) -> dict[str, Any]:
    """The JSON object captured as ``name``; a clear ModelError when it is missing or broken."""
    if name not in lm:
        raise ModelError(f"model returned no output for decision {decision}; the server may ignore grammars", code="model_output_invalid")
    try:
        value = json.loads(lm[name])
    except json.JSONDecodeError as exc:
        raise ModelError(f"model returned invalid JSON for decision {decision}: {exc.msg}", code="model_output_invalid") from None
    if not isinstance(value, dict):
        raise ModelError(f"model returned {type(value).__name__} instead of an object for decision {decision}", code="model_output_invalid")
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else ""


def _error_code(exc: BaseException) -> str:
    import openai  # a dependency either way; imported here to keep local-only runs light

    if isinstance(exc, openai.APITimeoutError):  # a subclass of APIConnectionError: test it first
        return "model_timeout"
    if isinstance(exc, (openai.APIConnectionError, openai.APIStatusError)):
        return "model_unavailable"
    text = str(exc).lower()
    if "context window" in text or "exceed context" in text or "n_ctx" in text:
        return "context_overflow"
    if "timeout" in text or "timed out" in text:
        return "model_timeout"
    if "connect" in text:
        return "model_unavailable"
    return "model_output_invalid"
