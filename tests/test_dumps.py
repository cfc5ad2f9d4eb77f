"""The --dumps loader against real PostgreSQL: load once, reuse by marker, reload on change, fail cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg2
import pytest

from engine.errors import BadInput
from engine.evaluation.dumps import MARK, current_marker, dump_digest, ensure_dump

DUMP = """-- a tiny library; a ; in a comment must not split anything
CREATE SCHEMA lending;
CREATE TABLE books (book_id integer PRIMARY KEY, title text NOT NULL, shelf text);
CREATE TABLE lending.loans (loan_id integer PRIMARY KEY, book_id integer REFERENCES books, "dueDate" date);
COMMENT ON TABLE books IS 'Books; one row per copy';
INSERT INTO books VALUES (1, 'Dune; Messiah', 'A'), (2, 'It''s here', 'B');
INSERT INTO lending.loans VALUES (10, 1, '2024-05-01');
"""
DESCRIPTIONS = {
    "table_metadata": {
        "books": [
            {"data_type": "integer", "column_name": "book_id", "column_description": "copy number"},
            {"data_type": "text", "column_name": "TITLE", "column_description": "title as printed"},
            {"data_type": "text", "column_name": "shelf", "column_description": ""},
        ],
        "lending.loans": [{"data_type": "date", "column_name": "dueDate", "column_description": "return by"}],
        "ghosts": [{"data_type": "text", "column_name": "boo", "column_description": "not in the dump"}],
    }
}


@pytest.fixture()
def dumps(tmp_path: Path) -> Path:
    (tmp_path / "library.sql").write_text(DUMP)
    (tmp_path / "library.json").write_text(json.dumps(DESCRIPTIONS))
    return tmp_path


def query(url: str, sql: str) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows
    finally:
        conn.close()


def databases_like(admin_url: str, prefix: str) -> list[str]:
    return [r[0] for r in query(admin_url, f"SELECT datname FROM pg_database WHERE datname LIKE '{prefix}%' ORDER BY 1")]


def test_loads_once_reuses_by_marker_and_reloads_when_changed(dumps: Path, admin_url: str) -> None:
    first = ensure_dump(admin_url, dumps, "library")
    assert first.loaded and first.skipped_descriptions == 1  # the ghosts table
    assert current_marker(admin_url, "library") == MARK + dump_digest(dumps / "library.sql", dumps / "library.json")
    assert query(first.url, "SELECT title FROM books ORDER BY book_id") == [("Dune; Messiah",), ("It's here",)]
    assert query(first.url, "SELECT col_description('books'::regclass, 2), col_description('lending.loans'::regclass, 3)") == [("title as printed", "return by")]
    query(first.url, "INSERT INTO books VALUES (99, 'sentinel', 'Z')")  # a reload would remove it

    second = ensure_dump(admin_url, dumps, "library")
    assert not second.loaded and second.sha256 == first.sha256
    assert query(second.url, "SELECT count(*) FROM books WHERE book_id = 99") == [(1,)]

    (dumps / "library.sql").write_text(DUMP + "INSERT INTO books VALUES (3, 'Emma', 'C');\n")
    third = ensure_dump(admin_url, dumps, "library")
    assert third.loaded and third.sha256 != first.sha256
    assert query(third.url, "SELECT array_agg(book_id ORDER BY book_id) FROM books") == [([1, 2, 3],)]
    assert current_marker(admin_url, "library") == MARK + third.sha256

    (dumps / "library.json").write_text(json.dumps({"table_metadata": {"books": [{"column_name": "shelf", "column_description": "aisle"}]}}))
    fourth = ensure_dump(admin_url, dumps, "library")  # descriptions are part of the cache key
    assert fourth.loaded and query(fourth.url, "SELECT col_description('books'::regclass, 3), col_description('books'::regclass, 2)") == [("aisle", None)]
    assert databases_like(admin_url, "library") == ["library"]


@pytest.mark.parametrize(
    ("dump", "fragment"),
    [
        ("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1);\n\nINSERT INTO nope VALUES (2);\n", r"at line 4 \(INSERT INTO nope VALUES \(2\)\): relation \"nope\" does not exist"),
        ("CREATE TABLE t (a int PRIMARY KEY);\n-- dup;\nINSERT INTO t VALUES (1);\nINSERT INTO t\n  VALUES (1);\n", r"at line 4 \(INSERT INTO t VALUES \(1\)\): duplicate key value"),
        ("CREATE TABLE t (a int);\nINSERT INTO t VALUES (1,;\n", r"at line 2 \(INSERT INTO t VALUES \(1,\): syntax error"),
    ],
)
def test_malformed_dump_names_file_and_line_and_leaves_nothing(tmp_path: Path, admin_url: str, dump: str, fragment: str) -> None:
    (tmp_path / "broken.sql").write_text(dump)
    with pytest.raises(BadInput, match=r"dump .*broken.sql failed to load " + fragment) as info:
        ensure_dump(admin_url, tmp_path, "broken")
    assert "\n" not in info.value.message
    assert databases_like(admin_url, "broken") == []


def test_failed_reload_keeps_the_previous_database(dumps: Path, admin_url: str) -> None:
    (dumps / "keep.sql").write_text("CREATE TABLE k (a int);\nINSERT INTO k VALUES (1);\n")
    good = ensure_dump(admin_url, dumps, "keep")
    (dumps / "keep.sql").write_text("CREATE TABLE k (a int);\nINSERT INTO k VALUES ('x');\n")
    with pytest.raises(BadInput, match="keep.sql failed to load at line 2"):
        ensure_dump(admin_url, dumps, "keep")
    assert databases_like(admin_url, "keep") == ["keep"]
    assert query(good.url, "SELECT a FROM k") == [(1,)] and current_marker(admin_url, "keep") == MARK + good.sha256


def test_missing_dump_bad_name_and_bad_descriptions(dumps: Path, admin_url: str) -> None:
    with pytest.raises(BadInput, match="no dump for database absent"):
        ensure_dump(admin_url, dumps, "absent")
    with pytest.raises(BadInput, match="cannot name a dump"):
        ensure_dump(admin_url, dumps, "../etc")
    (dumps / "described.sql").write_text("CREATE TABLE d (a int);\n")
    (dumps / "described.json").write_text('{"tables": []}')
    with pytest.raises(BadInput, match="described.json is not a column-description file"):
        ensure_dump(admin_url, dumps, "described")
    assert databases_like(admin_url, "described") == []
