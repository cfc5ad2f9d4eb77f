"""What one decision cost: prompt tokens, KV-cache reuse, generated and forced tokens, time.

guidance's ``TokenUsage`` on in-process engines (llama.cpp, scripted) sums,
over EVERY forward pass, the whole sequence length (``input_tokens``) and its
cached part (``cached_input_tokens``): a 350-token prompt that generates 10
tokens reports ~3,500 input tokens (measured with the 0.5B model). So for
in-process engines ``measure`` reads the prompt figures from the first
forward pass of each generation instead; remote backends report the API's
own prompt token count, which ``TokenUsage`` carries unchanged.

Measured (Qwen2.5-Coder-0.5B, llama.cpp, one 344-token prompt + select + gen):
first decision 344 input / 0 cached; the next decision with the same system
prefix 344 input / 332 cached: the KV cache is reused across decisions.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import BaseModel


class DecisionUsage(BaseModel):
    """Maps field by field onto ``engine.answer.Decision``."""

    input_tokens: int = 0  # prompt tokens presented to the model (cached ones included)
    cached_input_tokens: int = 0  # of those, served from the KV cache (local) / prompt cache
    output_tokens: int = 0  # tokens the model chose (one sampling step each)
    forced_tokens: int = 0  # tokens the grammar forced without a choice
    ms: float = 0.0
    calls: int = 1  # model calls summed into these figures (a retry or a second question of one decision: 2)


def measure(lm: Any, run: Callable[[Any], Any]) -> tuple[Any, DecisionUsage]:
    """Run ``run`` on a fresh copy of ``lm`` (a guidance Model); return its result and usage."""
    work = lm.copy()
    work._reset_usage()
    engine = getattr(getattr(work, "_interpreter", None), "engine", None)
    started = time.perf_counter()
    with _prompt_passes(engine) as prompts:
        out = run(work)
    ms = (time.perf_counter() - started) * 1000
    usage = out._get_usage()
    if engine is not None:  # in-process: the first pass read the prompt (local decisions are one generation)
        input_tokens = prompts[0][0] if prompts else 0
        cached = prompts[0][1] if prompts else 0
    else:  # remote: the API's prompt token count
        input_tokens, cached = usage.input_tokens, usage.cached_input_tokens
    return out, DecisionUsage(
        input_tokens=input_tokens,
        cached_input_tokens=cached,
        output_tokens=usage.forward_passes + usage.cached_output_tokens,
        forced_tokens=usage.ff_tokens or 0,
        ms=round(ms, 1),
    )


@contextmanager
def _prompt_passes(engine: Any) -> Iterator[list[tuple[int, int]]]:
    """Record (n_tokens, n_cached) of the engine's forward passes while the block runs."""
    passes: list[tuple[int, int]] = []
    if engine is None:
        yield passes
        return
    inner = engine.get_logits
    shadowed = "get_logits" in vars(engine)  # an enclosing measure is recording too

    def recording(token_ids: list[int], include_all_uncached_tokens: bool = False) -> Any:
        result = inner(token_ids=token_ids, include_all_uncached_tokens=include_all_uncached_tokens)
        passes.append((int(result["n_tokens"]), int(result["n_cached"])))
        return result

    engine.get_logits = recording
    try:
        yield passes
    finally:
        if shadowed:
            engine.get_logits = inner
        else:
            del engine.get_logits  # back to the class's method
