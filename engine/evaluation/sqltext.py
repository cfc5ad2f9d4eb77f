"""Just enough SQL lexing to split text safely: statements, quotes, comments.

A naive ``split(";")`` breaks gold SQL such as ``WHERE name = 'a;b'`` and dumps
with a ``;`` inside a comment. This scanner knows PostgreSQL's quoting:
``'...'`` (``''`` escapes), ``E'...'`` (backslash escapes), ``"identifiers"``,
dollar quotes (``$$...$$``, ``$tag$...$tag$``), ``--`` line comments and
nested ``/* */`` block comments. It never parses: it only tells code from
quoted text and comments, in one linear pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
_WORD = re.compile(r"[A-Za-z0-9_]")


@dataclass(frozen=True)
class Segment:
    kind: Literal["code", "quoted", "comment"]
    start: int
    end: int


@dataclass(frozen=True)
class Statement:
    text: str
    start: int  # offset of the statement's first character in the source text


def segments(sql: str) -> list[Segment]:
    """Cut ``sql`` into code, quoted and comment segments covering it end to end."""
    out: list[Segment] = []
    i = code_start = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        before = sql[i - 1] if i else ""
        kind: Literal["quoted", "comment"]
        if sql.startswith("--", i):
            newline = sql.find("\n", i)
            end, kind = (n if newline < 0 else newline), "comment"
        elif sql.startswith("/*", i):
            end, kind = _block_comment_end(sql, i), "comment"
        elif ch == "'":
            e_string = before in ("e", "E") and (i < 2 or not _WORD.match(sql[i - 2]))
            end, kind = _quote_end(sql, i, "'", backslash=e_string), "quoted"
        elif ch == '"':
            end, kind = _quote_end(sql, i, '"', backslash=False), "quoted"
        elif ch == "$" and not _WORD.match(before) and (m := _DOLLAR.match(sql, i)):
            close = sql.find(m.group(0), m.end())
            end, kind = (n if close < 0 else close + len(m.group(0))), "quoted"
        else:
            i += 1
            continue
        if i > code_start:
            out.append(Segment("code", code_start, i))
        out.append(Segment(kind, i, end))
        i = code_start = end
    if n > code_start:
        out.append(Segment("code", code_start, n))
    return out


def _quote_end(sql: str, i: int, quote: str, *, backslash: bool) -> int:
    j = i + 1
    while j < len(sql):
        if backslash and sql[j] == "\\":
            j += 2
            continue
        if sql[j] == quote:
            if sql.startswith(quote, j + 1):  # doubled quote: an escaped quote
                j += 2
                continue
            return j + 1
        j += 1
    return len(sql)  # unterminated: the rest is quoted


def _block_comment_end(sql: str, i: int) -> int:
    depth, j = 0, i
    while j < len(sql):
        if sql.startswith("/*", j):
            depth, j = depth + 1, j + 2
        elif sql.startswith("*/", j):
            depth, j = depth - 1, j + 2
            if depth == 0:
                return j
        else:
            j += 1
    return len(sql)


def split_statements(sql: str) -> list[Statement]:
    """Statements separated by ``;`` outside quotes and comments; comment-only pieces dropped."""
    out: list[Statement] = []
    start, has_code = 0, False

    def close(end: int) -> None:
        piece = sql[start:end]
        if has_code:
            lead = len(piece) - len(piece.lstrip())
            out.append(Statement(piece.strip(), start + lead))

    for seg in segments(sql):
        if seg.kind == "quoted":
            has_code = True
        elif seg.kind == "code":
            pos = seg.start
            for semi in _positions(sql, ";", seg.start, seg.end):
                has_code = has_code or bool(sql[pos:semi].strip())
                close(semi)
                start, has_code, pos = semi + 1, False, semi + 1
            has_code = has_code or bool(sql[pos : seg.end].strip())
    close(len(sql))
    return out


def _positions(text: str, char: str, start: int, end: int) -> list[int]:
    found, i = [], text.find(char, start, end)
    while i >= 0:
        found.append(i)
        i = text.find(char, i + 1, end)
    return found


def line_of(text: str, offset: int) -> int:
    """1-based line number of a character offset."""
    return text.count("\n", 0, max(0, offset)) + 1
