"""Typed errors with stable codes.

Every failure a user can see is a ``DecideSqlError``: it carries a stable
``code`` (for scripts and for feeding back to a repair decision), a one-line
``message`` that names the problem and the fix, and the process ``exit_code``
the CLI returns. Messages must never contain a password or API key: build them
from masked URLs (``engine.database.urls.mask_url``).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``decide-sql`` CLI (documented in README)."""

    OK = 0
    INTERNAL = 1  # a bug: please report it
    BAD_INPUT = 2  # usage, empty question, bad URL, unreadable file, bad settings
    REFUSED = 3  # the policy refused: a write, an unknown table, a forbidden function ...
    DATABASE = 4  # connection failure, timeout, SQL error at run time
    MODEL = 5  # model missing, corrupt, unreachable, or produced no usable output
    CLARIFY = 6  # the question is ambiguous; a clarifying question was returned


class DecideSqlError(Exception):
    """Base of every error decide-sql reports to a user."""

    code: str = "error"
    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def to_dict(self) -> dict[str, str]:
        """The ``error`` object of the JSON output."""
        return {"code": self.code, "message": self.message}

    def __str__(self) -> str:
        return self.message


class BadInput(DecideSqlError):
    """The user gave something unusable (empty question, bad option, bad file)."""

    code = "bad_input"
    exit_code = ExitCode.BAD_INPUT


class ConfigError(DecideSqlError):
    """A setting is invalid (bad DATABASE_URL, unknown model spec)."""

    code = "bad_config"
    exit_code = ExitCode.BAD_INPUT


class SqlRefused(DecideSqlError):
    """The validator refused a statement; ``code`` says which rule (e.g. ``unknown_column``)."""

    code = "refused"
    exit_code = ExitCode.REFUSED


class DatabaseError(DecideSqlError):
    """The database could not be reached or failed while running a statement.

    Codes: ``connection_failed``, ``statement_timeout``, ``lock_timeout``,
    ``sql_error``, ``connection_lost``, ``result_too_large``, ``resources_exhausted``
    (SQLSTATE class 53 while a statement runs: disk full, out of memory, temp_file_limit;
    no free connection slot shows at connect time, as ``connection_failed``).
    """

    code = "database_error"
    exit_code = ExitCode.DATABASE


class ModelError(DecideSqlError):
    """The model backend is missing, corrupt, unreachable or returned garbage.

    Codes: ``model_missing``, ``model_hash_mismatch``, ``model_unavailable``,
    ``missing_api_key``, ``model_output_invalid``, ``model_timeout``, ``context_overflow``.
    """

    code = "model_error"
    exit_code = ExitCode.MODEL
