"""Model backends behind one spec string (``--model`` / ``DECIDE_SQL_MODEL``).

=============================  ==============================================
``local`` / ``local:0.5b``     Qwen2.5-Coder-0.5B-Instruct, in-process llama.cpp
``local:1.5b``                 Qwen2.5-Coder-1.5B-Instruct, in-process llama.cpp
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
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal

from engine.errors import ConfigError, ModelError
from engine.model_files import MODEL_FILES, ensure_model_file, stderr_bar
from engine.settings import Settings

Kind = Literal["local", "openai", "vllm", "scripted"]
LOCAL_CONTEXT = 8192
# USD per 1M tokens (input, output), list prices as of 2026-06; None = unknown.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
}
SPEC_FORMS = "local, local:1.5b, local:/path/model.gguf, openai:MODEL[@URL], vllm:MODEL@URL, scripted:/path/script.json"
_loaded: dict[str, Any] = {}  # per-process cache of loaded local models, by file path


@dataclass
class ModelHandle:
    spec: str
    name: str
    kind: Kind
    lm: Any  # guidance.models.Model
    grammar: bool  # select / regex / Lark grammars are enforced
    price: tuple[float, float] | None = None
    context_window: int = LOCAL_CONTEXT


def load_model(spec: str | None, settings: Settings, *, progress: Callable[[str], None] | None = None) -> ModelHandle:
    """Build the backend for ``spec``; one-line ModelError / ConfigError with the fix on failure."""
    spec = (spec or "local").strip()
    kind, _, rest = spec.partition(":")
    if kind == "local":
        return _local(spec, rest, settings, progress)
    if kind == "openai" and rest:
        return _openai(spec, rest, settings)
    if kind == "vllm" and "@" in rest:
        return _vllm(spec, rest, settings)
    if kind == "scripted" and rest:
        from engine.scripted import load_script, scripted_model

        return scripted_model(load_script(rest))
    raise ConfigError(f"unknown model spec {spec!r}; use one of: {SPEC_FORMS}", code="bad_model_spec")


def _local(spec: str, rest: str, settings: Settings, progress: Callable[[str], None] | None) -> ModelHandle:
    if rest in ("", "0.5b", "1.5b"):
        file_spec = MODEL_FILES[rest or "0.5b"]
        path = ensure_model_file(file_spec, settings.cache_dir, progress=stderr_bar(file_spec.title) if progress else None)
        name = file_spec.name
    else:
        path = Path(rest).expanduser()
        if not path.is_file():
            raise ModelError(f"model file {path} does not exist; pass local:/path/to/model.gguf", code="model_missing")
        name = path.stem
    key = str(path)
    if key not in _loaded:
        if progress:
            progress(f"loading {name} ({path.stat().st_size / 1e6:,.0f} MB)")
        _loaded[key] = _load_llama(path)
    return ModelHandle(spec=spec, name=name, kind="local", lm=_loaded[key], grammar=True, context_window=LOCAL_CONTEXT)


def _load_llama(path: Path) -> Any:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        raise ModelError('llama-cpp-python is not installed; run: pip install "decide-sql[local]"', code="model_missing") from None
    from engine.llama_engine import load_llama_model

    threads = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
    try:
        with _quiet_stderr():
            return load_llama_model(path, n_ctx=LOCAL_CONTEXT, n_threads=threads, chat_template=_chatml_if_needed(path))
    except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError for bad files
        raise ModelError(f"cannot load model {path}: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}; the file may be corrupt: delete it and rerun", code="model_unavailable") from None


def _chatml_if_needed(path: Path) -> Any:
    """Qwen 1.5B's GGUF template is not recognised by guidance; ChatML is right for every Qwen2.5."""
    if "qwen" in path.name.lower() and "0.5b" not in path.name.lower():
        from guidance.chat import ChatMLTemplate

        return ChatMLTemplate
    return None


@contextmanager
def _quiet_stderr() -> Iterator[None]:
    """llama.cpp writes load logs to fd 2 even with verbose=False; keep stderr for our progress."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _openai(spec: str, rest: str, settings: Settings) -> ModelHandle:
    model, _, url = rest.partition("@")
    base_url = url or settings.openai_base_url
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    if not key:
        if not base_url:
            raise ModelError("OPENAI_API_KEY is not set; export it (or put it in .env) to use openai:MODEL", code="missing_api_key")
        key = "not-needed"  # local OpenAI-compatible servers usually ignore the key
    from guidance.models import OpenAI

    try:
        lm = OpenAI(model, api_key=key, base_url=base_url, echo=False)
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot set up OpenAI model {model}: {type(exc).__name__}; check the model name and OPENAI_BASE_URL", code="model_unavailable") from None
    return ModelHandle(spec=spec, name=model, kind="openai", lm=lm, grammar=False, price=PRICES.get(model), context_window=128_000)


def _vllm(spec: str, rest: str, settings: Settings) -> ModelHandle:
    model, _, url = rest.partition("@")
    from guidance.models.experimental import VLLMModel

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else "not-needed"
    try:
        lm = VLLMModel(model, base_url=url, api_key=key)
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot set up vLLM model {model} at {url}: {type(exc).__name__}; check the URL", code="model_unavailable") from None
    return ModelHandle(spec=spec, name=model, kind="vllm", lm=lm, grammar=True, context_window=32_768)
