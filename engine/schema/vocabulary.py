"""What a schema can talk about: the words of its names, comments and sampled values.

The answerability check (programs/check_answerable.py) asks whether a thing a
question asks for (an "email", an "impact factor") is something the database
stores. A small model's yes/no on that is unreliable; this module answers it
from the schema text, deterministically, with the tokenizer of engine/words.py.

A question word is covered when
- it equals a stem of a table or column name, a comment or a sampled value;
- it and a schema word share a long prefix (``located``/``location``,
  ``cust``/``customer``, ``diag``/``diagnosis``): names are abbreviated and
  inflected, and the check must not refuse over a word ending;
- it is spelled inside a compound identifier (``customer`` in ``sbcustomer``:
  PostgreSQL folds unquoted camelCase names to lower case);
- it is a number, or one of the values the question names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.schema.model import Schema
from engine.words import STOPWORDS, words

MIN_PREFIX = 4  # a schema word this long that starts the question word (or the reverse) covers it: cust -> customer
MIN_SHARED = 5  # two words sharing this many first letters ...
MAX_TAIL = 3  # ... and differing by at most this many letters after them are one word: located, location
MIN_INSIDE = 4  # a question word this long spelled inside a compound identifier is covered: customer in sbcustomer
_IDENT_PART = re.compile(r"[a-z]+")


@dataclass
class SchemaVocabulary:
    """Stems of everything a schema names or shows, and its identifiers as written."""

    stems: set[str] = field(default_factory=set)
    identifiers: set[str] = field(default_factory=set)  # lower-case letter runs of table and column names

    @classmethod
    def build(cls, schema: Schema) -> "SchemaVocabulary":
        vocab = cls()
        for table in schema.tables:
            vocab._add_name(table.name)
            vocab.stems |= words(table.comment or "")
            for col in table.columns:
                vocab._add_name(col.name)
                vocab.stems |= words(col.comment or "") | words(" ".join(col.sample_values))
        return vocab

    def _add_name(self, name: str) -> None:
        self.stems |= words(name)
        self.identifiers |= set(_IDENT_PART.findall(name.lower()))

    def covers(self, word: str) -> bool:
        """Whether the stem ``word`` (engine.words.words) names something in the schema."""
        if word.isdigit() or word in self.stems:
            return True
        if len(word) >= MIN_INSIDE and any(word in ident for ident in self.identifiers):
            return True
        return any(_related(word, s) for s in self.stems)

    def uncovered(self, text: str, *, known: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """The content words of ``text`` the schema does not cover, in text order (``known``: stems taken as covered)."""
        out = []
        for raw in _ordered_stems(text):
            if raw not in known and raw not in out and not self.covers(raw):
                out.append(raw)
        return out


def _related(a: str, b: str) -> bool:
    short, long = sorted((a, b), key=len)
    if len(short) >= MIN_PREFIX and long.startswith(short):
        return True
    shared = 0
    for x, y in zip(short, long):
        if x != y:
            break
        shared += 1
    return shared >= MIN_SHARED and len(long) - shared <= MAX_TAIL


def _ordered_stems(text: str) -> list[str]:
    """``words`` of ``text`` in the order they occur (``words`` itself returns a set)."""
    out: list[str] = []
    for token in re.findall(r"[A-Za-z0-9_]+", text):
        for stem in sorted(words(token), key=lambda s: token.lower().find(s[:3])):
            if stem not in out and stem not in STOPWORDS:
                out.append(stem)
    return out
