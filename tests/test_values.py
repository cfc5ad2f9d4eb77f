"""Value linking against a real database: question n-grams found among stored values, and the value steps
(``grounding``, ``question_literals``) run through ``rewrite``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.database.executor import Executor
from engine.settings import Settings
from engine.values.index import (
    MAX_HINT_COLUMNS,
    ValueIndex,
    ValueMatch,
    probe_executor,
    value_hints,
)
from tests.rewrite_steps import run_step

SETUP = """
CREATE TABLE region (region_name text, capital text, area int);
INSERT INTO region VALUES ('north dale', 'oakton', 10), ('south dale', 'elmwood', 20), ('westmark', 'oakton bay', 30),
                          ('Mixed', 'x', 1), ('mixed', 'y', 2);
CREATE TABLE stream (stream_name text, region_name text, length int);
INSERT INTO stream VALUES ('silver', 'north dale', 5), ('silver creek falls', 'south dale', 7), ('amber', 'westmark', 3);
CREATE TABLE hamlet (hamlet_name text, county text, founder text, size int);
INSERT INTO hamlet VALUES ('ashby', 'dunmore', 'wren', 3), ('brook', 'ashby', 'wren', 5), ('crest', 'ashby', 'hale', 8);
"""


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with probe_executor(url, Settings()) as probe:
        yield schema, probe


def test_the_index_finds_multiword_values_in_every_column_that_holds_them(db) -> None:
    schema, probe = db
    index = ValueIndex.build(schema, probe)
    assert index.complete and index.columns == 7  # the text columns of region, stream and hamlet
    matches = index.matches("Which streams run through North Dale, and how long is the silver?")
    assert {(m.table, m.column, m.value) for m in matches} == {
        ("region", "region_name", "north dale"),
        ("stream", "region_name", "north dale"),
        ("stream", "stream_name", "silver"),
    }
    assert value_hints(matches) == ["'north dale' (region.region_name, stream.region_name)", "'silver' (stream.stream_name)"]


def test_a_value_held_by_many_columns_gets_no_hint() -> None:
    everywhere = [ValueMatch(text="north dale", value="north dale", table=f"t{i}", column="region_name") for i in range(MAX_HINT_COLUMNS + 1)]
    rare = ValueMatch(text="oakton", value="oakton", table="region", column="capital")
    assert value_hints([*everywhere, rare]) == ["'oakton' (region.capital)"]


def test_a_value_the_question_names_twice_is_hinted_once_per_column() -> None:
    twice = [ValueMatch(text="oakton", value="oakton", table="region", column=c) for c in ("capital", "capital", "region_name", "region_name")]
    assert value_hints(twice) == ["'oakton' (region.capital, region.region_name)"]


def test_common_words_and_short_words_are_not_value_evidence(db) -> None:
    schema, probe = db
    index = ValueIndex.build(schema, probe)
    assert index.matches("how many of the regions are there") == []


@pytest.mark.parametrize(
    ("sql", "expected", "fixed"),
    [
        ("SELECT area FROM region WHERE region_name = 'North Dale'", "'north dale'", True),  # case
        ("SELECT r.area FROM region r WHERE r.capital = 'oakton bay area'", "'oakton bay'", True),  # longest contained value
        ("SELECT length FROM stream s WHERE s.stream_name IN ('Amber', 'silver')", "'amber'", True),
        ("SELECT area FROM region WHERE region_name <> 'WESTMARK'", "'westmark'", True),
        ("SELECT area FROM region WHERE region_name = 'north dale'", "'north dale'", False),  # occurs: kept
        ("SELECT area FROM region WHERE region_name = 'MIXED'", "'MIXED'", False),  # two values equal ignoring case
        ("SELECT area FROM region WHERE region_name = 'dale'", "'dale'", False),  # contained in two values
        ("SELECT area FROM region WHERE capital = 'oakton'", "'oakton'", False),
        # unqualified column present in both tables: not resolvable, not touched
        ("SELECT 1 FROM region, stream WHERE region_name = 'North Dale'", "'North Dale'", False),
        ("SELECT area FROM region WHERE area = 10 AND 'x' = 'x'", "area = 10", False),
        ("SELECT FROM WHERE (", "(", False),  # does not parse: unchanged for the validator to refuse
        ("SELECT area FROM region WHERE capital = 'oak", "'oak", False),  # cut inside a string: does not tokenize
    ],
)
def test_grounding_replaces_only_literals_that_denote_one_stored_value(db, sql: str, expected: str, fixed: bool) -> None:
    schema, probe = db
    done = run_step("grounding", sql, schema, probe=probe)
    assert expected in done.sql
    assert bool(done.fixes) == fixed and done.fixes == done.value_fixes  # every grounding is a value fix: it names its column
    if not fixed:
        assert done.sql == sql


def test_grounded_query_returns_the_rows_the_literal_meant(db) -> None:
    schema, probe = db
    done = run_step("grounding", "SELECT s.stream_name FROM stream s WHERE s.region_name = 'North Dale'", schema, probe=probe)
    assert [(f.kind, f.column, f.before, f.after) for f in done.fixes] == [("grounding", "stream.region_name", "North Dale", "north dale")]
    assert probe.run(done.sql).rows == [["silver"]]


@pytest.mark.parametrize(
    ("sql", "notes"),
    [
        # the query's own table first (the smallest repair), then the others
        ("SELECT length FROM stream WHERE stream_name = 'westmark'", ["'westmark' is stored in stream.region_name, region.region_name, not in stream.stream_name"]),
        ("SELECT area FROM region WHERE capital = 'westmark'", ["'westmark' is stored in region.region_name, stream.region_name, not in region.capital"]),
        ("SELECT s.length FROM stream s WHERE s.length = 'Silver'", ["'silver' is stored in stream.stream_name, not in stream.length"]),  # an int column
        ("SELECT length FROM stream WHERE region_name = 'westmark'", []),  # compared with a column that holds it
        ("SELECT length FROM stream WHERE stream_name = 'nowhere'", []),  # stored nowhere: nothing to say
        ("SELECT length FROM stream WHERE stream_name = 'unterminated", []),
    ],
)
def test_a_repair_learns_where_a_misplaced_literal_is_stored(db, sql: str, notes: list[str]) -> None:
    schema, probe = db
    assert ValueIndex.build(schema, probe).misplaced_literals(sql, schema) == notes


@pytest.mark.parametrize(
    ("question", "sql", "expected"),
    [
        (  # the model wrote a neighbouring stored value; the question names another one of that column
            "how long is the amber stream?",
            "SELECT length FROM stream WHERE stream_name = 'silver'",
            "SELECT length FROM stream WHERE stream_name = 'amber'",
        ),
        ("how long is the silver stream?", "SELECT length FROM stream WHERE stream_name = 'silver'", None),  # the question says it
        ("how long are the streams?", "SELECT length FROM stream WHERE stream_name = 'silver'", None),  # the question names no stream
        (  # the question names two streams: which one was meant is not clear
            "is the amber longer than silver creek falls?",
            "SELECT length FROM stream WHERE stream_name = 'gold'",
            None,
        ),
        (  # the model lengthened the question's words into a value of another column; the words are a region_name
            "how long is the stream in westmark?",
            "SELECT length FROM stream WHERE stream_name = 'westmark river'",
            "SELECT length FROM stream WHERE region_name = 'westmark'",
        ),
        ("how long is the stream in westmark?", "SELECT length FROM stream WHERE stream_name <> 'westmark river'", None),  # only =
        ("hamlets of ashby", "SELECT hamlet_name FROM hamlet WHERE founder = 'ashby lane'", None),  # two other columns hold it
        (  # the named value is already used elsewhere in the query
            "streams in westmark other than amber",
            "SELECT stream_name FROM stream WHERE region_name = 'westmark' AND stream_name <> 'amber' AND stream_name <> 'silver'",
            None,
        ),
    ],
)
def test_a_literal_the_question_never_mentions_becomes_the_value_it_names(db, question: str, sql: str, expected: str | None) -> None:
    schema, probe = db
    named = ValueIndex.build(schema, probe).matches(question)
    done = run_step("question_literals", sql, schema, question=question, named_values=named)
    assert done.sql == (expected or sql)
    assert [f.kind for f in done.value_fixes] == (["question_literals"] if expected else []) and done.sql_fixes == []
    if expected:
        assert probe.run(done.sql).rows == [[3]]
