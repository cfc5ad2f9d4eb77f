"""Decision: does the database hold what the question asks for?

A question about data no table stores (an author's email where no table has
emails, a journal's impact factor) must be refused as ``not_in_database``
rather than answered with rows about something else. Asked "can these tables
answer this?", a 0.5B model says yes to nearly everything (and, offered a
refusal, refused ordinary counts: programs/choose_flow.py). So the model is
given the easier half of the job and the schema the other half:

1. The model names what the question asks for: up to MAX_ASKS phrases, each
   one to three consecutive words *copied from the question* (the grammar is
   an enum of the question's own word spans, so it cannot invent a concept).
2. Each phrase is checked against the schema's table and column names,
   comments and sampled values (engine/schema/vocabulary.py), with the
   stored values the question names counted as present. A phrase is missing
   when its head word, the last content word (``impact factor`` -> factor,
   ``author email`` -> email), names nothing in the schema.
3. Only a noun names stored data that can be missing: an action ("placed
   an order") is a relation between records, which the tables hold as rows
   and keys rather than as a word, and an adjective or adverb ("priciest",
   "rarely") shapes the answer. A word English's lexicon (lemminflect) knows
   only as a verb, adjective or adverb is never a head (``sold``, ``arrive``,
   ``newer``); a phrase the schema still does not cover is asked about once
   more: is it a noun, a verb or something else in this question
   (KIND_INSTRUCTION)? This second decision runs only when a refusal is
   about to be made, so answerable questions rarely pay for it.

When every content word of the question is covered, the model is not asked.
Words written as values (quoted, capitalised inside a sentence, numbers and
codes such as ``TR001``) are never concepts: a name the data may not hold
gives an empty answer, not a refusal. An acronym (``GDP``) is a word like any
other: held only when the schema or the data holds it. Nor are the words of
asking (QUERY_WORDS: "average", "distinct", "return", ...), which any
database's questions are made of, function words
(FUNCTION_WORDS: "without", "cannot", "his"), words with no noun reading,
or calendar words ("year", "month") when the schema has a date or time
column.

Runs after choose_flow, for the direct and decompose flows only
(engine/session.py); a refusal is ``status: "refused"`` with error code
``not_in_database`` and a reason naming the missing phrases.
"""

from __future__ import annotations

import re
from typing import Any

import guidance
from lemminflect import getAllLemmas

from engine.schema import Schema
from engine.schema.vocabulary import SchemaVocabulary
from engine.words import STOPWORDS, words
from programs._run import captured_json, run_decision
from programs.context import QuestionContext
from programs.types import Answerability, DecisionUsage, TableSelection

