"""Tables joined only for a condition every row meets (engine/idle_joins.py), on real data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.executor import Executor
from engine.idle_joins import database_holds_only, drop_idle_joins
from engine.settings import Settings
from engine.validator import validate
from engine.values import probe_executor

# One country: every town row says 'norway'. Peaks name their region, towns their region too.
SETUP = """
CREATE TABLE towns (town text, region text, country text NOT NULL);
INSERT INTO towns VALUES ('oslo', 'east', 'norway'), ('drammen', 'east', 'norway'), ('bergen', 'west', 'norway');
CREATE TABLE peaks (peak text, region text, height int);
INSERT INTO peaks VALUES ('galdhopiggen', 'east', 2469), ('store skagastolstind', 'west', 2405), ('snohetta', 'north', 2286);
CREATE TABLE shops (shop text, town text, country text);
INSERT INTO shops VALUES ('a', 'oslo', 'norway'), ('b', 'bergen', NULL);
"""
DROPPED_TOWNS = "dropped the join with towns: every towns row meets its condition, and the query uses it for nothing else"


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with probe_executor(url, Settings()) as probe:
        yield schema, probe


def test_a_join_only_for_a_condition_every_row_meets_is_dropped(db) -> None:
    schema, probe = db
    sql = (
        "SELECT p.peak FROM towns AS t JOIN peaks AS p ON t.region = p.region "
        "WHERE t.country = 'norway' ORDER BY p.height DESC"
    )
    assert [r[0] for r in probe.run(sql).rows] == ["galdhopiggen", "galdhopiggen", "store skagastolstind"]  # repeated, one missing
    out, fixes = drop_idle_joins(sql, schema, database_holds_only(probe))
    assert (out, fixes) == ("SELECT p.peak FROM peaks AS p ORDER BY p.height DESC", [DROPPED_TOWNS])
    assert [r[0] for r in probe.run(validate(out, schema).sql).rows] == ["galdhopiggen", "store skagastolstind", "snohetta"]


def test_a_joined_table_is_dropped_and_other_conditions_stay(db) -> None:
    schema, probe = db
    sql = "SELECT p.peak FROM peaks p JOIN towns t ON p.region = t.region WHERE t.country = 'norway' AND p.height > 2300"
    out, fixes = drop_idle_joins(sql, schema, database_holds_only(probe))
    assert (out, fixes) == ("SELECT p.peak FROM peaks AS p WHERE p.height > 2300", [DROPPED_TOWNS])


@pytest.mark.parametrize(
    "sql",
    [
        # a condition some rows fail: the join filters
        "SELECT p.peak FROM peaks p JOIN towns t ON p.region = t.region WHERE t.town = 'oslo'",
        # a column that also holds NULL: 'norway' is not true of every shop
        "SELECT t.town FROM towns t JOIN shops s ON s.town = t.town WHERE s.country = 'norway'",
        # the table is selected from
        "SELECT p.peak, t.town FROM peaks p JOIN towns t ON p.region = t.region WHERE t.country = 'norway'",
        # ordered by
        "SELECT p.peak FROM peaks p JOIN towns t ON p.region = t.region WHERE t.country = 'norway' ORDER BY t.town",
        # an outer join keeps rows the condition would drop
        "SELECT p.peak FROM peaks p LEFT JOIN towns t ON p.region = t.region WHERE t.country = 'norway'",
        # the join condition says more than which rows match
        "SELECT p.peak FROM peaks p JOIN towns t ON p.region = t.region AND t.town <> 'oslo' WHERE t.country = 'norway'",
        # no condition on the table at all: the join may be meant as a filter
        "SELECT p.peak FROM peaks p JOIN towns t ON p.region = t.region",
        # a bare column that could be the table's
        "SELECT peak FROM peaks p JOIN towns t ON p.region = t.region WHERE t.country = 'norway' AND town IS NOT NULL",
        # SELECT * shows the table's columns
        "SELECT * FROM peaks p JOIN towns t ON p.region = t.region WHERE t.country = 'norway'",
    ],
)
def test_joins_that_do_something_stay(db, sql: str) -> None:
    schema, probe = db
    assert drop_idle_joins(sql, schema, database_holds_only(probe)) == (sql, [])


def test_unknown_answers_keep_the_join(db) -> None:
    schema, _ = db
    sql = "SELECT p.peak FROM peaks p JOIN towns t ON p.region = t.region WHERE t.country = 'norway'"
    assert drop_idle_joins(sql, schema, lambda table, column, literal: False) == (sql, [])


def test_holds_only_asks_the_database(db) -> None:
    schema, probe = db
    holds_only = database_holds_only(probe)
    towns, shops = schema.table("towns"), schema.table("shops")
    assert holds_only(towns, towns.column("country"), "norway")
    assert not holds_only(towns, towns.column("country"), "sweden")
    assert not holds_only(towns, towns.column("region"), "east")
    assert not holds_only(shops, shops.column("country"), "norway")  # NULL in one row
