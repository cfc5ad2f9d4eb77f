"""Model backends behind one spec string (``--model`` / ``DECIDE_SQL_MODEL``).

=============================  ==============================================
``local`` / ``local:1.5b``     Qwen2.5-Coder-1.5B-Instruct, in-process llama.cpp
``local:0.5b``                 Qwen2.5-Coder-0.5B-Instruct, in-process llama.cpp
``local:/path/model.gguf``     any GGUF file
``openai:MODEL[@URL]``         OpenAI, or an OpenAI-compatible server at URL
``vllm:MODEL@URL``             vLLM; the whole grammar is enforced server-side
``scripted:/path/script.json`` deterministic scripted backend (tests)
=============================  ==============================================

Local and vLLM backends enforce every grammar (``ModelHandle.grammar``); the
OpenAI backend only takes JSON decisions, which the programs use there.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.errors import ConfigError, ModelError
from engine.models.handle import LOCAL_CONTEXT, ModelHandle
from engine.models.files import DEFAULT_LOCAL, MODEL_FILES, ensure_model_file, is_assembled, stderr_bar
from engine.models.prefix_state import store_for
from engine.settings import Settings
from engine.database.urls import mask_url

# USD per 1M tokens (input, output): OpenAI list prices as of 2025-08 (openai.com/api/pricing).
# Dated snapshots ("gpt-4o-mini-2024-07-18") use their family's price; unknown models have none.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
}
SPEC_FORMS = "local, local:0.5b, local:/path/model.gguf, openai:MODEL[@URL], vllm:MODEL@URL, scripted:/path/script.json"
Progress = Callable[[str], None] | None
_loaded: dict[str, Any] = {}  # per-process cache of loaded local models, by file path


def load_model(spec: str | None, settings: Settings, *, progress: Callable[[str], None] | None = None) -> ModelHandle:
    """Build the backend for ``spec``; one-line ModelError / ConfigError with the fix on failure.

    ``progress`` receives status lines; when given, assembling the local
    weights also draws a byte progress bar on stderr. Remote backends are
    not contacted here: their first decision is their first request.
    """
    spec = (spec or "local").strip()
    kind, _, rest = spec.partition(":")
    backend = BACKENDS.get(kind)
    handle = backend(spec, rest, settings, progress) if backend else None
    if handle is None:
        raise ConfigError(f"unknown model spec {mask_spec(spec)!r}; use one of: {SPEC_FORMS}", code="bad_model_spec")
    return handle


def mask_spec(spec: str) -> str:
    """``spec`` with any password in its ``@URL`` part replaced by ``***``."""
    head, at, url = spec.partition("@")
    return f"{head}{at}{mask_url(url)}" if at else spec


def _local(spec: str, rest: str, settings: Settings, progress: Callable[[str], None] | None) -> ModelHandle:
    if rest in ("", "0.5b", "1.5b"):
        file_spec = MODEL_FILES[rest or DEFAULT_LOCAL]
        if progress and not is_assembled(file_spec, settings.cache_dir):
            with stderr_bar(file_spec.title) as bar:
                path = ensure_model_file(file_spec, settings.cache_dir, progress=bar)
        else:
            path = ensure_model_file(file_spec, settings.cache_dir)
        name, template = file_spec.name, file_spec.chat_template
    else:
        path = Path(rest).expanduser()
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist; pass local:/path/to/model.gguf or use local", code="model_missing")
        name, template = path.stem, None
    key = str(path.resolve())
    if key not in _loaded:
        if progress:
            progress(f"loading {name} ({path.stat().st_size / 1e6:,.0f} MB)")
        _loaded[key] = _load_llama(path, template)
    engine = _loaded[key]._interpreter.engine
    engine.prefix_store = store_for(settings)  # per call: a second Session may use another cache dir
    engine.prefill_progress = _prefill_lines(progress) if progress else None
    return ModelHandle(spec=spec, name=name, kind="local", lm=_loaded[key], grammar=True, context_window=LOCAL_CONTEXT)


def _prefill_lines(progress: Callable[[str], None]) -> Callable[[int, int], None]:
    """Progress lines while a long prompt is read: the first question on a database prefills its schema."""

    def report(done: int, total: int) -> None:
        if done == 0:
            progress(f"reading a {total:,}-token prompt (once per schema: later questions, and processes, reuse it)")
        elif done == total:
            progress(f"read {total:,} prompt tokens")
        else:
            progress(f"  {done:,}/{total:,} tokens")

    return report


def _load_llama(path: Path, chat_template: str | None) -> Any:
    """llama.cpp with verbose=False writes nothing to fd 1/2 while loading (checked, llama-cpp-python 0.3.36)."""
    try:
        from engine.models.llama_engine import load_llama_model
    except ImportError:
        raise ModelError('llama-cpp-python is not installed; run: pip install "decide-sql[local]"', code="model_missing") from None
    template = None
    if chat_template == "chatml":
        from guidance.chat import ChatMLTemplate

        template = ChatMLTemplate
    try:
        return load_llama_model(path, n_ctx=LOCAL_CONTEXT, n_threads=physical_cores(), chat_template=template)
    except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError for bad files
        raise ModelError(f"cannot load model {path} ({type(exc).__name__}); the file may be corrupt: delete {path} and rerun", code="model_unavailable") from None


def physical_cores() -> int:
    """llama.cpp runs best with one thread per physical core this process may use."""
    import psutil

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(usable, psutil.cpu_count(logical=False) or usable))


def _openai_spec(spec: str, rest: str, settings: Settings, progress: Progress) -> ModelHandle | None:
    model, _, url = rest.partition("@")
    return _openai(mask_spec(spec), model, url or settings.openai_base_url, settings) if model else None


def _openai(spec: str, model: str, base_url: str | None, settings: Settings) -> ModelHandle:
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if not key:
        if not base_url:
            raise ModelError("OPENAI_API_KEY is not set; export it (or put it in .env) to use openai:MODEL", code="missing_api_key")
        key = "not-needed"  # OpenAI-compatible servers at a custom URL usually ignore the key
    from guidance.models import OpenAI

    try:
        # the openai client's own defaults (600 s read timeout, 2 retries) would let a hung server stall a decision for 30 min
        lm = OpenAI(model, api_key=key, base_url=base_url, echo=False, timeout=settings.model_timeout_s, max_retries=settings.model_retries)
    except Exception as exc:  # noqa: BLE001 - the openai client validates its arguments
        raise ModelError(f"cannot set up OpenAI model {model} ({type(exc).__name__}); check the model name and OPENAI_BASE_URL", code="model_unavailable") from None
    return ModelHandle(spec=spec, name=model, kind="openai", lm=lm, grammar=False, price=price_of(model), context_window=128_000)


def price_of(model: str) -> tuple[float, float] | None:
    """The price of ``model``, or of its family for a dated snapshot (``gpt-4o-2024-08-06``)."""
    return PRICES.get(re.sub(r"-\d{4}-\d{2}-\d{2}$", "", model))


def _vllm_spec(spec: str, rest: str, settings: Settings, progress: Progress) -> ModelHandle | None:
    model, _, url = rest.partition("@")
    return _vllm(mask_spec(spec), model, url, settings) if model and url else None


def _vllm(spec: str, model: str, url: str, settings: Settings) -> ModelHandle:
    from guidance.models.experimental import VLLMModel

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    try:
        lm = VLLMModel(model, base_url=url, api_key=key)
        # VLLMModel takes no client options; without these the openai defaults (600 s, 2 retries) apply
        wrapper = lm._interpreter.client
        wrapper.client = wrapper.client.with_options(timeout=settings.model_timeout_s, max_retries=settings.model_retries)
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot set up vLLM model {model} at {mask_url(url)} ({type(exc).__name__}); check the URL", code="model_unavailable") from None
    return ModelHandle(spec=spec, name=model, kind="vllm", lm=lm, grammar=True, context_window=32_768)


def _scripted_spec(spec: str, rest: str, settings: Settings, progress: Progress) -> ModelHandle | None:
    from engine.models.scripted import load_script, scripted_model

    return scripted_model(load_script(rest), spec=spec) if rest else None


# The backend registry: spec prefix -> builder(spec, rest after the colon, settings, progress); None means a malformed spec.
BACKENDS: dict[str, Callable[[str, str, Settings, Progress], ModelHandle | None]] = {
    "local": _local,
    "openai": _openai_spec,
    "vllm": _vllm_spec,
    "scripted": _scripted_spec,
}
