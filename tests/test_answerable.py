"""Unanswerable questions: the schema's vocabulary, the check_answerable decision, and the refusal end to end.

The matching is deterministic and tested on two unrelated schemas (a shop built
in memory, a lending library in a real PostgreSQL with camelCase names,
comments and sampled values); the decision runs on the scripted backend, which
goes through the real grammar; the refusal goes through Session.ask on the
real database.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.database.executor import Executor
from engine.errors import ExitCode
from engine.models.scripted import ScriptRejectedByGrammar, scripted_model
from engine.schema import Column, Schema, Table
from engine.schema.vocabulary import SchemaVocabulary
from engine.session import Session, exit_code_of
from engine.settings import Settings
from programs.check_answerable import candidate_phrases, check_answerable, question_tokens
from tests.schema_fixtures import shop_schema

LIBRARY_SQL = """
CREATE TABLE "libMember" (member_id int PRIMARY KEY, full_name text NOT NULL, joined_on date NOT NULL);
CREATE TABLE lendingBranch (branch_id int PRIMARY KEY, branch_name text NOT NULL, district text);
COMMENT ON TABLE lendingBranch IS 'Where the volumes are kept';
CREATE TABLE loan (
  loan_id int PRIMARY KEY,
  member_id int REFERENCES "libMember"(member_id),
  branch_id int REFERENCES lendingBranch(branch_id),
  title text NOT NULL,
  loan_state text NOT NULL
);
COMMENT ON COLUMN loan.title IS 'title of the borrowed volume';
INSERT INTO "libMember" VALUES (1, 'Ada Byron', '2023-01-05'), (2, 'Alan Turing', '2023-02-11'), (3, 'Grace Hopper', '2024-03-01');
INSERT INTO lendingBranch VALUES (1, 'Riverside', 'north'), (2, 'Old Town', 'south');
INSERT INTO loan VALUES (1, 1, 1, 'Dune', 'returned'), (2, 1, 2, 'Emma', 'overdue'), (3, 2, 1, 'Ulysses', 'returned'), (4, 3, 2, 'Beloved', 'open');
"""


@pytest.fixture(scope="module")
def library(make_schema_db) -> tuple[str, object]:
    return make_schema_db(LIBRARY_SQL)


# -- the deterministic part: what a schema covers ------------------------------------------------


@pytest.mark.parametrize(
    ("word", "covered"),
    [
        ("customer", True),  # a table name, singular stem of "customers"
        ("products", True),  # a plural folds onto the table's stem
        ("quantity", True),  # a column name
        ("people", True),  # a table comment
        ("cancelled", True),  # a sampled value
        ("ordered", True),  # an inflection of "order"
        ("category", True),
        ("email", False),
        ("salary", False),
        ("warehouse", False),
    ],
)
def test_shop_vocabulary(word: str, covered: bool) -> None:
    vocab = SchemaVocabulary.build(shop_schema())
    assert vocab.covers(word) is covered


@pytest.mark.parametrize(
    ("word", "covered"),
    [
        ("member", True),  # inside the quoted camelCase name libMember
        ("lending", True),  # inside lendingbranch: PostgreSQL folded the unquoted camelCase name
        ("branch", True),
        ("volume", True),  # only in comments
        ("borrowed", True),
        ("district", True),
        ("joined", True),
        ("fine", False),
        ("email", False),
        ("isbn", False),
    ],
)
def test_library_vocabulary_from_a_real_database(library, word: str, covered: bool) -> None:
    _, schema = library
    assert SchemaVocabulary.build(schema).covers(word) is covered


def test_the_same_word_is_covered_by_one_schema_and_not_the_other(library) -> None:
    shop, lib = SchemaVocabulary.build(shop_schema()), SchemaVocabulary.build(library[1])
    assert shop.uncovered("the customer's city and the branch district") == ["branch", "district"]
    assert lib.uncovered("the customer's city and the branch district") == ["customer", "city"]


def test_values_are_never_concepts() -> None:
    tokens = question_tokens("What is the email of 'Ann Lee' in Paris? List 3 orders.")
    assert ("ann lee", True) in tokens and ("paris", True) in tokens and ("3", True) in tokens
    phrases = candidate_phrases(tokens)
    assert "email" in phrases and "orders" in phrases
    assert not any("paris" in p or "ann" in p for p in phrases)
    assert not any(p.startswith("list") for p in phrases)  # a word of asking never starts or ends a phrase


def test_an_acronym_is_a_concept_unless_the_data_holds_it() -> None:
    tokens = question_tokens("List each customer by GDP in USD. Which order is AB12?")
    assert ("gdp", False) in tokens and ("usd", False) in tokens and ("ab12", True) in tokens  # a code with digits stays a value
    model = scripted_model({"check_answerable": ['{"asks": ["gdp"]}']})
    assert check_answerable(model, shop_schema(), "List each customer by GDP").missing == ["gdp"]
    q = "How many orders were paid in USD?"
    assert check_answerable(scripted_model({}), shop_schema(), q).method == "model"  # usd: no schema word, so the model is asked
    assert check_answerable(scripted_model({}), shop_schema(), q, values=["usd"]).method == "lexical"  # the data holds it
    # ID: an acronym, and like "record" or "row" a word of asking that every table answers, never the missing thing,
    # even where no column is named with it (stallno)
    stalls = Schema(database="market", tables=[Table(schema_name="public", name="stall", columns=[Column(name="stallno", type="integer"), Column(name="owner", type="text")], primary_key=["stallno"])])
    assert check_answerable(scripted_model({}), stalls, "Return the stall ID and owner of each stall").method == "lexical"
    assert check_answerable(scripted_model({}), stalls, "Return the stall's ID and rent").method == "model"  # rent: still a concept


# -- the decision, scripted ----------------------------------------------------------------------


def test_a_missing_concept_is_named() -> None:
    model = scripted_model({"check_answerable": ['{"asks": ["email"]}']})
    result = check_answerable(model, shop_schema(), "What is the email of each customer?")
    assert result.verdict == "missing" and result.missing == ["email"] and "'email'" in result.reason
    assert model.lm.engine.generated == [("check_answerable", '{"asks": ["email"]}'), ("phrase_kind", "noun")]  # the neutral kind
    assert result.usage.output_tokens > 0 and "Decision: check_answerable" in result.prompt


def test_an_uncovered_action_is_not_missing_data() -> None:
    """A phrase the schema does not spell is missing only when the model reads it as a noun (a thing, not an action)."""
    q = "Which customers barter over the email of an order?"
    model = scripted_model({"check_answerable": ['{"asks": ["barter", "email"]}'], "phrase_kind": ["verb", "noun"]})
    result = check_answerable(model, shop_schema(), q)
    assert (result.verdict, result.missing, result.not_data) == ("missing", ["email"], ["barter"])
    assert model.lm.engine.generated[1:] == [("phrase_kind", "verb"), ("phrase_kind", "noun")]
    assert "'barter'" not in result.reason
    model = scripted_model({"check_answerable": ['{"asks": ["barter"]}'], "phrase_kind": ["other"]})
    assert check_answerable(model, shop_schema(), q).verdict == "answerable"
    with pytest.raises(ScriptRejectedByGrammar):  # the grammar admits the three kinds only
        check_answerable(scripted_model({"check_answerable": ['{"asks": ["barter"]}'], "phrase_kind": ["adverb"]}), shop_schema(), q)


def test_the_head_word_decides() -> None:
    model = scripted_model({"check_answerable": ['{"asks": ["customer loyalty tier"]}', '{"asks": ["tier customers"]}']})
    q = "Which tier customers have the highest customer loyalty tier?"
    assert check_answerable(model, shop_schema(), q).missing == ["customer loyalty tier"]  # head: tier
    assert check_answerable(model, shop_schema(), q).verdict == "answerable"  # head: customers


def test_a_function_word_is_never_the_missing_thing() -> None:
    """Prepositions, pronouns and negation cannot name stored data, even when the model copies one; a noun beside one still can."""
    model = scripted_model({"check_answerable": ['{"asks": ["without"]}', '{"asks": ["his"]}', '{"asks": ["cannot"]}', '{"asks": ["without warehouse"]}']})
    q = "Which customers without a city placed orders his friends cannot see, without warehouse help?"
    assert [check_answerable(model, shop_schema(), q).verdict for _ in range(3)] == ["answerable"] * 3
    assert check_answerable(model, shop_schema(), q).missing == ["without warehouse"]  # head: warehouse


def test_an_action_is_not_a_stored_thing() -> None:
    model = scripted_model({"check_answerable": ['{"asks": ["delivered"]}', '{"asks": ["products were delivered"]}', '{"asks": ["warehouse"]}']})
    q = "Which products were delivered from the warehouse?"
    assert check_answerable(model, shop_schema(), q).verdict == "answerable"  # a participle alone names no data
    assert check_answerable(model, shop_schema(), q).verdict == "answerable"  # its head is the noun before it
    assert check_answerable(model, shop_schema(), q).missing == ["warehouse"]


@pytest.mark.parametrize("word", ["vanish", "sold", "priciest", "newer", "rarely", "arrive"])
def test_a_word_with_no_noun_reading_is_never_the_missing_thing(word: str) -> None:
    """The lexicon knows these only as verbs, adjectives or adverbs: no model call, no refusal, whatever the model copied."""
    model = scripted_model({"check_answerable": [f'{{"asks": ["{word}"]}}', f'{{"asks": ["warehouse {word}"]}}']})
    q = f"List the orders the warehouse {word}."
    assert check_answerable(model, shop_schema(), q).verdict == "answerable"
    assert check_answerable(model, shop_schema(), q).missing == [f"warehouse {word}"]  # head: the noun before it
    assert check_answerable(scripted_model({}), shop_schema(), f"Which customers {word} orders?").method == "lexical"


def test_a_word_that_can_be_a_noun_is_still_asked_about() -> None:
    """``visits`` is a noun or a verb: the lexicon does not decide, the model's reading of the question does."""
    model = scripted_model({"check_answerable": ['{"asks": ["visits"]}'] * 2, "phrase_kind": ["noun", "verb"]})
    q = "How many visits did customers make?"
    no_dates = shop_schema().model_copy(deep=True)
    for table in no_dates.tables:
        table.columns = [c for c in table.columns if c.type_class != "temporal"]
    assert check_answerable(model, no_dates, q).missing == ["visits"]
    assert check_answerable(model, no_dates, q).verdict == "answerable"


