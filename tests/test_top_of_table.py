"""A ranked column asked for over the whole table keeps its top row (engine/top_of_table.py), on real data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.executor import Executor
from engine.settings import Settings
from engine.top_of_table import rank_whole_table
from engine.validator import validate
from engine.values import probe_executor

SETUP = """
CREATE TABLE ranges (range_name text, tallest_summit text, tallest_height int, coldest_town text, coldest_temp int);
INSERT INTO ranges VALUES ('north', 'mount ash', 2100, 'frostby', -30), ('south', 'cape hill', 900, 'warmby', -5),
                          ('east', 'grey top', 1500, 'icedale', -12);
"""


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with probe_executor(url, Settings()) as probe:
        yield schema, probe


@pytest.mark.parametrize(
    ("sql", "question", "expected", "rows"),
    [
        (
            "SELECT r.tallest_summit FROM ranges AS r",
            "Which is the tallest summit of the whole land?",
            "SELECT r.tallest_summit FROM ranges AS r ORDER BY r.tallest_height DESC NULLS LAST LIMIT 1",
            [["mount ash"]],
        ),
        (
            "SELECT coldest_town, coldest_temp FROM ranges",
            "where is the coldest town of the land",
            "SELECT coldest_town, coldest_temp FROM ranges ORDER BY ranges.coldest_temp ASC LIMIT 1",
            [["frostby", -30]],
        ),
        (
            "SELECT tallest_height FROM ranges",
            "What is the tallest height on record?",
            "SELECT tallest_height FROM ranges ORDER BY ranges.tallest_height DESC NULLS LAST LIMIT 1",
            [[2100]],
        ),
    ],
)
def test_the_singular_superlative_keeps_the_top_row(db, sql: str, question: str, expected: str, rows: list[list[object]]) -> None:
    schema, probe = db
    assert len(probe.run(sql).rows) == 3
    out, fixes = rank_whole_table(sql, schema, question)
    assert out == expected and len(fixes) == 1
    assert probe.run(validate(out, schema).sql).rows == rows


@pytest.mark.parametrize(
    ("sql", "question"),
    [
        ("SELECT tallest_summit FROM ranges", "Name the tallest summits of the ranges"),  # plural: every row's
        ("SELECT range_name, tallest_summit FROM ranges", "What is the tallest summit in each range?"),
        ("SELECT tallest_summit FROM ranges", "List the tallest summit of all ranges"),
        ("SELECT tallest_summit FROM ranges WHERE range_name = 'south'", "What is the tallest summit in the south?"),  # a condition picks rows
        ("SELECT tallest_summit FROM ranges ORDER BY tallest_height LIMIT 2", "What is the tallest summit?"),  # ordered already
        ("SELECT MAX(tallest_height) FROM ranges", "What is the tallest height?"),  # aggregated already
        ("SELECT range_name FROM ranges", "What is the tallest summit?"),  # no ranked column selected
        ("SELECT tallest_summit FROM ranges", "Name the summits"),  # the question does not ask for the top
    ],
)
def test_other_queries_stay(db, sql: str, question: str) -> None:
    schema, _ = db
    assert rank_whole_table(sql, schema, question) == (sql, [])
