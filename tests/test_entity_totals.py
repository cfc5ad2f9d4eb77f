"""A sum over detail rows read from the entity's own row instead (engine/entity_totals.py), on real data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.entity_totals import database_one_row, take_entity_totals
from engine.executor import Executor
from engine.settings import Settings
from engine.validator import validate
from engine.values import probe_executor

# Regions store their own population; the towns listed cover only part of it. 'south' is listed twice.
SETUP = """
CREATE TABLE regions (region text, country text, population bigint, capital text);
INSERT INTO regions VALUES ('east', 'norway', 900000, 'oslo'), ('west', 'norway', 600000, 'bergen'),
                           ('south', 'norway', 300000, 'kristiansand'), ('south', 'sweden', 200000, 'malmo');
CREATE TABLE towns (town text, region text, country text, population bigint);
INSERT INTO towns VALUES ('oslo', 'east', 'norway', 700000), ('drammen', 'east', 'norway', 100000), ('bergen', 'west', 'norway', 280000);
CREATE TABLE lakes (lake text, region text, area double precision);
INSERT INTO lakes VALUES ('mjosa', 'east', 365.0), ('tyrifjorden', 'east', 137.0);
"""
TOOK_REGIONS = "took population from the one regions row the conditions name, which stores the total, instead of summing towns rows"


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with probe_executor(url, Settings()) as probe:
        yield schema, probe


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT SUM(population) FROM towns WHERE region = 'east'", "SELECT SUM(population) FROM regions WHERE region = 'east'"),
        (
            "SELECT SUM(t.population) AS people FROM towns AS t WHERE t.country = 'norway' AND t.region = 'east' LIMIT 10",
            "SELECT SUM(t.population) AS people FROM regions AS t WHERE t.country = 'norway' AND t.region = 'east' LIMIT 10",
        ),
        ("SELECT SUM(towns.population) FROM towns WHERE towns.region = 'east'", "SELECT SUM(regions.population) FROM regions WHERE regions.region = 'east'"),
    ],
)
def test_the_entity_row_gives_the_total(db, sql: str, expected: str) -> None:
    schema, probe = db
    assert probe.run(sql).rows == [[800000]]  # only the towns the database lists
    out, fixes = take_entity_totals(sql, schema, "How many people live in the east?", database_one_row(probe))
    assert (out, fixes) == (expected, [TOOK_REGIONS])
    assert probe.run(validate(out, schema).sql).rows == [[900000]]


@pytest.mark.parametrize(
    ("sql", "question"),
    [
        # the question asks about the towns themselves
        ("SELECT SUM(population) FROM towns WHERE region = 'east'", "How many people live in the towns of the east?"),
        # 'south' names two regions rows: no single stored total
        ("SELECT SUM(population) FROM towns WHERE region = 'south'", "How many people live in the south?"),
        # no regions row at all for the condition
        ("SELECT SUM(population) FROM towns WHERE region = 'north'", "How many people live in the north?"),
        # a column regions does not have
        ("SELECT SUM(population) FROM towns WHERE town = 'oslo'", "How many people live in oslo?"),
        # area is not stored per region
        ("SELECT SUM(area) FROM lakes WHERE region = 'east'", "What is the water surface in the east?"),
        # not a plain sum of filtered rows
        ("SELECT SUM(population) FROM towns WHERE region = 'east' AND population > 200000", "How many people live in big places in the east?"),
        ("SELECT region, SUM(population) FROM towns WHERE region = 'east' GROUP BY region", "How many people live in the east?"),
        ("SELECT COUNT(population) FROM towns WHERE region = 'east'", "How many people live in the east?"),
        ("SELECT SUM(t.population) FROM towns t JOIN lakes l ON l.region = t.region WHERE t.region = 'east'", "How many people live in the east?"),
    ],
)
def test_other_sums_stay(db, sql: str, question: str) -> None:
    schema, probe = db
    assert take_entity_totals(sql, schema, question, database_one_row(probe)) == (sql, [])