def test_json_backends_say_the_kind_too() -> None:
    """Remote models (no select grammar) answer the kind as JSON."""
    q = "Which customers barter over the email of an order?"
    script = {"check_answerable": ['{"asks": ["barter"]}'] * 2, "phrase_kind": ['{"kind": "verb"}', '{"kind": "noun"}']}
    model = scripted_model(script, grammar=False)
    assert check_answerable(model, shop_schema(), q).not_data == ["barter"]
    assert check_answerable(model, shop_schema(), q).missing == ["barter"]


def test_the_model_can_only_copy_the_question() -> None:
    model = scripted_model({"check_answerable": ['{"asks": ["phone"]}']})
    with pytest.raises(ScriptRejectedByGrammar):
        check_answerable(model, shop_schema(), "What is the email of each customer?")


def test_every_word_covered_asks_no_model() -> None:
    model = scripted_model({})  # any model call would fail
    for q in ["How many orders were cancelled?", "Show the total amount of orders per month in 2024", "List the products of category 'toys'"]:
        result = check_answerable(model, shop_schema(), q)
        assert (result.verdict, result.method) == ("answerable", "lexical"), q
    assert model.lm.engine.generated == []


def test_calendar_words_need_a_date_column(library) -> None:
    shop, lib = shop_schema(), library[1]
    assert check_answerable(scripted_model({}), shop, "How many orders per year?").method == "lexical"  # ordered_at is a timestamp
    no_dates = lib.model_copy(deep=True)
    for table in no_dates.tables:
        table.columns = [c for c in table.columns if c.type_class != "temporal"]
    model = scripted_model({"check_answerable": ['{"asks": ["year"]}']})
    assert check_answerable(model, no_dates, "In what year did each branch open?").missing == ["year"]


