"""What the demo database really holds, for tests that compare an answer with it."""

from __future__ import annotations

from engine.database.executor import Executor
from engine.settings import Settings


def truth(settings: Settings, sql: str) -> list[list]:
    with Executor(settings.database_url, settings) as ex:
        return ex.run(sql).rows
