"""Question files (JSON Lines) and gold SQL conventions.

Each line: ``{"id", "db", "question", "gold_sql"}`` plus optional ``category``.
``gold_sql`` may hold alternatives separated by ``;`` (split outside quotes),
and acceptable column choices in braces, defog sql-eval's convention:
``SELECT {a.name, a.id} FROM a`` expands to ``SELECT a.name FROM a`` and
``SELECT a.id FROM a``; several brace groups expand to every combination.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from engine.errors import BadInput

_BRACES = re.compile(r"\{([^{}]*)\}")
MAX_ALTERNATIVES = 64


class EvalQuestion(BaseModel):
    id: str
    db: str
    question: str
    gold_sql: str
    category: str | None = None


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a question file; one-line BadInput naming file and line on any problem."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read question file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            if isinstance(data.get("id"), int):
                data["id"] = str(data["id"])
            out.append(EvalQuestion.model_validate(data))
        except (json.JSONDecodeError, ValidationError, AttributeError) as exc:
            reason = exc.errors()[0]["msg"] + f" ({'.'.join(map(str, exc.errors()[0]['loc']))})" if isinstance(exc, ValidationError) else str(exc).splitlines()[0]
            raise BadInput(f"{path}:{number}: not a question line: {reason}; expected {{\"id\", \"db\", \"question\", \"gold_sql\"}}") from None
    if not out:
        raise BadInput(f"{path} holds no questions")
    return out


def split_statements(sql: str) -> list[str]:
    """Split on ``;`` outside quotes and dollar quotes."""
    parts, current, quote = [], [], None
    i = 0
    while i < len(sql):
        ch = sql[i]
        if quote:
            current.append(ch)
            if sql.startswith(quote, i):
                current.extend(quote[1:])
                i += len(quote) - 1
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            current.append(ch)
        elif ch == "$" and (m := re.match(r"\$[A-Za-z_]*\$", sql[i:])):
            quote = m.group(0)
            current.append(quote)
            i += len(quote) - 1
        elif ch == ";":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def gold_alternatives(gold_sql: str) -> list[str]:
    """Every gold query: the ``;`` alternatives with their brace choices expanded."""
    out: list[str] = []
    for statement in split_statements(gold_sql):
        groups = _BRACES.findall(statement)
        if not groups:
            out.append(statement)
            continue
        choices = [[c.strip() for c in g.split(",") if c.strip()] for g in groups]
        for combo in itertools.islice(itertools.product(*choices), MAX_ALTERNATIVES):
            parts = iter(combo)
            out.append(_BRACES.sub(lambda _m: next(parts), statement))
    return out
