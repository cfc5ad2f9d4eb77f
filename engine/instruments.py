"""The model-free instruments of one database, opened together.

``Instruments`` resolves the database (``DATABASE_URL`` or the embedded demo),
loads its schema through the fingerprint cache, and exposes the validator and
the executor bound to that schema and the settings' limits. The CLI's ``sql``
and ``schema`` commands and every ``Session`` use it, so there is one place
where a database is opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from engine.database.connection import connect
from engine.demo.embedded import resolve_database_url
from engine.database.executor import Executor, QueryResult
from engine.schema.inferred_keys import with_inferred_keys
from engine.schema import Schema
from engine.schema.cache import load_schema
from engine.settings import Settings
from engine.database.urls import mask_url
from engine.policy.validator import ValidatedSql, validate


class Instruments:
    def __init__(self, settings: Settings, url: str, schema: Schema, executor: Executor) -> None:
        self.settings = settings
        self.url = url
        self.schema = schema
        self.executor = executor

    @classmethod
    @contextmanager
    def open(
        cls,
        settings: Settings,
        *,
        progress: Callable[[str], None] | None = None,
        refresh_schema: bool = False,
    ) -> Iterator["Instruments"]:
        url = resolve_database_url(settings, progress=progress)
        schema = cls.load_schema(settings, url, refresh=refresh_schema)
        executor = Executor(url, settings)
        try:
            yield cls(settings, url, schema, executor)
        finally:
            executor.close()

    @staticmethod
    def load_schema(settings: Settings, url: str, *, refresh: bool = False) -> Schema:
        conn = connect(url)
        try:
            return with_inferred_keys(load_schema(conn, settings.cache_dir, database_key=mask_url(url), refresh=refresh))
        finally:
            conn.close()

    def validate(self, sql: str, *, max_rows: int | None = None) -> ValidatedSql:
        return validate(
            sql,
            self.schema,
            max_rows=max_rows or self.settings.max_rows,
            allow_system_catalogs=self.settings.allow_system_catalogs,
        )

    def run(self, sql: str) -> QueryResult:
        return self.executor.run(sql)
