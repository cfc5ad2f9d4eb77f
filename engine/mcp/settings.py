"""Settings of the MCP face: how much of a result goes back into an assistant's context.

Read like ``engine.settings.Settings`` (option > environment > ``.env`` > default)
but kept here, because they matter only to ``decide-sql mcp``. Every variable is
listed in ``.env.sample``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field, SecretStr

from engine.settings import load_settings

ENV_VARS: dict[str, str] = {
    "max_rows": "DECIDE_SQL_MCP_MAX_ROWS",
    "max_cell_chars": "DECIDE_SQL_MCP_MAX_CELL_CHARS",
    "token": "DECIDE_SQL_TOKEN",
}


class McpSettings(BaseModel):
    """Row cap and cell cut for results, and the bearer token of the HTTP transport."""

    max_rows: int = Field(50, ge=1, le=10_000)  # rows per result an assistant sees; `truncated` says when more existed
    max_cell_chars: int = Field(500, ge=20, le=1_000_000)  # longer text cells are cut and marked
    token: SecretStr | None = None  # required for --http off loopback

    @classmethod
    def load(cls, env_file: str | Path | None = ".env", **overrides: object) -> "McpSettings":
        """Build from ``.env``, the environment and explicit overrides (None = unset)."""
        return load_settings(cls, ENV_VARS, env_file, overrides)
