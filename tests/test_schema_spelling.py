"""Names written without the quotes their capitals need, or without the one schema
that holds them (engine/policy/dialect.py: schema_spelling).

SQLite, MySQL and T-SQL read ``SELECT a.Name FROM Artist a`` on a table created
as ``"Artist"``; PostgreSQL folds the bare names to ``artist`` and ``name`` and
finds neither. The validator quotes each such name as the schema spells it,
only after refusing the statement as written, and checks the result like any
other statement: each case below is validated and run on a real PostgreSQL.
A table only the schema ``hr`` holds is written ``staff`` by a role whose
search_path names ``hr``; the executor reads ``public`` only, so it is qualified.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.database.executor import Executor
from engine.errors import SqlRefused
from engine.policy.dialect import schema_spelling
from engine.policy.validator import SCHEMA_NAMES, validate
from engine.settings import Settings

# A music shop created by a tool that keeps capitals; "Genre" also has a lower-case "name" beside "Name".
SETUP = """
CREATE TABLE "Artist" ("ArtistId" integer PRIMARY KEY, "Name" text);
CREATE TABLE "Album" ("AlbumId" integer PRIMARY KEY, "Title" text, "ArtistId" integer REFERENCES "Artist");
CREATE TABLE "Invoice" ("InvoiceId" integer PRIMARY KEY, "Total" numeric(10,2), "BillingCountry" text);
CREATE TABLE "Genre" ("GenreId" integer PRIMARY KEY, "Name" text, name text);
CREATE TABLE track (track_id integer PRIMARY KEY, "Name" text, "AlbumId" integer);
INSERT INTO "Artist" VALUES (1, 'AC/DC'), (2, 'Accept'), (3, 'Aerosmith');
INSERT INTO "Album" VALUES (10, 'Back in Black', 1), (11, 'Highway to Hell', 1), (12, 'Balls to the Wall', 2);
INSERT INTO "Invoice" VALUES (100, 3.96, 'Canada'), (101, 5.94, 'Canada'), (102, 1.98, 'France');
INSERT INTO "Genre" VALUES (1, 'Rock', 'rock');
INSERT INTO track VALUES (1, 'Hells Bells', 10), (2, 'Shoot to Thrill', 10), (3, 'Highway to Hell', 11);
CREATE SCHEMA hr;
CREATE SCHEMA sales;
CREATE TABLE hr.staff (staff_id integer PRIMARY KEY, name text);
CREATE TABLE hr."Payroll" ("StaffId" integer REFERENCES hr.staff, "Amount" numeric(10,2));
CREATE TABLE hr.region (code text);
CREATE TABLE sales.region (code text);
INSERT INTO hr.staff VALUES (1, 'Ann'), (2, 'Bo');
INSERT INTO hr."Payroll" VALUES (1, 100), (2, 250);
"""

# (id, SQL with bare names, the rows it returns once spelled)
SPELLED = [
    ("join", "SELECT a.Name, COUNT(al.AlbumId) FROM Artist a JOIN Album al ON al.ArtistId = a.ArtistId GROUP BY a.Name ORDER BY 2 DESC",
     [["AC/DC", 2], ["Accept", 1]]),
    ("table-qualifier", "SELECT Artist.Name FROM Artist WHERE Artist.ArtistId = 2", [["Accept"]]),
    ("lower-case", "SELECT name FROM artist WHERE artistid = 3", [["Aerosmith"]]),
    ("aggregate-named-like-its-alias", "SELECT SUM(Total) AS Total FROM Invoice ORDER BY Total", [[11.88]]),
    ("cte", "WITH c AS (SELECT BillingCountry, COUNT(*) AS n FROM Invoice GROUP BY BillingCountry) SELECT c.BillingCountry, c.n FROM c ORDER BY c.n DESC",
     [["Canada", 2], ["France", 1]]),
    ("correlated", "SELECT a.Name FROM Artist a WHERE NOT EXISTS (SELECT 1 FROM Album b WHERE b.ArtistId = a.ArtistId)", [["Aerosmith"]]),
    ("lower-case-table-capital-column", "SELECT t.Name FROM track t JOIN Album a ON a.AlbumId = t.AlbumId WHERE a.Title = 'Highway to Hell'",
     [["Highway to Hell"]]),
    ("other-schema", "SELECT s.name FROM staff s WHERE s.staff_id = 2", [["Bo"]]),
    ("other-schema-table-qualifier", "SELECT staff.name FROM staff ORDER BY staff.staff_id DESC", [["Bo"], ["Ann"]]),
    ("other-schema-capitals", "SELECT s.name FROM Payroll p JOIN staff s ON s.staff_id = p.StaffId WHERE p.Amount > 200", [["Bo"]]),
]


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    executor = Executor(url, Settings())
    try:
        yield schema, executor
    finally:
        executor.close()


@pytest.mark.parametrize(("sql", "rows"), [(sql, rows) for _, sql, rows in SPELLED], ids=[i for i, _, _ in SPELLED])
def test_bare_names_are_spelled_as_the_schema_spells_them(db, sql: str, rows: list[list[object]]) -> None:
    schema, executor = db
    checked = validate(sql, schema)
    assert checked.normalized_from == SCHEMA_NAMES
    assert executor.run(checked.sql).rows == rows


@pytest.mark.parametrize(
    "sql",
    [
        'SELECT a."Name" FROM "Artist" a',
        'SELECT "Artist"."Name" FROM "Artist" WHERE "ArtistId" = 1',  # a quoted table's own name as qualifier
        "SELECT track_id FROM track",
        'SELECT name FROM "Genre"',  # the lower-case column: PostgreSQL reads it, so it stays
        "SELECT name FROM hr.staff",
    ],
)
def test_names_postgresql_resolves_are_left_as_written(db, sql: str) -> None:
    schema, executor = db
    checked = validate(sql, schema)
    assert checked.normalized_from is None
    assert executor.run(checked.sql).rows
    assert schema_spelling(sql, schema) is None  # nothing to spell


@pytest.mark.parametrize(
    ("sql", "code", "names"),
    [
        ("SELECT Nme FROM Artist", "unknown_column", "nme"),  # spelled, the statement still names a column no table has
        ("SELECT Colour FROM Genre", "unknown_column", "colour"),
        ("SELECT Name FROM Album", "unknown_column", "name"),  # Album has no Name
        ("SELECT code FROM region", "unknown_table", "region"),  # hr.region or sales.region: not guessed
    ],
)
def test_what_spelling_cannot_mend_is_refused_with_what_is_still_wrong(db, sql: str, code: str, names: str) -> None:
    schema, _ = db
    with pytest.raises(SqlRefused) as refused:
        validate(sql, schema)
    assert refused.value.code == code and names in refused.value.message.lower()


def test_a_forbidden_call_in_bare_names_is_still_refused(db) -> None:
    schema, _ = db
    with pytest.raises(SqlRefused) as refused:
        validate("SELECT a.Name, pg_sleep(1) FROM Artist a", schema)
    assert refused.value.code == "forbidden_function"


def test_spelling_only_where_the_validator_refused_a_name(db) -> None:
    schema, _ = db
    with pytest.raises(SqlRefused) as refused:
        validate("SELECT Name FROM Artist", schema, normalize_dialect=False)
    assert refused.value.code == "unknown_table"
