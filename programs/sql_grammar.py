"""A Lark grammar (llguidance dialect) for the SQL a plan may contain.

It is deliberately a permissive "token soup" with hard constraints where small
models go wrong, so they stay on the rails without being forced into
unnatural SQL:

- two words (names, numbers, strings) never touch: a space or punctuation
  separates them, so a word cannot run on into another (the 0.5B model looped
  "total_amount_from_orders_with_customer..." to the token limit);
- after ``FROM`` / ``JOIN`` only a table of the selection may follow (or a
  ``stepN`` CTE, or a subquery), also in a comma list (``FROM orders o,
  customers c``): no invented tables;
- each table has one initials alias (``orders o``, ``order_items oi``; a digit may
  follow for self-joins), and after ``o.`` or ``orders.`` only the real
  columns of ``orders`` may follow: no ``orders.quantity`` when quantity lives
  in ``order_items``; an alias never stands alone (``ON c`` would compare a
  whole row), so a blocked ``c.store_id`` leads to a real ``c.`` column;
  other short aliases (``location AS T1``, the style small models learned)
  are free, and after them any real column of the selected tables may
  follow; a longer unknown qualifier (``region.rating``) cannot be written;
- no free word or alias turns from lower to upper case (``sJOIN``, ``dOn``,
  ``s1ON``): the small models dropped the space between an alias and the
  keyword after it, and the run-on word ate the keyword;
- a free word may not run on from a column or table name (``customer_name_idr``)
  or an upper-case keyword (``DESCLIMIT10``), but every real column of the
  selected tables may stand bare (``customer_name`` although ``customer`` is a
  table: the model otherwise ended the query there);
- the statement cannot end on a keyword or operator that needs an operand
  (``WHERE``, ``AND``, ``ORDER BY``, ``=``, ``,``);
- no bare word may be a write or DDL keyword (INSERT, DELETE, DROP, ...), no
  ``;`` except at the very end, no dollar quoting, no comments (``-`` and
  ``/`` must be followed by an operand, so ``--`` and ``/*`` cannot form).

Sequences are left-recursive (``s_word: after_word _WS w_item``): Earley
parsing is quadratic in right recursion, and the right-recursive first version
ran out of parser items on a long plan. The rule names say what a prefix ends
with: a word (a space must follow before the next word), ``(...)`` or ``*``,
or an open keyword or operator (the statement may not end there).

It does not replace the validator (which proves the SQL read-only and
resolves every column); it steers generation so the validator rarely has to
refuse.
"""

from __future__ import annotations

import json
import re

from engine.schema.render import quote_ident, table_ref
from engine.schema import Table

# Words that may never appear bare in generated SQL (they only begin writes,
# DDL, session changes or stacked statements).
FORBIDDEN_WORDS = (
    "insert update delete merge upsert drop create alter truncate grant revoke copy call do execute "
    "prepare deallocate lock vacuum analyze cluster reindex comment set reset listen notify unlisten "
    "begin commit rollback savepoint release discard load security refresh import checkpoint into"
).split()
KEYWORDS_AFTER_TABLE = "where join inner left right full cross natural on using group order limit offset having union intersect except window as lateral and or".split()
MAX_CTE_STEPS = 9
# Caps on free words, numbers and strings: a small model can loop inside one token class
# ("population_desc_limit_1000000000..."), which would run to the token limit.
MAX_WORD_CHARS = 40
# Upper-case keywords no real word continues in upper case.
RUN_ON_KEYWORDS = "SELECT FROM WHERE GROUP ORDER HAVING LIMIT OFFSET DESC UNION BETWEEN DISTINCT".split()
# Keywords and operators a statement cannot end with: when the grammar refused the word a small
# model wanted next, it closed the code block instead ("... WHERE country_name AND").
OPEN_KEYWORDS = "select where and or not by on having in like ilike is between as case when then else distinct order group union".split()
# Aliases other than a table's own: short, like T1, sub, r2. A longer free qualifier ("region.rating"
# with no table region) was the commonest unknown_column refusal of the 0.5B model.
FREE_ALIAS_PATTERN = "/[A-Za-z]{1,3}[0-9]?/"
# A lower-case letter or digit followed by an upper-case one: an alias run on into a keyword ("sJOIN",
# "dOn", "s1ON"; measured on both local models). Real camelCase names are quoted, so QUOTED keeps them.
NO_CASE_TURN = "~/.*[a-z0-9][A-Z].*/"
MAX_STRING_CHARS = 100


