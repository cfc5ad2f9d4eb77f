"""The one tokenizer of decide-sql: words of questions, identifiers and stored values.

Two readings of the same text, with one stop-word list:
- ``words``: stems for matching a question against names (snake_case and
  camelCase split, simple plurals folded): the table pre-filter and the
  name-based rewrites use it.
- ``normalize``: a value's text as the value index keys it (lower case, inner
  punctuation of a word kept: ``o'neil``, ``st.``, ``a&w``).
"""

from __future__ import annotations

import re

_NAME_WORD = re.compile(r"[a-z0-9]+")
_VALUE_WORD = re.compile(r"[a-z0-9]+(?:['’.&-][a-z0-9]+)*")
# Words too common to be evidence that a question names a table, a column or a value.
STOPWORDS = frozenset(
    "a an and are as at be by can do does each find for from give has have how i in is it list many me much name names "
    "of on or per show tell than that the their there these this those to was were what when where which who whose why "
    "with all any number count total most least more less top first last".split()
)


def words(text: str) -> set[str]:
    """Lower-case word stems: split snake_case and camelCase, fold simple plurals."""
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower().replace("_", " ")
    return {_stem(w) for w in _NAME_WORD.findall(text) if w not in STOPWORDS and len(w) > 1}


def normalize(text: str) -> str:
    """A value's words, lower case, joined by single spaces (the value index's key)."""
    return " ".join(_VALUE_WORD.findall(text.lower()))


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word