NAME = "check_answerable"
MAX_ASKS = 3
MAX_SPAN = 3  # words per phrase
MAX_PHRASES = 80  # grammar size bound for long questions
INSTRUCTION = (
    "Which data does the question ask the database for? List the things it wants shown, counted, compared or filtered on, "
    f"each copied from the question in 1 to {MAX_SPAN} words, at most {MAX_ASKS}. "
    'Reply with JSON: {"asks": [...]}.'
)
KIND_NAME = "phrase_kind"
KINDS = ("noun", "verb", "other")  # only a noun can name missing data
KIND_INSTRUCTION = (
    "In the question, what does '{phrase}' name? Choose one: noun (a thing or a property of things), "
    "verb (an action or event), other (an adjective, adverb, preposition or condition)."
)
# Words that ask for a computation or shape the answer rather than name stored data (any database's questions
# are made of them): never a missing concept. Not a list about any domain: these are the words of asking.
QUERY_WORDS = frozenset(
    "average mean median sum percentage percent proportion ratio difference calculate calculation compute computed "
    "maximum minimum max min largest smallest highest lowest biggest longest shortest greatest least best worst "
    "distinct unique different return returned list listed provide identify indicate please give display describe "
    "order ordered sort sorted rank ranked ranking ascending descending alphabetical alphabetically decimal decimals round rounded "
    "refer refers referring among between inclusive exclusive exclude excluding include including included only respective "
    "respectively consider considering based answer result results record records row rows value values entry entries id ids "
    "every both other others some none no not non also just exactly least than overall altogether whole "
    "one two three four five six seven eight nine ten hundred thousand million half second third fourth fifth "
    "did does done doing has had having been being we us our you your they them their its should would could will shall might must".split()
)
# English's closed word classes that STOPWORDS and QUERY_WORDS do not hold (prepositions, conjunctions, pronouns,
# determiners, auxiliaries, negation): a grammar fact, not a list about any domain. None can name stored data, so
# none is a phrase's head. The model may still copy one ("without", "cannot"): taking them out of the grammar made
# it copy other words instead (docs/results.md, seventeenth session), so only the head check passes over them.
FUNCTION_WORDS = frozenset(
    "about above across against along amid among around behind below beneath beside besides beyond despite down except "
    "inside into near off onto out outside over through throughout toward towards under underneath unlike until up upon "
    "via within without although because but if nor once so though unless whereas whether while yet he him his she her "
    "hers herself himself itself myself ourselves themselves yourself yourselves anyone anybody anything everyone "
    "everybody everything nobody nothing someone somebody something whom whoever whatever whichever another either "
    "neither several such am cannot cant couldnt dont doesnt didnt isnt arent wasnt werent wont wouldnt shouldnt never".split()
)
# Calendar words: data when the schema has a date or time column to compute them from.
TIME_WORDS = frozenset(
    "year years month months week weeks day days date dates time times today yesterday tomorrow quarter hour hours minute minutes "
    "ago past recent recently since before after during annual annually daily monthly weekly yearly "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_TOKEN = re.compile(r"""'[^']*'|"[^"]*"|[A-Za-z0-9][A-Za-z0-9'’_-]*|[.?!;:\n]""")
_END = frozenset(".?!;:\n")


def answerable_schema(phrases: list[str], *, strict: bool) -> dict[str, Any]:
    """JSON Schema of the decision: ``asks`` items are the question's own spans; ``strict`` for OpenAI."""
    array: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": phrases}}
    if not strict:
        array.update(maxItems=MAX_ASKS)  # empty: the question names nothing to check (the scripted backend's neutral answer)
    return {"type": "object", "properties": {"asks": array}, "required": ["asks"], "additionalProperties": False}


def check_answerable(
    model: Any,
    schema: Schema,
    question: str,
    *,
    selection: TableSelection | None = None,
    context: QuestionContext | None = None,
    values: list[str] | None = None,
    vocabulary: SchemaVocabulary | None = None,
) -> Answerability:
    """Decide whether ``schema`` holds what ``question`` asks for.

    ``values`` are stored values the question names (the value index's matches);
    ``vocabulary`` may be passed in when many questions share a schema.
    ``selection`` is accepted for symmetry with the other decisions: the check
    looks at the whole schema, since a concept may live in any table.
    """
    ctx = context or QuestionContext.build(schema, question)
    full = ctx.full_schema or schema
    vocab = vocabulary or SchemaVocabulary.build(full)
    tokens = question_tokens(ctx.question)
    known = set().union(*(words(v) for v in values or []), *(words(t) for t, is_value in tokens if is_value))
    timed = any(c.type_class == "temporal" for t in full.tables for c in t.columns)
    if not any(_unheld(t, vocab, known, timed=timed) for t, is_value in tokens if not is_value):
        return Answerability(verdict="answerable", method="lexical")
    phrases = candidate_phrases(tokens)
    if not phrases:
        return Answerability(verdict="answerable", method="lexical")
    grammar = guidance.json(name="asks", schema=answerable_schema(phrases, strict=not model.grammar))
    lm, usage, prompt = run_decision(model, ctx, NAME, INSTRUCTION, grammar)
    raw = captured_json(lm, "asks", NAME)
    asks = [p for p in dict.fromkeys(raw.get("asks") or []) if p in phrases][:MAX_ASKS]  # re-check (OpenAI is not checked locally)
    uncovered = [p for p in asks if missing_head(p, vocab, known, timed=timed)]
    missing, not_data = [], []
    for p in uncovered:
        kind, kind_usage = phrase_kind(model, ctx, p)
        usage = usage.plus(kind_usage)
        (missing if kind == "noun" else not_data).append(p)
    result = Answerability(verdict="missing" if missing else "answerable", asks=asks, missing=missing, not_data=not_data)
    result.costed(usage, prompt)
    return result


def phrase_kind(model: Any, ctx: QuestionContext, phrase: str) -> tuple[str, DecisionUsage]:
    """The word class of ``phrase`` in the question (one of KINDS), as the model reads it.

    Measured with 1.5B on the development sets (docs/results.md): of the
    phrases the schema did not cover, the model called four actions verbs in
    answerable questions on three databases and called every missing thing of
    the unanswerable set a noun.
    """
    instruction = KIND_INSTRUCTION.format(phrase=phrase)
    if model.grammar:
        lm, usage, _ = run_decision(model, ctx, KIND_NAME, instruction, guidance.select(list(KINDS), name="kind"))
        return lm["kind"], usage
    schema = {"type": "object", "properties": {"kind": {"type": "string", "enum": list(KINDS)}}, "required": ["kind"], "additionalProperties": False}
    lm, usage, _ = run_decision(model, ctx, KIND_NAME, instruction + ' Reply with JSON: {"kind": ...}.', guidance.json(name="kind", schema=schema))
    kind = captured_json(lm, "kind", KIND_NAME).get("kind")
    return (kind if kind in KINDS else "noun"), usage  # remote JSON is not checked locally: a broken answer keeps the phrase missing


def missing_head(phrase: str, vocab: SchemaVocabulary, known: set[str], *, timed: bool) -> bool:
    """Whether the phrase's head, its last word that can name data, names nothing the schema holds.

    ``timed``: the schema has a date or time column (calendar words are then data).
    """
    content = [w for w in phrase.split() if not _ignorable(w, timed=timed)]
    while len(content) > 1 and _no_noun(content[-1]):  # "drug amount prescribed": the head is the noun before
        content.pop()
    if not content or (len(content) == 1 and _no_noun(content[0])):  # an action ("prescribed"), not a stored thing
        return False
    return _unheld(content[-1], vocab, known, timed=timed)


def _no_noun(word: str) -> bool:
    """A word that names what was done or how, not a stored attribute.

    The shape of a past participle or past tense (``prescribed``, ``started``), or a word
    the lexicon knows with no noun reading (``sold``: a verb; ``priciest``: an adjective;
    ``rarely``: an adverb; not ``visits``, a noun or a verb). Measured on recorded decisions
    (docs/results.md, twenty-ninth session): false refusals on the probe's five schemas
    7 -> 2 of 70 with 1.5B, none of the unanswerable set's missing nouns lost.
    """
    if len(word) > 5 and word.endswith("ed"):
        return True
    readings = getAllLemmas(word.lower())
    return bool(readings) and not readings.keys() & {"NOUN", "PROPN"}


def _ignorable(word: str, *, timed: bool) -> bool:
    """A word that cannot name missing data: a stop word, a word of asking, a function word, a calendar word when there are dates."""
    w = word.lower()
    return w in STOPWORDS or w in QUERY_WORDS or re.sub("['’]", "", w) in FUNCTION_WORDS or (timed and w in TIME_WORDS) or not words(w)


def _unheld(word: str, vocab: SchemaVocabulary, known: set[str], *, timed: bool) -> bool:
    """Whether ``word`` could name data (a noun, not a word of asking) and the schema covers none of its stems."""
    return not _ignorable(word, timed=timed) and not _no_noun(word) and bool(vocab.uncovered(word, known=known))


def question_tokens(question: str) -> list[tuple[str, bool]]:
    """The question's words in order, lower case, each flagged when it is written as a value.

    Values: quoted text, numbers and codes (``TR001``), and words capitalised inside a sentence
    (names: ``Texas``, ``Spider-Man``). An acronym (``GDP``, ``APR``, ``USD``)
    names a concept as often as a value, so it is a word like any other: the
    data covers it when it holds it (``USD`` in a currency column). Sentence
    ends are kept as ``"."`` tokens so that no phrase spans two sentences.
    """
    out: list[tuple[str, bool]] = []
    start = True
    for m in _TOKEN.finditer(question):
        text = m.group(0)
        if text in _END:
            out.append((".", False))
            start = True
            continue
        quoted = text[0] in "'\""
        acronym = text.isalpha() and text.isupper() and len(text) > 1  # GDP, APR: a concept unless the data holds it
        value = quoted or any(c.isdigit() for c in text) or (text[0].isupper() and not start and not acronym)
        out.append((text.strip("'\"").lower(), value))
        start = False
    return out


def candidate_phrases(tokens: list[tuple[str, bool]]) -> list[str]:
    """Spans of 1..MAX_SPAN consecutive words that start and end with a content word (not a stop word, not a value)."""
    def content(i: int) -> bool:
        text, is_value = tokens[i]
        return text != "." and not is_value and text not in STOPWORDS and text not in QUERY_WORDS and bool(words(text))

    out: dict[str, None] = {}
    for i in range(len(tokens)):
        if not content(i):
            continue
        for j in range(i, min(i + MAX_SPAN, len(tokens))):
            if tokens[j][0] == ".":
                break
            if content(j):
                out[" ".join(t for t, _ in tokens[i : j + 1])] = None
    return list(out)[:MAX_PHRASES]