def table_aliases(tables: list[Table]) -> dict[str, str]:
    """A short, unique alias per table: initials of its name parts (orders -> o, order_items -> oi)."""
    out: dict[str, str] = {}
    taken: set[str] = set(KEYWORDS_AFTER_TABLE) | set(FORBIDDEN_WORDS)
    for table in tables:
        parts = [p for p in re.split(r"[^a-z0-9]+", table.name.lower()) if p] or ["t"]
        candidates = ["".join(p[0] for p in parts), parts[-1][:2], parts[-1][:3], parts[0][:3] + parts[-1][:1]]
        alias = next((c for c in candidates if c[0].isalpha() and c not in taken), None)
        n = 1
        while alias is None:
            candidate = f"t{n}"
            alias = candidate if candidate not in taken else None
            n += 1
        taken.add(alias)
        out[table.display_name] = alias
    return out


def _spellings(name: str, folded_names: set[str]) -> list[str]:
    """How a name may be written: as PostgreSQL needs it, and bare when only its capitals need the quotes.

    Models learned SQL where names ignore case (SQLite, MySQL) and write
    ``Artist`` for a table created as ``"Artist"``; forced to open a quote
    there, the 0.5B and 1.5B models wrote garbage instead. The validator
    quotes such a name as the schema spells it (engine/policy/dialect.py:
    schema_spelling). Not offered when the folded name is another name in
    ``folded_names`` (PostgreSQL would read that one).
    """
    written = quote_ident(name)
    bare = written != name and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) and quote_ident(name.lower()) == name.lower()
    return [written, name] if bare and name.lower() not in folded_names else [written]


def _alternatives(names: list[str]) -> str:
    """A Lark alternation of literal strings (JSON escaping is valid Lark string escaping)."""
    uniq = sorted(set(names), key=lambda n: (-len(n), n))
    return " | ".join(json.dumps(n) for n in uniq)


