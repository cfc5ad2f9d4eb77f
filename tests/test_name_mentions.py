"""A value the question calls by the table's noun compares the table's name column (engine/name_mentions.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.executor import Executor
from engine.name_mentions import compare_named_values
from engine.settings import Settings
from engine.validator import validate
from engine.values import database_occurs, probe_executor

# Streams named like the regions they run through; 'avon' is both a stream and a region.
SETUP = """
CREATE TABLE stream (stream_name text, region text, length int);
INSERT INTO stream VALUES ('avon', 'avon', 120), ('avon', 'wessex', 40), ('severn', 'avon', 350), ('severn', 'mercia', 200), ('trent', 'avon', 280);
CREATE TABLE fell (fell_id int, label text, region text);
INSERT INTO fell VALUES (1, 'avon', 'avon');
"""
TO_NAME = "region = 'avon' -> stream_name = 'avon' (the question calls 'avon' a stream)"


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with probe_executor(url, Settings()) as probe:
        yield schema, probe


@pytest.mark.parametrize(
    "question",
    ["How many Avon streams are there?", "how long is the avon stream", "How many streams are called Avon?", "count the streams named avon"],
)
def test_a_value_called_by_the_table_noun_compares_its_name(db, question: str) -> None:
    schema, probe = db
    sql = "SELECT COUNT(*) FROM stream WHERE region = 'avon'"
    assert probe.run(sql).rows == [[3]]  # the streams of the avon region
    out, fixes = compare_named_values(sql, schema, question, database_occurs(probe))
    assert (out, fixes) == ("SELECT COUNT(*) FROM stream WHERE stream_name = 'avon'", [TO_NAME])
    assert probe.run(validate(out, schema).sql).rows == [[2]]


@pytest.mark.parametrize(
    ("sql", "question"),
    [
        # the question names the region, not a stream
        ("SELECT COUNT(*) FROM stream WHERE region = 'avon'", "How many streams run through avon?"),
        ("SELECT COUNT(*) FROM stream WHERE region = 'avon'", "How many streams does the avon region have?"),
        # the query already selects the name column: the literal would answer itself
        ("SELECT stream_name FROM stream WHERE region = 'avon'", "Which streams are in the avon stream area?"),
        # the name column does not store the value
        ("SELECT COUNT(*) FROM stream WHERE region = 'wessex'", "How many wessex streams are there?"),
        # no name column by the table's name
        ("SELECT COUNT(*) FROM fell WHERE region = 'avon'", "How many avon fells are there?"),
    ],
)
def test_other_comparisons_stay(db, sql: str, question: str) -> None:
    schema, probe = db
    assert compare_named_values(sql, schema, question, database_occurs(probe)) == (sql, [])
