"""An in-process llama.cpp engine for guidance that computes only the logits it needs.

guidance 0.3's LlamaCppEngine creates the context with ``logits_all=True`` and
asks llama.cpp for logits at every prompt position, then copies them: for a
2,000-token schema prompt that is 2,000 x 151,936 floats (1.2 GB) per new
prompt, which made the first decision of a question take ~25 s on 2 cores.
Decoding needs only the last position's logits (unless token probabilities
are shown), so this engine requests exactly that, and the context no longer
reserves a logits buffer for every batch position.

On CPUs that advertise AMX the model is loaded without llama.cpp's "extra
buffer types": a build made on such a machine runs matrix products with AMX
tile instructions, which fault (SIGSEGV at ``ldtilecfg``) in virtual machines
that advertise AMX without enabling it, as this project's CI machine does.

Elsewhere llama.cpp repacks the weights into its own buffer, and the model
file is then read rather than mapped: a mapped file keeps the original pages
of every repacked tensor resident beside the copy (llama.cpp issue 16761).
Reading costs the 1.5B model about 1 s more to load and saves 590 MB of peak
RSS (2,002 -> 1,412 MB; 0.5B: 708 -> 682 MB).
"""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Iterator
from itertools import takewhile
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from guidance._schema import SamplingParams
from guidance.models._base import Model
from guidance.models._engine import EngineInterpreter
from guidance.models._llama_cpp import LlamaCppEngine


class LastLogitsLlamaCppEngine(LlamaCppEngine):
    def get_logits(self, token_ids: list[int], include_all_uncached_tokens: bool = False) -> Any:
        if include_all_uncached_tokens or not token_ids:
            return super().get_logits(token_ids, include_all_uncached_tokens)
        if self.model_obj.n_ctx() <= len(token_ids):
            raise ValueError(f"prompt of {len(token_ids)} tokens exceeds the model's context window of {self.model_obj.n_ctx()} tokens")
        num_cached = sum(takewhile(operator.truth, map(operator.eq, token_ids, self._cached_token_ids)))
        if num_cached == len(token_ids):
            if num_cached == len(self._cached_token_ids) and self._cached_logits is not None:
                return {"logits": self._cached_logits, "n_tokens": len(token_ids), "n_cached": num_cached}
            num_cached -= 1  # re-evaluate the last token to get its logits
        kv = llama_cpp.llama_get_memory(self.model_obj.ctx)
        llama_cpp.llama_memory_seq_rm(kv, -1, num_cached, -1)
        batch, n_batch, last = self._context.batch, self.model_obj.n_batch, len(token_ids) - 1
        logits = None
        for start in range(num_cached, len(token_ids), n_batch):
            n_tokens = min(start + n_batch, len(token_ids)) - start
            batch.n_tokens = n_tokens
            for j in range(n_tokens):
                batch.token[j] = token_ids[start + j]
                batch.pos[j] = start + j
                batch.seq_id[j][0] = 0
                batch.n_seq_id[j] = 1
                batch.logits[j] = start + j == last
            if llama_cpp.llama_decode(self.model_obj.ctx, batch) != 0:
                raise RuntimeError("llama_decode failed")
            if start + n_tokens - 1 == last:
                row = llama_cpp.llama_get_logits_ith(self.model_obj.ctx, n_tokens - 1)
                logits = np.ctypeslib.as_array(row, shape=(1, self._n_vocab)).copy()
        self._cached_token_ids = token_ids.copy()
        self._cached_logits = logits
        return {"logits": logits, "n_tokens": len(token_ids), "n_cached": num_cached}


def cpu_advertises_amx(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """True when the CPU flags list AMX tiles (Linux; False where /proc/cpuinfo is missing)."""
    try:
        return " amx_tile" in cpuinfo.read_text(errors="replace")
    except OSError:
        return False


@contextlib.contextmanager
def _model_params(*, extra_buffer_types: bool) -> Iterator[None]:
    """Make ``llama_cpp.Llama`` load with ``use_extra_bufts`` set as given (it has no argument for it)."""
    module = llama_cpp.llama_cpp
    default = module.llama_model_default_params

    def params() -> Any:
        p = default()
        p.use_extra_bufts = extra_buffer_types
        return p

    module.llama_model_default_params = params
    try:
        yield
    finally:
        module.llama_model_default_params = default


def load_llama_model(path: Path, *, n_ctx: int, n_threads: int, chat_template: Any = None) -> Model:
    """A guidance Model on llama.cpp with the last-logits engine (echo off, no monitoring)."""
    repack = not cpu_advertises_amx()
    with _model_params(extra_buffer_types=repack):
        llama = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, logits_all=False, use_mmap=not repack, verbose=False)
    engine = LastLogitsLlamaCppEngine(llama, chat_template=chat_template, enable_monitoring=False, enable_token_probabilities=False, enable_top_k=False)
    return Model(interpreter=EngineInterpreter(engine), sampling_params=SamplingParams(), echo=False)
