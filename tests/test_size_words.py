"""Size words rank by area (engine/size_words.py), on a real database."""

from __future__ import annotations

import pytest

from engine.executor import Executor
from engine.settings import Settings
from engine.rewrites import rewrite
from engine.size_words import rank_size_by_area
from engine.validator import validate
from engine.values import ValueIndex, probe_executor

SETUP = """
CREATE TABLE province (name text, population bigint, area double precision, capital text);
INSERT INTO province VALUES ('vast', 1000, 900.5, 'a'), ('crowded', 90000, 12.0, 'b'), ('tiny', 10, 1.5, 'c');
CREATE TABLE town (name text, province text, population bigint);
INSERT INTO town VALUES ('a', 'vast', 50), ('b', 'crowded', 80000), ('c', 'tiny', 5);
CREATE TABLE district (name text, population bigint, land_area int, water_area int);
CREATE TABLE exchange (name text, population bigint, area_code int);
"""


@pytest.fixture(scope="module")
def db(make_schema_db):
    return make_schema_db(SETUP)


def test_the_largest_province_is_the_one_with_the_most_land(db) -> None:
    _, schema = db
    out, fixes = rank_size_by_area("SELECT name FROM province ORDER BY population DESC LIMIT 1", schema, "what is the largest province?")
    assert out == "SELECT name FROM province ORDER BY area DESC LIMIT 1"
    assert fixes == ["population -> area: a size word ranks province by area"]


def test_a_comparison_with_the_extreme_moves_with_it(db) -> None:
    url, schema = db
    sql = (
        "SELECT t.name FROM town t JOIN province p ON t.province = p.name "
        "WHERE p.population = (SELECT MIN(population) FROM province)"
    )
    out, fixes = rank_size_by_area(sql, schema, "which towns are in the smallest province?")
    assert out == (
        "SELECT t.name FROM town AS t JOIN province AS p ON t.province = p.name "
        "WHERE p.area = (SELECT MIN(area) FROM province)"
    )
    assert len(fixes) == 2
    with Executor(url, Settings()) as executor:
        assert executor.run(out).rows == [["c"]]


@pytest.mark.parametrize(
    ("sql", "question"),
    [
        ("SELECT name FROM province ORDER BY population DESC LIMIT 1", "which province is the most populous?"),
        ("SELECT name FROM province ORDER BY population DESC LIMIT 1", "which province has the largest population?"),
        ("SELECT name FROM province ORDER BY population DESC LIMIT 1", "which province is biggest by population?"),
        ("SELECT name FROM province ORDER BY population DESC LIMIT 1", "which province has the most people?"),  # no size word
        ("SELECT name FROM town ORDER BY population DESC LIMIT 1", "what is the largest town?"),  # towns record no area
        ("SELECT name FROM district ORDER BY population DESC LIMIT 1", "what is the largest district?"),  # two area columns
        ("SELECT name FROM exchange ORDER BY population DESC LIMIT 1", "what is the largest exchange?"),  # a code, not an area
        ("SELECT name FROM province ORDER BY area DESC LIMIT 1", "what is the largest province?"),  # already by area
        # DISTINCT orders only by what it selects: ORDER BY area would be refused
        ("SELECT DISTINCT name, population FROM province ORDER BY population DESC", "list the provinces from largest to smallest"),
    ],
)
def test_population_stays_where_the_question_or_the_table_says_so(db, sql: str, question: str) -> None:
    _, schema = db
    assert rank_size_by_area(sql, schema, question) == (sql, [])


def test_with_the_other_rewrites_distinct_and_limit_stay_valid(db) -> None:
    url, schema = db
    with probe_executor(url, Settings()) as probe:
        values = ValueIndex.build(schema, probe)
        question = "what is the population of the largest province?"
        done = rewrite("SELECT DISTINCT population FROM province ORDER BY population DESC LIMIT 1", schema, question, probe=probe, values=values, named_values=[])
        assert "population -> area: a size word ranks province by area" in done.sql_fixes
        assert probe.run(validate(done.sql, schema).sql).rows == [[1000]]  # the vast province's people