def test_stored_values_the_question_names_count_as_present() -> None:
    model = scripted_model({"check_answerable": ['{"asks": ["gold"]}']})
    q = "How many gold customers are there?"
    assert check_answerable(model, shop_schema(), q).missing == ["gold"]
    assert check_answerable(scripted_model({}), shop_schema(), q, values=["gold"]).method == "lexical"


# -- the refusal end to end, on a real PostgreSQL ----------------------------------------------


def _ask(url: str, tmp_path: Path, script: dict[str, list[str]], question: str):
    settings = Settings(database_url=url, cache_dir=tmp_path / "cache", data_dir=tmp_path / "data", check_answerable=True)
    with Session(settings=settings, model=scripted_model(script)) as session:
        return session.ask(question)


def test_a_question_about_missing_data_is_refused(library, tmp_path: Path) -> None:
    url, _ = library
    script = {"choose_flow": ["SELECT"], "check_answerable": ['{"asks": ["email address"]}'], "plan_sql": ["SELECT full_name FROM \"libMember\""]}
    answer = _ask(url, tmp_path, script, "What is the email address of each member?")
    assert answer.status == "refused" and answer.error.code == "not_in_database"
    assert "'email address'" in answer.refusal_reason and answer.error.message == answer.refusal_reason
    assert exit_code_of(answer) == ExitCode.REFUSED
    assert [d.program for d in answer.decisions] == ["select_tables", "choose_flow", "check_answerable"]  # no SQL was planned
    assert [d.calls for d in answer.decisions] == [0, 1, 2] and answer.usage.llm_calls == 3  # the check asked twice: phrases, then kind
    assert answer.decisions[-1].output["missing"] == ["email address"] and answer.rows == [] and answer.sql is None
    assert json.loads(answer.model_dump_json())["error"]["code"] == "not_in_database"


