"""A Lark grammar (llguidance dialect) for the SQL a plan may contain.

It is deliberately a permissive "token soup" with three hard constraints,
which is what a small model needs to stay on the rails without being forced
into unnatural SQL:

- after ``FROM`` / ``JOIN`` only a real table of the selection (or a
  ``stepN`` CTE, or a subquery) may follow: no invented tables;
- after ``alias.`` only a real column name of the selected tables may follow;
- no bare word may be a write or DDL keyword (INSERT, DELETE, DROP, ...),
  no ``;`` except at the very end, no dollar quoting, no comments (``-``
  and ``/`` must be followed by an operand, so ``--`` and ``/*`` cannot form).

It does not replace the validator (which proves the SQL read-only and
resolves every column); it steers generation so the validator rarely has to
refuse.
"""

from __future__ import annotations

import json

from engine.render import quote_ident, table_ref
from engine.schema import Table

# Words that may never appear bare in generated SQL (they only begin writes,
# DDL, session changes or stacked statements).
FORBIDDEN_WORDS = (
    "insert update delete merge upsert drop create alter truncate grant revoke copy call do execute "
    "prepare deallocate lock vacuum analyze cluster reindex comment set reset listen notify unlisten "
    "begin commit rollback savepoint release discard load security refresh import checkpoint into"
).split()

MAX_CTE_STEPS = 9


def _alternatives(names: list[str]) -> str:
    """A Lark alternation of literal strings (JSON escaping is valid Lark string escaping)."""
    uniq = sorted(set(names), key=lambda n: (-len(n), n))
    return " | ".join(json.dumps(n) for n in uniq)


def sql_grammar(tables: list[Table]) -> str:
    """Lark source for one SQL statement over ``tables``, optionally closed by a ``` fence.

    The fence lets a model end the statement the way it ends code blocks; strip
    it from the capture with ``strip_fence``.
    """
    table_names = [table_ref(t) for t in tables]
    table_names += [f"step{i}" for i in range(1, MAX_CTE_STEPS + 1)]
    columns = [quote_ident(c.name) for t in tables for c in t.columns] or ["id"]
    forbidden = "|".join(FORBIDDEN_WORDS + ["from", "join", "with"])
    return f"""
start: _WS? seq _WS? ";"? FENCE?
seq: item (_WS? item)*
item: FROMJOIN _WS source
    | WITH _WS CTE_NAME
    | operand
    | "*"
    | OP
    | ARITH _WS? operand
    | ","
operand: ref | WORD | QUOTED | NUMBER | STRING | "(" _WS? seq? _WS? ")"
source: TABLE | ref | COLUMN | NUMBER | STRING | "(" _WS? seq _WS? ")"
ref: WORD "." (COLUMN | "*")
FROMJOIN: /(?i:from|join)/
WITH: /(?i:with)/
CTE_NAME: /step[1-{MAX_CTE_STEPS}]/
TABLE: {_alternatives(table_names)}
COLUMN: {_alternatives(columns)}
WORD: /[A-Za-z_][A-Za-z0-9_]*/ & ~/(?i:{forbidden})/
QUOTED: /"[A-Za-z_][A-Za-z0-9_ ]*"/
NUMBER: /[0-9]+(\\.[0-9]+)?/
STRING: /'([^'\\n\\\\]|'')*'/
OP: /(::|<=|>=|<>|!=|\\|\\||[<>=+%])/
ARITH: /[-\\/]/
_WS: /[ \\t\\n]+/
FENCE: /\\n?```/
"""


def strip_fence(text: str) -> str:
    """The SQL of a capture made with ``sql_grammar`` (without the closing fence)."""
    return text.strip().removesuffix("```").strip()
