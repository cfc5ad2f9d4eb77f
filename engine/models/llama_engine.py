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

The shared prefix of every decision (the system turn and the start of the
user turn: rules + schema, ~3,200 tokens on the demo schema) is decoded as its
own step, and its KV state is saved to ``prefix_store`` (engine/models/prefix_state.py;
the process's first prefix, or one that comes back: see ``_save_prefix``);
a fresh process whose prompt starts with the same tokens restores it instead of
prefilling, and sets guidance's ``_cached_token_ids`` to those tokens so the rest
of the prompt continues from there. Decoding the prefix as its own step in both
cases keeps the restored and the freshly computed KV bit for bit the same.
"""

from __future__ import annotations

import contextlib
import ctypes
import operator
import time
from collections.abc import Callable, Iterator
from itertools import takewhile
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
from guidance._schema import SamplingParams
from guidance.models._base import Model
from guidance.models._engine import EngineInterpreter
from guidance.models._llama_cpp import LlamaCppEngine

from engine.models.prefix_state import PrefixStateStore, StateKey, model_digest, note, tokens_digest

MIN_PREFIX_TOKENS = 256  # shorter shared prefixes are cheaper to prefill than to save and read


class LastLogitsLlamaCppEngine(LlamaCppEngine):
    prefix_store: PrefixStateStore | None = None  # set by engine.models.backends; None: no states on disk
    model_path: Path | None = None
    repacked: bool = False
    last_prefix: dict[str, Any] | None = None  # what the last prefix step did (decide-sql db warm reports it)
    prefill_progress: Callable[[int, int], None] | None = None  # (tokens read, tokens to read) per batch of a long prompt
    _prefix_len: int = 0  # tokens of the prefix now in the KV cache (0: none known)
    _marker: list[int] | None = None
    _model_sha: str | None = None
    _saved_any: bool = False
    _prefilled: frozenset[str] = frozenset()  # digests of the prefixes this process prefilled

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
        boundary = self._prefix_boundary(token_ids, num_cached)
        reused = num_cached  # reported as cached: tokens in the KV cache before this call, or restored from disk
        if boundary:
            prefix = token_ids[:boundary]
            if self._restore_prefix(prefix):
                num_cached = reused = boundary
            else:
                if not self._cached_token_ids:  # a refused state left the KV cache empty
                    num_cached = reused = 0
                self._decode(token_ids, num_cached, boundary)
                num_cached = boundary
                self._save_prefix(prefix)
        logits = self._decode(token_ids, num_cached, len(token_ids))
        self._cached_token_ids = token_ids.copy()
        self._cached_logits = logits
        return {"logits": logits, "n_tokens": len(token_ids), "n_cached": reused}

    def forget(self) -> None:
        """Empty the KV cache and what guidance knows of it: the next prompt starts as in a new process."""
        llama_cpp.llama_memory_seq_rm(llama_cpp.llama_get_memory(self.model_obj.ctx), -1, 0, -1)
        self._cached_token_ids, self._cached_logits, self._prefix_len = [], None, 0
        self._saved_any, self._prefilled = False, frozenset()

    def _decode(self, token_ids: list[int], begin: int, end: int) -> Any:
        """Decode ``token_ids[begin:end]`` after a KV cache holding ``token_ids[:begin]``; the last position's logits."""
        batch, n_batch, last = self._context.batch, self.model_obj.n_batch, end - 1
        logits = None
        report = self.prefill_progress if end - begin >= MIN_PREFIX_TOKENS else None  # a schema prompt read from scratch: minutes on 2 cores
        for start in range(begin, end, n_batch):
            if report:
                report(start - begin, end - begin)
            n_tokens = min(start + n_batch, end) - start
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
        if report:
            report(end - begin, end - begin)
        return logits

    def _prefix_boundary(self, token_ids: list[int], num_cached: int) -> int:
        """End of the shared prefix (system turn + user turn start) when it is not in the KV cache yet; else 0."""
        if self.prefix_store is None or not self.prefix_store.enabled or (self._prefix_len and num_cached >= self._prefix_len):
            return 0
        marker = self._prefix_marker()
        if not marker:
            return 0
        at = -1
        try:
            while True:
                at = token_ids.index(marker[0], at + 1)
                if token_ids[at : at + len(marker)] == marker:
                    break
        except ValueError:
            return 0
        boundary = at + len(marker)
        if boundary < MIN_PREFIX_TOKENS or boundary >= len(token_ids) or num_cached >= boundary:
            return 0
        return boundary

    def _prefix_marker(self) -> list[int]:
        """Tokens that end the shared prefix: the system turn's end and the user turn's start."""
        if self._marker is None:
            try:
                template = self.get_chat_template()
                text = template.get_role_end("system") + template.get_role_start("user")
                self._marker = self.tokenizer.encode(text.encode())
            except Exception:  # noqa: BLE001 - no chat template: no shared prefix to save
                self._marker = []
        return self._marker

    def _state_key(self, prefix: list[int]) -> StateKey | None:
        if self.model_path is None or self.prefix_store is None:
            return None
        if self._model_sha is None:
            try:
                self._model_sha = model_digest(self.model_path, self.prefix_store.root)
            except OSError:
                return None
        p = self.model_obj.context_params
        return StateKey(
            model_sha256=self._model_sha,
            model_name=self.model_path.name,
            prefix_sha256=tokens_digest(prefix),
            n_tokens=len(prefix),
            n_ctx=self.model_obj.n_ctx(),
            n_batch=self.model_obj.n_batch,
            n_ubatch=int(p.n_ubatch),
            type_k=int(p.type_k),
            type_v=int(p.type_v),
            flash_attn=int(getattr(p, "flash_attn_type", 0)),
            repacked=self.repacked,
            llama_cpp=llama_cpp.__version__,
        )

    def _restore_prefix(self, prefix: list[int]) -> bool:
        started = time.perf_counter()
        key = self._state_key(prefix)
        loaded = self.prefix_store.load(key) if key is not None and self.prefix_store is not None else None
        if loaded is None:
            return False
        tokens, payload = loaded
        if tokens != prefix:
            return False
        kv = llama_cpp.llama_get_memory(self.model_obj.ctx)
        llama_cpp.llama_memory_seq_rm(kv, -1, 0, -1)
        buf = (ctypes.c_uint8 * len(payload)).from_buffer(payload)  # no copy: payload is a writable view of the file's bytes
        read = llama_cpp.llama_state_seq_set_data(self.model_obj.ctx, buf, len(payload), 0)
        if read == 0 or llama_cpp.llama_memory_seq_pos_max(kv, 0) != len(prefix) - 1:
            llama_cpp.llama_memory_seq_rm(kv, -1, 0, -1)
            self._cached_token_ids, self._cached_logits, self._prefix_len = [], None, 0
            note(f"llama.cpp did not accept {self.prefix_store.path_of(key).name}; prefilling and rewriting it")
            return False
        self._cached_token_ids, self._cached_logits, self._prefix_len = list(prefix), None, len(prefix)
        path = self.prefix_store.path_of(key)
        self.last_prefix = {"event": "restored", "file": str(path), "bytes": len(payload), "n_tokens": len(prefix), "ms": round((time.perf_counter() - started) * 1000, 1)}
        return True

    def _save_prefix(self, prefix: list[int]) -> None:
        """Save the prefix just prefilled: the process's first one, or one that came back.

        A one-question process (``decide-sql ask``, ``db warm``) saves its prefix; a long
        process (eval over many databases, a wide schema whose prompt shows the tables each
        question ranks first) does not write a 40-90 MB file for every prefix it sees once.
        """
        self._prefix_len = len(prefix)
        started = time.perf_counter()
        digest = tokens_digest(prefix)
        recurring = digest in self._prefilled
        self._prefilled = self._prefilled | {digest}
        if self._saved_any and not recurring:
            self.last_prefix = {"event": "prefilled", "file": None, "bytes": 0, "n_tokens": len(prefix), "ms": 0.0}
            return
        key = self._state_key(prefix)
        if key is None or self.prefix_store is None:
            return
        self._saved_any = True
        size = llama_cpp.llama_state_seq_get_size(self.model_obj.ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        got = llama_cpp.llama_state_seq_get_data(self.model_obj.ctx, buf, size, 0)
        path = self.prefix_store.save(key, prefix, memoryview(buf)[:got]) if got else None
        self.last_prefix = {"event": "saved" if path else "prefilled", "file": str(path) if path else None, "bytes": got, "n_tokens": len(prefix), "ms": round((time.perf_counter() - started) * 1000, 1)}


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


def load_llama_model(path: Path, *, n_ctx: int, n_threads: int, chat_template: Any = None, prefix_store: PrefixStateStore | None = None) -> Model:
    """A guidance Model on llama.cpp with the last-logits engine (echo off, no monitoring)."""
    repack = not cpu_advertises_amx()
    with _model_params(extra_buffer_types=repack):
        llama = llama_cpp.Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads, logits_all=False, use_mmap=not repack, verbose=False)
    engine = LastLogitsLlamaCppEngine(llama, chat_template=chat_template, enable_monitoring=False, enable_token_probabilities=False, enable_top_k=False)
    engine.model_path, engine.repacked, engine.prefix_store = Path(path), repack, prefix_store
    return Model(interpreter=EngineInterpreter(engine), sampling_params=SamplingParams(), echo=False)
