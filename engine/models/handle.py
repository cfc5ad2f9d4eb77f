"""``ModelHandle``: one loaded model as the decision programs see it, whatever the backend.

Its own module so that the backends and the scripted test backend both build
handles without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["local", "openai", "vllm", "scripted"]
LOCAL_CONTEXT = 8192


@dataclass
class ModelHandle:
    spec: str
    name: str
    kind: Kind
    lm: Any  # guidance.models.Model
    grammar: bool  # select / regex / Lark grammars are enforced
    price: tuple[float, float] | None = None
    context_window: int = LOCAL_CONTEXT
