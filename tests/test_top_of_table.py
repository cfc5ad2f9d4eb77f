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
CREATE TABLE peaks (region text, highest_point text, highest_elevation int, lowest_point text, lowest_elevation int);
INSERT INTO peaks VALUES ('north', 'mount ash', 2100, 'north shore', 0), ('south', 'cape hill', 900, 'salt flat', -20),
                         ('east', 'grey top', 1500, 'east bay', 0);
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
            "SELECT p.highest_point FROM peaks AS p",
            "What is the highest point in the country?",
            "SELECT p.highest_point FROM peaks AS p ORDER BY p.highest_elevation DESC NULLS LAST LIMIT 1",
            [["mount ash"]],
        ),
        (
            "SELECT lowest_point, lowest_elevation FROM peaks",
            "where is the lowest point of the land",
            "SELECT lowest_point, lowest_elevation FROM peaks ORDER BY peaks.lowest_elevation ASC LIMIT 1",
            [["salt flat", -20]],
        ),
        (
            "SELECT highest_elevation FROM peaks",
            "How high is the highest elevation here?",
            "SELECT highest_elevation FROM peaks ORDER BY peaks.highest_elevation DESC NULLS LAST LIMIT 1",
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
        ("SELECT highest_point FROM peaks", "What are the highest points of the regions?"),  # plural: every row's
        ("SELECT region, highest_point FROM peaks", "What is the highest point in each region?"),
        ("SELECT highest_point FROM peaks", "List the highest point of all regions"),
        ("SELECT highest_point FROM peaks WHERE region = 'south'", "What is the highest point in the south?"),  # a condition picks rows
        ("SELECT highest_point FROM peaks ORDER BY highest_elevation LIMIT 2", "What is the highest point?"),  # ordered already
        ("SELECT MAX(highest_elevation) FROM peaks", "What is the highest elevation?"),  # aggregated already
        ("SELECT region FROM peaks", "What is the highest point?"),  # no ranked column selected
        ("SELECT highest_point FROM peaks", "Name the peaks"),  # the question does not ask for the top
    ],
)
def test_other_queries_stay(db, sql: str, question: str) -> None:
    schema, _ = db
    assert rank_whole_table(sql, schema, question) == (sql, [])
