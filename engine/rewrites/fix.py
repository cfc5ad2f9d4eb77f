"""``Fix``: one change a rewrite step made to a planned query, as a typed record.

Steps return ``Fix`` objects; they become text only at the edge (the
``Answer``'s ``sql_fixes`` strings, ``value_fixes`` objects), so tests and
callers compare fields, not sentences.
"""

from __future__ import annotations

from pydantic import BaseModel


class Fix(BaseModel):
    kind: str = ""  # the step that made it: its name in engine/rewrites/pipeline.py STEPS (set by the pipeline)
    before: str  # the SQL fragment as the model wrote it
    after: str  # what it became
    reason: str = ""  # why the query itself shows the change is meant
    column: str | None = None  # table.column, for a literal replaced by the stored value it denotes (Answer.value_fixes)

    def __str__(self) -> str:
        return f"{self.before} -> {self.after}" + (f" ({self.reason})" if self.reason else "")
