"""Question files: JSON Lines, one ``{"id", "db", "question", "gold_sql"[, "category"]}`` per line.

Every problem (bad JSON, a missing field, a database name that cannot be a
PostgreSQL database, gold SQL that breaks the conventions in
``engine.evaluation.gold``, a repeated id) is a one-line ``BadInput`` naming
the file and line, so a 700-line file is fixed in one look.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError, field_validator

from engine.errors import BadInput
from engine.evaluation.gold import GoldError, gold_alternatives

DB_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,49}$"  # safe in URLs, file names and as a database name


class EvalQuestion(BaseModel):
    id: str
    db: str = Field(pattern=DB_NAME)
    question: str = Field(min_length=1)
    gold_sql: str = Field(min_length=1)
    category: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read and check a question file (gold SQL included) before anything runs."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read question file {path}: {getattr(exc, 'strerror', None) or exc}; pass a readable UTF-8 JSON Lines file") from None
    out: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            q = EvalQuestion.model_validate(json.loads(line))
            gold_alternatives(q.gold_sql)
        except json.JSONDecodeError as exc:
            raise BadInput(f"{where}: not a question line: invalid JSON ({exc.msg} at column {exc.colno}); expected {{\"id\", \"db\", \"question\", \"gold_sql\"}}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(map(str, first["loc"])) or "line"
            raise BadInput(f"{where}: not a question line: {field}: {first['msg']}; expected {{\"id\", \"db\", \"question\", \"gold_sql\"}}") from None
        except GoldError as exc:
            raise BadInput(f"{where}: bad gold_sql: {exc}") from None
        if q.id in seen:
            raise BadInput(f"{where}: id {q.id!r} already used on line {seen[q.id]}; ids must be unique")
        seen[q.id] = number
        out.append(q)
    if not out:
        raise BadInput(f"{path} holds no questions; write one JSON object per line")
    return out


def select_questions(
    questions: list[EvalQuestion], *, only_db: list[str] | None = None, sample: int | None = None, seed: int = 7, limit: int | None = None
) -> list[EvalQuestion]:
    """Filter by database, then a reproducible random sample, then the first ``limit``."""
    picked = [q for q in questions if not only_db or q.db in only_db]
    if only_db and not picked:
        raise BadInput(f"no question is about database {', '.join(only_db)}; check --only-db against the file's \"db\" values")
    if sample is not None and sample < len(picked):
        picked = random.Random(seed).sample(picked, sample)
    return picked[:limit] if limit else picked
