"""Typed errors with stable codes.

Every failure a user can see is a ``DecideSqlError``: it carries a stable
``code`` (for scripts and for feeding back to a repair decision), a one-line
``message`` that names the problem and the fix, and the process ``exit_code``
the CLI returns. Messages must never contain a password or API key: build them
from masked URLs (``engine.database.urls.mask_url``).
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from pydantic import BaseModel, Field


class ExitCode(IntEnum):
    """Process exit codes of the ``decide-sql`` CLI (documented in README)."""

    OK = 0
    INTERNAL = 1  # a bug: please report it
    BAD_INPUT = 2  # usage, empty question, bad URL, unreadable file, bad settings
    REFUSED = 3  # the policy refused: a write, a system catalog, a forbidden function ...
    DATABASE = 4  # connection failure, timeout, an error in the SQL (the validator's finding or the database's)
    MODEL = 5  # model missing, corrupt, unreachable, or produced no usable output
    CLARIFY = 6  # the question is ambiguous; a clarifying question was returned


class ErrorCode(StrEnum):
    """Every stable error code (``error.code`` in JSON); docs/answer.md has one row per code."""

    # bad input and configuration (exit 2)
    BAD_INPUT = "bad_input"
    BAD_CONFIG = "bad_config"
    BAD_MODEL_SPEC = "bad_model_spec"
    BAD_CONVERSATION_ID = "bad_conversation_id"
    UNKNOWN_CONVERSATION = "unknown_conversation"
    # the read-only policy (exit 3): refusals on purpose, never repaired into something else
    WRITE_STATEMENT = "write_statement"
    SELECT_INTO = "select_into"
    LOCKING_CLAUSE = "locking_clause"
    DATA_MODIFYING_CTE = "data_modifying_cte"
    FORBIDDEN_FUNCTION = "forbidden_function"
    SYSTEM_CATALOG = "system_catalog"
    MULTIPLE_STATEMENTS = "multiple_statements"
    TOO_COMPLEX = "too_complex"
    REFUSED_BY_DECISION = "refused_by_decision"
    NOT_IN_DATABASE = "not_in_database"
    # the validator's findings about a benign statement: repaired, and "error" when repairs run out
    EMPTY = "empty"
    PARSE_ERROR = "parse_error"
    UNKNOWN_TABLE = "unknown_table"
    UNKNOWN_COLUMN = "unknown_column"
    AMBIGUOUS_COLUMN = "ambiguous_column"
    TYPE_MISMATCH = "type_mismatch"
    JOIN_MISMATCH = "join_mismatch"
    REFUSED = "refused"
    NO_VALID_SQL = "no_valid_sql"
    # the database (exit 4)
    DATABASE_ERROR = "database_error"
    CONNECTION_FAILED = "connection_failed"
    CONNECTION_LOST = "connection_lost"
    EMBEDDED_UNAVAILABLE = "embedded_unavailable"
    RESOURCES_EXHAUSTED = "resources_exhausted"
    STATEMENT_TIMEOUT = "statement_timeout"
    LOCK_TIMEOUT = "lock_timeout"
    READ_ONLY_VIOLATION = "read_only_violation"
    RESULT_TOO_LARGE = "result_too_large"
    SQL_ERROR = "sql_error"
    # the model (exit 5)
    MODEL_ERROR = "model_error"
    MODEL_MISSING = "model_missing"
    MODEL_HASH_MISMATCH = "model_hash_mismatch"
    MODEL_UNAVAILABLE = "model_unavailable"
    MISSING_API_KEY = "missing_api_key"
    MODEL_OUTPUT_INVALID = "model_output_invalid"
    MODEL_TIMEOUT = "model_timeout"
    CONTEXT_OVERFLOW = "context_overflow"
    # the process
    INTERNAL_ERROR = "internal_error"
    INTERRUPTED = "interrupted"
    SERVE_FAILED = "serve_failed"
    ERROR = "error"


# Validator codes that end the question as a policy refusal: never "repaired" into something else.
POLICY_CODES = frozenset(
    {
        ErrorCode.WRITE_STATEMENT, ErrorCode.SELECT_INTO, ErrorCode.LOCKING_CLAUSE, ErrorCode.DATA_MODIFYING_CTE,
        ErrorCode.FORBIDDEN_FUNCTION, ErrorCode.SYSTEM_CATALOG, ErrorCode.MULTIPLE_STATEMENTS, ErrorCode.TOO_COMPLEX,
    }
)
# The validator's findings about a benign statement (a typo, a name that does not exist): errors in the SQL,
# exit 4 like the database's own, never refusals (refused means the policy said no on purpose).
SQL_FINDINGS = frozenset(
    {
        ErrorCode.EMPTY, ErrorCode.PARSE_ERROR, ErrorCode.UNKNOWN_TABLE, ErrorCode.UNKNOWN_COLUMN, ErrorCode.AMBIGUOUS_COLUMN,
        ErrorCode.TYPE_MISMATCH, ErrorCode.JOIN_MISMATCH,
    }
)
# Database errors a different query cannot fix: stop instead of repairing.
FATAL_DB_CODES = frozenset({ErrorCode.CONNECTION_FAILED, ErrorCode.CONNECTION_LOST, ErrorCode.EMBEDDED_UNAVAILABLE, ErrorCode.RESOURCES_EXHAUSTED})


class ErrorDetails(BaseModel):
    """What a refusal or a database error found, as data: the repair decision uses it directly, never the message text."""

    unknown_names: list[str] = Field(default_factory=list)  # names that do not exist (and a qualified one as written: t1.x); the repair may not write them again
    suggested: list[str] = Field(default_factory=list)  # table.column spellings that would resolve
    join_path: list[str] = Field(default_factory=list)  # tables of the foreign-key path that links two compared keys
    sqlstate: str | None = None  # the database's SQLSTATE for an error it raised (42703: undefined column, ...)


class DecideSqlError(Exception):
    """Base of every error decide-sql reports to a user."""

    code: str = "error"
    exit_code: ExitCode = ExitCode.INTERNAL

    def __init__(self, message: str, *, code: str | None = None, details: ErrorDetails | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details

    def to_dict(self) -> dict[str, object]:
        """The ``error`` object of the JSON output (``details`` only when there are any)."""
        out: dict[str, object] = {"code": str(self.code), "message": self.message}
        if self.details is not None:
            out["details"] = self.details.model_dump()
        return out

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
    """The validator did not let a statement run; ``code`` says which rule (e.g. ``write_statement``, ``unknown_column``)."""

    code = "refused"

    @property
    def exit_code(self) -> ExitCode:  # type: ignore[override]
        """A policy rule refuses (exit 3); a finding in ``SQL_FINDINGS`` is an error in benign SQL (exit 4)."""
        return ExitCode.DATABASE if self.code in SQL_FINDINGS else ExitCode.REFUSED


class NoValidSql(DecideSqlError):
    """A benign question whose SQL still failed validation or execution after every repair: an error, not a refusal."""

    code = ErrorCode.NO_VALID_SQL
    exit_code = ExitCode.MODEL


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
