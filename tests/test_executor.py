"""The executor instrument on a real database: types, truncation, read-only, rollback, errors."""

from __future__ import annotations

import threading

import psycopg2
import pytest

from engine.errors import DatabaseError
from engine.database.executor import Executor
from engine.settings import Settings

SETUP = """
CREATE TABLE kinds (id int PRIMARY KEY, n numeric(10,2), f float8, big numeric, d date, ts timestamptz, iv interval,
                    u uuid, b bytea, arr int[], j jsonb, ip inet, r int4range, flag boolean, t text);
INSERT INTO kinds VALUES (1, 2.50, 0.5, 12345678901234567890.5, '2024-02-29', '2024-02-29 10:00:00+00', '1 day 2 hours',
                          'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\xdeadbeef', '{1,2}', '{"a": [1, {"b": null}]}', '10.0.0.1', '[1,5)', true, NULL);
CREATE TABLE many AS SELECT g AS id FROM generate_series(1, 50) g;
"""


@pytest.fixture(scope="module")
def url(make_db) -> str:
    return make_db(SETUP)


def test_values_become_json_safe_with_pg_types(url: str) -> None:
    with Executor(url, Settings(database_url=url)) as ex:
        result = ex.run("SELECT n, f, big, d, ts, iv, u, b, arr, j, ip, r, flag, t FROM kinds")
    row = result.rows[0]
    assert row[:3] == [2.5, 0.5, "12345678901234567890.5"]
    assert row[3] == "2024-02-29" and row[4].startswith("2024-02-29T10:00:00")
    assert row[5] == "P1DT2H" and row[6] == "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11" and row[7] == "\\xdeadbeef"
    assert row[8] == [1, 2] and row[9] == {"a": [1, {"b": None}]} and row[10] == "10.0.0.1"
    assert row[11]["lower"] == 1 and row[12] is True and row[13] is None
    assert [c.type for c in result.columns][:5] == ["numeric", "float8", "numeric", "date", "timestamptz"]


def test_truncation_flag_at_the_row_cap(url: str) -> None:
    with Executor(url, Settings(database_url=url), max_rows=50) as ex:
        exact = ex.run("SELECT id FROM many")
        over = ex.run("SELECT id FROM many", max_rows=49)
    assert (exact.row_count, exact.truncated) == (50, False)
    assert (over.row_count, over.truncated) == (49, True)


def test_byte_cap_truncates(url: str) -> None:
    with Executor(url, Settings(database_url=url, max_result_bytes=1024)) as ex:
        result = ex.run("SELECT repeat('x', 100) FROM many")
    assert result.truncated and 0 < result.row_count < 50


def test_a_write_handed_to_the_executor_cannot_persist(url: str) -> None:
    with Executor(url, Settings(database_url=url)) as ex:
        for sql in ["DELETE FROM many", "CREATE TABLE evil (a int)", "WITH d AS (DELETE FROM many RETURNING 1) SELECT count(*) FROM d"]:
            with pytest.raises(DatabaseError) as err:
                ex.run(sql)
            assert err.value.code in ("read_only_violation", "sql_error")
        assert ex.run("SELECT count(*) FROM many").rows == [[50]]
        assert ex.connection().get_transaction_status() == psycopg2.extensions.TRANSACTION_STATUS_IDLE  # rolled back


def test_timeout_and_reconnect_after_a_dropped_connection(url: str, admin_url: str) -> None:
    with Executor(url, Settings(database_url=url, statement_timeout_ms=200)) as ex:
        with pytest.raises(DatabaseError) as err:
            ex.run("SELECT pg_sleep(5)")
        assert err.value.code == "statement_timeout"
        _terminate(admin_url, ex.connection().get_backend_pid())
        with pytest.raises(DatabaseError) as err:
            ex.run("SELECT 1")
        assert err.value.code == "connection_lost"
        assert ex.run("SELECT 1").rows == [[1]]  # reconnected


def test_a_connection_killed_mid_query_is_connection_lost_and_the_next_query_reconnects(url: str, admin_url: str) -> None:
    with Executor(url, Settings(database_url=url, statement_timeout_ms=30_000)) as ex:
        pid = ex.connection().get_backend_pid()
        killer = threading.Timer(0.5, _terminate, args=(admin_url, pid))
        killer.start()
        try:
            with pytest.raises(DatabaseError) as err:
                ex.run("SELECT pg_sleep(10)")  # killed after 0.5 s, long before its end
        finally:
            killer.join()
        assert err.value.code == "connection_lost" and "\n" not in err.value.message
        assert ex.run("SELECT 1").rows == [[1]]


def _terminate(admin_url: str, pid: int) -> None:
    admin = psycopg2.connect(admin_url)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", (pid,))
    admin.close()


def test_an_undefined_column_names_itself_in_the_details(url: str) -> None:
    with Executor(url, Settings()) as ex:
        with pytest.raises(DatabaseError) as caught:
            ex.run('SELECT s."Missing", s.x FROM (SELECT 1 AS x) s')
    assert caught.value.code == "sql_error" and caught.value.details.unknown_names == ["Missing"]