def sql_grammar(tables: list[Table], *, avoid: list[str] | tuple[str, ...] = (), database: list[Table] | None = None) -> str:
    """Lark source for one SQL statement over ``tables``, optionally closed by a ``` fence.

    The fence lets a model end the statement the way it ends code blocks; strip
    it from the capture with ``strip_fence``. ``avoid`` lists bare words the
    statement may not contain (identifiers a failed attempt proved wrong), and
    ``alias.column`` pairs a short free alias may not qualify again.
    ``database``: every table of the database (default ``tables``), so that a
    name is offered bare only when its folded form names no other table.
    """
    aliases = table_aliases(tables)
    sources, refs, terminals = [], [], []
    qualifiers: list[str] = []
    table_names = {t.name for t in database or tables}
    selected_columns = {c.name for t in tables for c in t.columns}
    for i, table in enumerate(tables):
        alias = aliases[table.display_name]
        columns = [w for c in table.columns for w in _spellings(c.name, {other.name for other in table.columns} - {c.name})] or ["id"]
        written = [table_ref(table).removesuffix(quote_ident(table.name)) + w for w in _spellings(table.name, table_names - {table.name})]
        sources.append(f'T{i} (_WS ("AS"i _WS)? (A{i} | FREE_ALIAS))?')
        refs.append(f'Q{i} "." (C{i} | "*")')
        terminals += [
            f"T{i}: {_alternatives(written)}",
            f"A{i}: /{alias}[0-9]?/",
            f"Q{i}: {_alternatives(written)} | /{alias}[0-9]?/",
            f"C{i}: {_alternatives(columns)}",
        ]
        qualifiers += [re.escape(table.name), f"{alias}[0-9]?"]
    taken = "|".join(qualifiers) or "_none_"
    # "t1.ticker_id" in avoid: a free alias the failed attempt qualified a wrong column with keeps
    # every column but that one (banning the bare column would also ban it where it is right).
    # Unquoted aliases fold to lower case, so T1 is t1.
    banned_refs: dict[str, set[str]] = {}
    for ref in avoid:
        qualifier, _, column = ref.lower().partition(".")
        if column and re.fullmatch(FREE_ALIAS_PATTERN.strip("/"), qualifier) and not re.fullmatch(f"(?:{taken})", qualifier):
            banned_refs.setdefault(qualifier, set()).add(column.strip('"'))
    for j, (qualifier, columns) in enumerate(sorted(banned_refs.items())):
        kept = [w for t in tables for c in t.columns if c.name.lower() not in columns for w in _spellings(c.name, selected_columns - {c.name})] or ["id"]
        refs.append(f'B{j} "." (BC{j} | "*")')
        terminals += [f"B{j}: /(?i:{qualifier})/", f"BC{j}: {_alternatives(kept)}"]
    rebound = "|".join(banned_refs) or "_none_"
    reserved = "|".join(FORBIDDEN_WORDS + ["from", "join", "with"])
    after_table = "|".join(KEYWORDS_AFTER_TABLE)
    banned = "|".join(re.escape(w) for w in avoid if re.fullmatch(r"[A-Za-z_]\w*", w)) or "_none_"
    column_names = {c.name.lower() for t in tables for c in t.columns}
    all_columns = [w for t in tables for c in t.columns for w in _spellings(c.name, selected_columns - {c.name})] or ["id"]
    avoided = {w.lower() for w in avoid}
    name_words = column_names | {t.name.lower() for t in tables}
    bare_aliases = "|".join(f"{a}[0-9]?" for a in aliases.values() if a not in column_names) or "_none_"
    # A free word may not run on from a column or table name ("customer_name_idr", "orders_idr.x",
    # "country_nameLIKE"): the commonest way a small model invents a name or loops.
    extended = "|".join(re.escape(n) for n in sorted(name_words, key=len, reverse=True) if len(n) >= 3 and re.fullmatch(r"\w+", n)) or "_none_"
    word = f"/[A-Za-z_][A-Za-z0-9_]{{0,{MAX_WORD_CHARS - 1}}}/ & ~/(?i:{reserved})/ & ~/(?i:(?:{extended})[A-Za-z0-9_]+)/"
    # ... nor from an upper-case keyword ("DESCLIMIT10000": the model dropped the space)
    word += f" & ~/(?:{'|'.join(RUN_ON_KEYWORDS)})[A-Z0-9_]+/ & {NO_CASE_TURN}"
    open_words = "|".join(OPEN_KEYWORDS)
    return f"""
start: _WS? seq _WS? ";"? FENCE?
seq: s_word | s_p
s_word: w_item | after_word _WS w_item | after_p _WS? w_item
s_open_word: OPEN_WORD | after_word _WS OPEN_WORD | after_p _WS? OPEN_WORD
s_p: p_item | s_any _WS? p_item
s_open_p: p_open | s_any _WS? p_open
after_word: s_word | s_open_word
after_p: s_p | s_open_p
s_any: after_word | after_p
w_item: FROMJOIN _WS source (_WS? "," _WS? table_source)*
    | WITH _WS CTE_NAME
    | ref | BARE_COLUMN | WORD | QUOTED | NUMBER | STRING
    | ARITH _WS? operand
p_item: "(" _WS? seq? _WS? ")" | "*"
p_open: OP | ","
operand: ref | BARE_COLUMN | WORD | QUOTED | NUMBER | STRING | "(" _WS? seq? _WS? ")"
source: table_source | ref | BARE_COLUMN | NUMBER | STRING | "(" _WS? seq _WS? ")"
table_source: {" | ".join(sources + ['CTE_NAME (_WS ("AS"i _WS)? WORD)?']) if sources else 'CTE_NAME'}
ref: {" | ".join(refs + ['CTE_NAME "." (WORD | "*")', 'FREE_QUAL "." (ANY_COLUMN | "*")'])}
{chr(10).join(terminals)}
FROMJOIN: /(?i:from|join)/
WITH: /(?i:with)/
CTE_NAME: /step[1-{MAX_CTE_STEPS}]/
ANY_COLUMN: {_alternatives(all_columns)}
BARE_COLUMN: {_alternatives([c for c in all_columns if c.strip('"').lower() not in avoided] or ["id"])}
FREE_QUAL: {FREE_ALIAS_PATTERN} & ~/(?i:{reserved}|{after_table})/ & ~/(?:{taken})/ & ~/(?i:{rebound})/ & {NO_CASE_TURN}
FREE_ALIAS: {FREE_ALIAS_PATTERN} & ~/(?i:{reserved}|{after_table})/ & ~/(?:{taken})/ & {NO_CASE_TURN}
WORD: {word} & ~/(?i:(?:{banned})[A-Za-z0-9_]*)/ & ~/(?:{bare_aliases})/ & ~/(?i:{open_words})/
OPEN_WORD: /(?i:{open_words})/
QUOTED: /"[A-Za-z_][A-Za-z0-9_ ]*"/
NUMBER: /[0-9]{{1,18}}(\\.[0-9]{{1,12}})?/
STRING: /'([^'\\n\\\\]|''){{0,{MAX_STRING_CHARS}}}'/
OP: /(::|<=|>=|<>|!=|\\|\\||[<>=+%])/
ARITH: /[-\\/]/
_WS: /[ \\t\\n]+/
FENCE: /\\n?```/
"""


def strip_fence(text: str) -> str:
    """The SQL of a capture made with ``sql_grammar`` (without the closing fence)."""
    return text.strip().removesuffix("```").strip()
