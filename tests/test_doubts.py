"""Doubts about queries that ran, raised by the data of a real database (engine/values/doubts.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.values.doubts import database_repeats, database_shares, doubts
from engine.database.executor import Executor
from engine.settings import Settings
from engine.values.index import SCAN_ROWS, ValueIndex, database_occurs, probe_executor

# Depots stand in towns; one town happens to be named like a province, so a join of
# depot.town with town.province matches a row by coincidence. big.code holds 'province 3'
# only past the rows the value index samples.
SETUP = f"""
CREATE TABLE town (town_name text PRIMARY KEY, province text, population int);
INSERT INTO town SELECT 'town ' || i, 'province ' || (i % 5), i * 10 FROM generate_series(1, 20) i;
INSERT INTO town VALUES ('province 1', 'province 4', 5);
CREATE TABLE depot (depot_id int PRIMARY KEY, depot_name text, town text, opened int);
INSERT INTO depot SELECT i, 'depot ' || i, 'town ' || i, 1990 + i FROM generate_series(1, 10) i;
INSERT INTO depot VALUES (11, 'depot 11', 'province 1', 2011);
CREATE TABLE big (code text);
INSERT INTO big SELECT 'c' || i FROM generate_series(1, {SCAN_ROWS}) i;
INSERT INTO big VALUES ('province 3');
CREATE TABLE delivery (delivery_id int PRIMARY KEY, depot_id int REFERENCES depot (depot_id), weight int);
INSERT INTO delivery SELECT i, 1 + i % 4, i FROM generate_series(1, 12) i;
CREATE TABLE visit (town_name text, visited date);
INSERT INTO visit SELECT 'town ' || (1 + i % 3), DATE '2024-01-01' + i FROM generate_series(1, 9) i;
INSERT INTO visit VALUES ('a town not listed', DATE '2024-02-01');  -- so the data proves no key to town
"""


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor, ValueIndex]]:
    url, schema = make_schema_db(SETUP)
    with probe_executor(url, Settings()) as probe:
        yield schema, probe, ValueIndex.build(schema, probe)


def doubts_of(db, sql: str, shares=None, repeats=None) -> list[str]:
    schema, probe, values = db
    found = doubts(sql, schema, values, occurs=database_occurs(probe), shares=shares or database_shares(probe), repeats=repeats or database_repeats(probe))
    return [d.text for d in found]


def distinct(probe: Executor, sql: str) -> set[str]:
    return {row[0] for row in probe.run(sql).rows}


def column_of(db, table: str, column: str) -> tuple[object, object]:
    found = db[0].table(table)
    return found, found.column(column)


def test_shares_are_the_part_of_one_columns_values_the_other_holds(db) -> None:
    _, probe, _ = db
    shares = database_shares(probe)
    towns, provinces = distinct(probe, "SELECT town FROM depot"), distinct(probe, "SELECT province FROM town")
    assert shares(*column_of(db, "depot", "town"), *column_of(db, "town", "province")) == len(towns & provinces) / len(towns) > 0
    assert shares(*column_of(db, "town", "province"), *column_of(db, "depot", "town")) == len(towns & provinces) / len(provinces)
    names = distinct(probe, "SELECT town_name FROM town")
    assert shares(*column_of(db, "depot", "town"), *column_of(db, "town", "town_name")) == len(towns & names) / len(towns) == 1.0


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        (
            "SELECT d.depot_name FROM depot d JOIN town t ON d.town = t.province",  # one row matches, by coincidence
            ["depot.town = town.province joins columns that share almost no values; "
             "columns of these tables that do share values: depot.town = town.town_name"],
        ),
        (
            "SELECT d.depot_name FROM depot d, town t WHERE t.province = d.depot_name AND t.population > 10",  # in WHERE, either way round
            ["town.province = depot.depot_name joins columns that share almost no values; "
             "columns of these tables that do share values: town.town_name = depot.town"],
        ),
        ("SELECT d.depot_name FROM depot d JOIN town t ON d.town = t.town_name", []),
        ("SELECT d.depot_name FROM depot d JOIN town t ON d.depot_id = t.population", []),  # numbers: overlaps mean nothing
        ("SELECT COUNT(*) FROM depot d WHERE d.town = 'province 2'", ["a value its column never holds: 'province 2' is stored in town.province, not in depot.town"]),
        ("SELECT COUNT(*) FROM depot d WHERE d.town = 'province 1'", []),  # depot.town holds it too
        ("SELECT COUNT(*) FROM depot d WHERE d.town = 'nowhere'", []),  # stored nowhere: the answer may well be zero
        ("SELECT COUNT(*) FROM depot WHERE town = 'unterminated", []),
        (
            "SELECT COUNT(*) FROM depot d JOIN town t ON d.town = d.depot_name",  # both sides one table: a cross join with town
            ["JOIN town AS t ON d.town = d.depot_name never mentions t: every town row pairs with every row the condition keeps"],
        ),
        (
            "SELECT COUNT(*) FROM town a JOIN town b ON a.province = a.town_name",  # a self-join through the wrong alias
            ["JOIN town AS b ON a.province = a.town_name never mentions b: every town row pairs with every row the condition keeps"],
        ),
        ("SELECT COUNT(*) FROM depot d JOIN town ON town = town_name", []),  # bare names: town_name is the joined table's
        ("SELECT COUNT(*) FROM depot d JOIN town t ON TRUE", []),  # no column: the cross join is meant
        ("SELECT COUNT(*) FROM depot d JOIN town t ON d.town IN (SELECT town_name FROM town)", []),  # a subquery: not read
        (
            "SELECT depot_name, COUNT(*) FROM depot GROUP BY depot_name",  # one depot per name, in the data
            ["COUNT over depot grouped by depot_name: no two depot rows share it, so every count is 1; "
             "the rows to count are in a table that refers to depot: delivery"],  # by its declared key
        ),
        (
            "SELECT town_name FROM town WHERE population > 50 GROUP BY town_name ORDER BY COUNT(*) DESC LIMIT 1",  # the primary key
            ["COUNT over town grouped by town_name: no two town rows share it, so every count is 1; "
             "the rows to count are in a table that refers to town: visit (town_name)"],  # no key declared or proved: a column of its name that repeats
        ),
        ("SELECT province, COUNT(*) FROM town GROUP BY province", []),  # provinces repeat: real counts
        ("SELECT d.depot_name, COUNT(*) FROM depot d JOIN delivery v ON v.depot_id = d.depot_id GROUP BY d.depot_name", []),
        ("SELECT town_name, COUNT(*) OVER () FROM town GROUP BY town_name", []),  # counts the groups
        ("SELECT depot_name, MAX(opened) FROM depot GROUP BY depot_name", []),  # no count
        ("SELECT n, COUNT(*) FROM (SELECT depot_name AS n FROM depot) s GROUP BY n", []),  # a derived table: not read
        (
            "SELECT depot_name FROM depot WHERE depot_id IN (SELECT depot_id FROM town WHERE population > 100)",  # town has no depot_id
            ["(SELECT depot_id FROM town ...): depot_id is not a column of town, "
             "so the subquery returns the outer row's own value and each row is compared with itself"],
        ),
        (
            "SELECT d.depot_name FROM depot d WHERE d.depot_id NOT IN (SELECT d.depot_id FROM delivery v)",  # the outer alias
            ["(SELECT d.depot_id FROM delivery ...): depot_id is not a column of delivery, "
             "so the subquery returns the outer row's own value and each row is compared with itself"],
        ),
        (
            "SELECT depot_name FROM depot WHERE depot_id = (SELECT depot_id FROM town GROUP BY depot_id ORDER BY COUNT(*) DESC LIMIT 1)",
            ["(SELECT depot_id FROM town ...): depot_id is not a column of town, "
             "so the subquery returns the outer row's own value and each row is compared with itself"],
        ),
        ("SELECT depot_name, (SELECT depot_id FROM town LIMIT 1) FROM depot", []),  # an output, not a comparison
        ("SELECT depot_name FROM depot WHERE depot_id NOT IN (SELECT depot_id FROM delivery)", []),  # delivery's own column
        ("SELECT depot_name FROM depot d WHERE d.depot_id IN (SELECT v.depot_id FROM delivery v JOIN town t ON true)", []),
        ("WITH s AS (SELECT 1 AS x) SELECT depot_name FROM depot WHERE depot_id IN (SELECT depot_id FROM s)", []),  # a CTE: not read
    ],
    ids=[
        "coincidental-join", "where-join", "sound-join", "number-join", "misplaced-value", "value-held", "value-nowhere", "unparsable",
        "unlinked-join", "unlinked-self-join", "bare-names-link", "cross-join-meant", "subquery-condition",
        "count-per-unique-name", "count-per-primary-key", "count-per-repeated-value", "count-over-a-join", "window-count", "no-count",
        "derived-table", "in-outer-bare", "not-in-outer-alias", "equals-outer", "output-subquery", "in-own-column", "in-joined-column", "in-cte",
    ],
)
def test_the_data_doubts_a_query(db, sql: str, expected: list[str]) -> None:
    assert doubts_of(db, sql) == expected


def test_no_doubt_when_the_shares_cannot_be_measured(db) -> None:
    """A share query that times out on a large table gives no doubt rather than a guess."""
    assert doubts_of(db, "SELECT d.depot_name FROM depot d JOIN town t ON d.town = t.province", shares=lambda *_: None) == []


def test_one_row_groups_need_the_catalog_or_the_data(db) -> None:
    """A primary key says every group has one row without a query; another column needs the scan, and no answer means no doubt."""
    unknown = lambda *_: None  # noqa: E731 - the scan timed out
    assert doubts_of(db, "SELECT town_name, COUNT(*) FROM town GROUP BY town_name", repeats=unknown) != []
    assert doubts_of(db, "SELECT depot_name, COUNT(*) FROM depot GROUP BY depot_name", repeats=unknown) == []



def test_the_database_confirms_what_the_sampled_index_misses(db) -> None:
    """big.code holds 'province 3' past the rows the index samples."""
    schema, _, values = db
    sql = "SELECT COUNT(*) FROM big WHERE code = 'province 3'"
    assert values.misplaced_literals(sql, schema) == ["'province 3' is stored in town.province, not in big.code"]  # the index alone is wrong here
    assert doubts_of(db, sql) == []
