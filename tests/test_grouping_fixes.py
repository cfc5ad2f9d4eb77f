"""A grouped query that shows a row's columns beside a key the database never declared: the ``grouped_keys`` step
(engine/rewrites/grouping.py), run through ``rewrite`` on two unrelated real databases that declare no keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.database.executor import Executor
from engine.errors import DatabaseError
from engine.schema.inferred_keys import with_inferred_keys
from engine.settings import Settings
from tests.rewrite_steps import fields, run_step, unchanged

# Two dumps without constraints: the keys are implied by the names only (engine/schema/inferred_keys.py).
REVIEWS = """
CREATE TABLE users (user_id text, name text, city text);
CREATE TABLE tip (tip_id int, user_id text, likes int);
INSERT INTO users VALUES ('u1', 'Ann', 'Oslo'), ('u2', 'Bo', 'Oslo'), ('u3', 'Ann', 'Rome');
INSERT INTO tip VALUES (1, 'u1', 3), (2, 'u1', 0), (3, 'u2', 5), (4, 'u3', 1), (5, 'u3', 1), (6, 'u3', 2);
"""
LIBRARY = """
CREATE TABLE shelf (shelfid int, label text, floor int);
CREATE TABLE book (bookid int, shelfid int, pages int);
INSERT INTO shelf VALUES (1, 'Poetry', 1), (2, 'Maps', 2);
INSERT INTO book VALUES (10, 1, 80), (11, 1, 120), (12, 2, 300);
"""


def database(make_schema_db, setup: str) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(setup)
    with Executor(url, Settings()) as executor:
        yield with_inferred_keys(schema), executor


@pytest.fixture(scope="module")
def reviews(make_schema_db) -> Iterator[tuple[object, Executor]]:
    yield from database(make_schema_db, REVIEWS)


@pytest.fixture(scope="module")
def library(make_schema_db) -> Iterator[tuple[object, Executor]]:
    yield from database(make_schema_db, LIBRARY)


def rows(db, sql: str) -> list[list]:
    return db[1].run(sql).rows


@pytest.mark.parametrize(
    ("sql", "truth", "after"),
    [
        (
            "SELECT u.name, COUNT(*) AS tips FROM users u JOIN tip t ON t.user_id = u.user_id GROUP BY u.user_id ORDER BY tips DESC, u.name",
            [["Ann", 3], ["Ann", 2], ["Bo", 1]],  # two users named Ann stay two groups
            "GROUP BY u.user_id, u.name",
        ),
        (
            "SELECT u.name, u.city FROM users u JOIN tip t ON t.user_id = u.user_id GROUP BY u.user_id HAVING SUM(t.likes) > 2 ORDER BY u.city, u.name",
            [["Ann", "Oslo"], ["Bo", "Oslo"], ["Ann", "Rome"]],
            "GROUP BY u.user_id, u.name, u.city",
        ),
    ],
)
def test_columns_shown_beside_an_undeclared_key_are_grouped_by_it(reviews, sql: str, truth: list, after: str) -> None:
    with pytest.raises(DatabaseError, match="GROUP BY"):
        rows(reviews, sql)  # PostgreSQL refuses it as written
    done = run_step("grouped_keys", sql, reviews[0])
    assert [(kind, a) for kind, _, a in fields(done)] == [("grouped_keys", after)]
    assert rows(reviews, done.sql) == truth


def test_the_same_on_a_second_schema(library) -> None:
    sql = "SELECT s.label, SUM(b.pages) FROM shelf s JOIN book b ON b.shelfid = s.shelfid GROUP BY s.shelfid ORDER BY 2 DESC"
    done = run_step("grouped_keys", sql, library[0])
    assert fields(done) == [("grouped_keys", "GROUP BY s.shelfid", "GROUP BY s.shelfid, s.label")]
    assert rows(library, done.sql) == [["Maps", 300], ["Poetry", 200]]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT u.name, COUNT(*) FROM users u JOIN tip t ON t.user_id = u.user_id GROUP BY u.user_id, u.name",  # grouped already
        "SELECT u.user_id, COUNT(*) AS n FROM users u JOIN tip t ON t.user_id = u.user_id GROUP BY u.user_id ORDER BY n",  # n is an output
        "SELECT t.user_id, MAX(t.likes) FROM tip t GROUP BY t.user_id",  # tip.user_id is not tip's key
        "SELECT u.city, COUNT(*) FROM users u GROUP BY u.city",  # not a key
        "SELECT u.user_id, (SELECT MAX(likes) FROM tip WHERE tip.user_id = u.user_id) FROM users u GROUP BY u.user_id",  # a subquery's own
    ],
)
def test_left_alone(reviews, sql: str) -> None:
    rows(reviews, sql)  # PostgreSQL runs each as written
    assert unchanged(run_step("grouped_keys", sql, reviews[0]), sql)


def test_a_query_that_groups_by_another_column_is_left_for_the_repair(reviews) -> None:
    """Grouped by a column that is not a key, the shown column has many values per group: nothing to add."""
    sql = "SELECT u.name, COUNT(*) FROM users u GROUP BY u.city"
    assert unchanged(run_step("grouped_keys", sql, reviews[0]), sql)
