"""Foreign keys the data proves (engine/schema/profiled_keys.py), on real databases that declare none."""

from __future__ import annotations

import pytest

from engine.database.connection import connect
from engine.errors import SqlRefused
from engine.instruments import Instruments
from engine.policy.validator import validate
from engine.schema.introspect import introspect
from engine.schema.render import render_table
from engine.settings import Settings

# A storage depot whose keys nobody declared. Each table's comment says what the data proves.
DEPOT = """
CREATE TABLE shelf (sid int, label text);
INSERT INTO shelf VALUES (1, 'north'), (2, 'south'), (3, 'east');
CREATE TABLE bin (bid int, sid int, note text);
INSERT INTO bin VALUES (10, 1, 'a'), (11, 1, 'b'), (12, 2, 'c');            -- bin.sid -> shelf.sid
CREATE TABLE crate (cid int, sid int);
INSERT INTO crate VALUES (1, 1), (2, 1), (3, 9);                            -- shelf 9 does not exist: no key
CREATE TABLE item (iid int, bid int);
INSERT INTO item VALUES (1, 10), (2, 10), (3, 12);                          -- item.bid -> bin.bid
CREATE TABLE tag (tid int, sid int);
INSERT INTO tag VALUES (1, 1), (2, 3);                                      -- one tag per shelf: no direction
CREATE TABLE zone (zone_name text, area int);
INSERT INTO zone VALUES ('dock', 5), ('yard', 7);
CREATE TABLE zone_stats (zone_name text, visits int);
INSERT INTO zone_stats VALUES ('dock', 50), ('yard', 70);                   -- one row per zone as well
CREATE TABLE gate (gate_id int, zone_name text);
INSERT INTO gate VALUES (1, 'dock'), (2, 'dock'), (3, 'yard');              -- gate.zone_name -> zone, the table it names
CREATE TABLE ledger (id int, bid int);
INSERT INTO ledger VALUES (1, 10), (2, 10);                                 -- ledger.bid -> bin.bid; ``id`` is ledger's own
CREATE TABLE pallet (pallet_id int PRIMARY KEY, code text);
INSERT INTO pallet VALUES (1, 'p1'), (2, 'p2');
CREATE TABLE scan (code text);
INSERT INTO scan VALUES ('p1'), ('p1');                                     -- pallet declares another key: no edge to code
CREATE MATERIALIZED VIEW bin_counts AS SELECT sid, count(*) AS n FROM bin GROUP BY sid;  -- derived: never a target
CREATE TABLE berth (berth_id int, label text);
INSERT INTO berth VALUES (1, 'b1'), (2, 'b2');
CREATE TABLE berth_copy (berth_id int);
INSERT INTO berth_copy VALUES (1), (2);
CREATE TABLE mooring (berth_id int);
INSERT INTO mooring VALUES (1), (1);                                        -- the name links it first (inferred_keys.py)
"""


def _profiled(schema) -> set[tuple[str, str, str, str]]:
    return {(fk.from_table, fk.from_columns[0], fk.to_table, fk.to_columns[0]) for t in schema.tables for fk in t.foreign_keys if fk.inferred}


@pytest.fixture(scope="module")
def depot(make_db) -> str:
    return make_db(DEPOT)


def test_the_data_proves_the_keys_nobody_declared(depot) -> None:
    conn = connect(depot)
    try:
        schema = introspect(conn)
    finally:
        conn.close()
    assert _profiled(schema) == {
        ("bin", "sid", "shelf", "sid"),
        ("item", "bid", "bin", "bid"),
        ("ledger", "bid", "bin", "bid"),
        ("gate", "zone_name", "zone", "zone_name"),  # zone and zone_stats both hold each zone once: the one the name names
    }
    assert "sid integer REFERENCES shelf(sid)" in render_table(schema.table("bin"))


def test_without_time_the_data_proves_nothing(depot) -> None:
    conn = connect(depot)
    try:
        assert _profiled(introspect(conn, sample_budget_ms=0)) == set()
    finally:
        conn.close()


def test_names_decide_first_and_sessions_see_both(depot) -> None:
    schema = Instruments.load_schema(Settings(), depot, refresh=True)
    assert ("bin", "sid", "shelf", "sid") in _profiled(schema)
    assert [fk.name for fk in schema.table("mooring").foreign_keys] == ["inferred_mooring_berth_id"]  # from the name, not profiled


def test_a_join_of_two_proved_keys_of_different_tables_is_refused(depot) -> None:
    """``bin.bid`` and ``shelf.sid`` are keys only by the data; the validator names the path that links them."""
    schema = Instruments.load_schema(Settings(), depot, refresh=True)
    with pytest.raises(SqlRefused) as refused:
        validate("SELECT b.note FROM bin b JOIN shelf s ON b.bid = s.sid", schema)
    assert "bin.sid = shelf.sid" in str(refused.value)
    assert validate("SELECT b.note FROM bin b JOIN shelf s ON b.sid = s.sid", schema).sql
