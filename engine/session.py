"""A ``Session``: the resources many questions share (model, connection, schema).

``engine.ask`` is the one-shot convenience; an eval run or ``ask --file`` keeps
one Session so the model loads once and the schema is introspected once.
"""

from __future__ import annotations

from collections.abc import Callable

from engine.answer import Answer
from engine.settings import Settings


class Session:
    """Holds a model handle, an executor and the (cached) schema of one database."""

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        database_url: str | None = None,
        model: "object | str | None" = None,  # engine.backends.ModelHandle or a spec string
        progress: Callable[[str], None] | None = None,
    ) -> None:
        raise NotImplementedError("being written: engine/session.py")

    def ask(
        self,
        question: str,
        *,
        execute: bool = True,
        trace: bool = False,
        max_attempts: int | None = None,
        max_rows: int | None = None,
    ) -> Answer:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
