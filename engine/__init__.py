"""decide-sql engine: instruments (schema, validator, executor), backends and the orchestrator.

    from engine import ask, Session
    answer = ask("How many orders were cancelled?")          # one-shot
    with Session() as s:                                      # many questions, model loaded once
        s.ask("...")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.answer import Answer
    from engine.session import Session

__all__ = ["ask", "Session", "Answer"]


def ask(question: str, *, database_url: str | None = None, model: Any = None, execute: bool = True, trace: bool = False, max_attempts: int | None = None) -> "Answer":
    """Answer one question with a throw-away Session (settings from the environment and .env)."""
    from engine.session import Session

    with Session(database_url=database_url, model=model) as session:
        return session.ask(question, execute=execute, trace=trace, max_attempts=max_attempts)


def __getattr__(name: str) -> Any:  # lazy: keep `import engine.errors` free of guidance/llama imports
    if name == "Session":
        from engine.session import Session

        return Session
    if name == "Answer":
        from engine.answer import Answer

        return Answer
    raise AttributeError(name)