def test_an_answerable_question_passes_through(library, tmp_path: Path) -> None:
    url, _ = library
    sql = "SELECT count(*) FROM loan WHERE loan_state = 'returned'"
    with Executor(url, Settings(database_url=url)) as ex:
        truth = ex.run(sql).rows
    script = {"choose_flow": ["SELECT"], "check_answerable": ['{"asks": ["loans", "members"]}'], "plan_sql": [sql]}
    answer = _ask(url, tmp_path, script, "How many loans were handed back by members?")  # handed, back: the model is asked
    assert answer.status == "ok" and answer.error is None, answer.error
    assert [d.program for d in answer.decisions] == ["select_tables", "choose_flow", "check_answerable", "plan_sql"]
    assert answer.decisions[2].output == {"verdict": "answerable", "asks": ["loans", "members"], "missing": [], "not_data": [], "method": "model"}
    assert answer.rows == truth == [[2]]
    answer = _ask(url, tmp_path, script, "How many loans were returned by members?")  # every word names something: no model call
    assert answer.status == "ok" and answer.rows == truth
    assert [d.program for d in answer.decisions] == ["select_tables", "choose_flow", "plan_sql"]


def test_a_write_request_is_refused_before_the_check(library, tmp_path: Path) -> None:
    url, _ = library
    answer = _ask(url, tmp_path, {"choose_flow": ["DELETE"]}, "Delete every member's fax number")  # fax: missing too, but the write decides first
    assert answer.error.code == "refused_by_decision" and "check_answerable" not in [d.program for d in answer.decisions]
