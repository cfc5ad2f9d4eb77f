"""Selected lookup ids are shown as their labels (engine/rewrites/labels.py), against a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.errors import DatabaseError, SqlRefused
from engine.database.executor import Executor
from engine.rewrites.labels import compare_labels, show_labels
from engine.settings import Settings
from engine.policy.validator import validate

SETUP = """
CREATE TABLE colour (id int PRIMARY KEY, colour text);
CREATE TABLE gender (id int PRIMARY KEY, gender text);
CREATE TABLE team (code text PRIMARY KEY, motto text);  -- a natural key: the code is the name
CREATE TABLE city (id int PRIMARY KEY, name text, country text);  -- two descriptive columns: not a lookup
CREATE TABLE hero (
  id int PRIMARY KEY, name text, gender_id int REFERENCES gender, eye_colour_id int REFERENCES colour,
  hair_colour_id int REFERENCES colour, team_code text REFERENCES team, city_id int REFERENCES city);
INSERT INTO colour VALUES (1, 'Blue'), (2, 'Black');
INSERT INTO gender VALUES (1, 'Male'), (2, 'Female');
INSERT INTO team VALUES ('XM', 'mutants'), ('AV', 'assemble');
INSERT INTO city VALUES (1, 'Gotham', 'US');
INSERT INTO hero VALUES (1, 'Ann', 2, 1, 2, 'XM', 1), (2, 'Bob', 1, 2, 2, 'AV', 1), (3, 'Cy', NULL, 1, NULL, 'AV', NULL);
"""


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with Executor(url, Settings()) as executor:
        yield schema, executor


def run(db, sql: str) -> list[list]:
    schema, executor = db
    return executor.run(validate(sql, schema).sql).rows


@pytest.mark.parametrize(
    ("question", "sql", "truth", "fixes"),
    [
        (
            "What is the gender of Ann?",
            "SELECT h.gender_id FROM hero h WHERE h.name = 'Ann'",
            "SELECT g.gender FROM hero h JOIN gender g ON g.id = h.gender_id WHERE h.name = 'Ann'",
            ["h.gender_id shown as gender.gender (the label it stands for)"],
        ),
        (  # two keys to the same lookup table, and a hero without a gender keeps its row
            "eye and hair colour of every hero",
            "SELECT name, eye_colour_id, hair_colour_id FROM hero WHERE id > 0 ORDER BY id",
            "SELECT h.name, e.colour, c.colour FROM hero h LEFT JOIN colour e ON e.id = h.eye_colour_id "
            "LEFT JOIN colour c ON c.id = h.hair_colour_id ORDER BY h.id",
            ["eye_colour_id shown as colour.colour (the label it stands for)", "hair_colour_id shown as colour.colour (the label it stands for)"],
        ),
        (  # grouped by the id: grouped by its label too
            "how many heroes have each eye colour?",
            "SELECT eye_colour_id, COUNT(*) FROM hero GROUP BY eye_colour_id",
            "SELECT c.colour, COUNT(*) FROM hero h JOIN colour c ON c.id = h.eye_colour_id GROUP BY c.colour",
            ["eye_colour_id shown as colour.colour (the label it stands for)"],
        ),
    ],
)
def test_a_selected_lookup_id_is_shown_as_its_label(db, question: str, sql: str, truth: str, fixes: list[str]) -> None:
    out, done = show_labels(sql, db[0], question)
    assert done == fixes
    assert sorted(run(db, out), key=str) == sorted(run(db, truth), key=str)


@pytest.mark.parametrize(
    ("question", "sql"),
    [
        ("Which gender ids do heroes have?", "SELECT gender_id FROM hero"),  # the question asks for ids
        ("Which teams are there?", "SELECT team_code FROM hero"),  # a natural key is already the name
        ("Where do heroes live?", "SELECT city_id FROM hero"),  # city has more than one descriptive column
        ("heroes by gender", "SELECT COUNT(*) FROM hero GROUP BY gender_id"),  # not selected
        ("genders", "SELECT gender_id FROM hero GROUP BY id"),  # grouped by the key it depends on: the label would not be grouped
        ("genders", "SELECT gender_id FROM (SELECT gender_id FROM hero) s"),  # a subquery's output
        ("genders", "SELECT gender_id FROM hero UNION SELECT id FROM gender"),  # a set operation
    ],
)
def test_ids_that_are_asked_for_or_not_lookups_are_left_alone(db, question: str, sql: str) -> None:
    assert show_labels(sql, db[0], question) == (sql, [])


def test_a_bare_name_the_lookup_table_shares_stays_bound_to_its_table(db) -> None:
    out, done = show_labels("SELECT gender_id FROM hero WHERE id = 1", db[0], "gender of the first hero")
    assert done and run(db, out) == [["Female"]]  # "id" would be ambiguous next to gender.id
    # a subquery's own bare "id" is its table's, not the outer query's
    sql = "SELECT h.gender_id FROM hero h WHERE h.eye_colour_id = (SELECT id FROM colour WHERE colour = 'Black')"
    out, done = show_labels(sql, db[0], "gender of the heroes with black eyes")
    assert "(SELECT id FROM colour" in out and run(db, out) == [["Male"]]


@pytest.mark.parametrize(
    ("sql", "truth", "fixes"),
    [
        (
            "SELECT name FROM hero WHERE eye_colour_id = 'Blue'",
            "SELECT h.name FROM hero h JOIN colour c ON c.id = h.eye_colour_id WHERE c.colour = 'Blue'",
            ["eye_colour_id compared with 'Blue' through colour.colour (an id, not its label)"],
        ),
        (  # written the other way round, qualified, and negated; a hero without a hair colour matches neither way
            "SELECT h.name FROM hero h WHERE 'Blue' <> h.hair_colour_id AND h.gender_id = 'Female'",
            "SELECT h.name FROM hero h JOIN colour c ON c.id = h.hair_colour_id JOIN gender g ON g.id = h.gender_id "
            "WHERE c.colour <> 'Blue' AND g.gender = 'Female'",
            [
                "h.hair_colour_id compared with 'Blue' through colour.colour (an id, not its label)",
                "h.gender_id compared with 'Female' through gender.gender (an id, not its label)",
            ],
        ),
    ],
)
def test_a_lookup_id_compared_with_a_label_is_compared_through_its_lookup_table(db, sql: str, truth: str, fixes: list[str]) -> None:
    with pytest.raises((SqlRefused, DatabaseError)):  # as written, the validator (or PostgreSQL) refuses it
        run(db, sql)
    out, done = compare_labels(sql, db[0])
    assert done == fixes
    assert sorted(run(db, out), key=str) == sorted(run(db, truth), key=str) != []


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT name FROM hero WHERE team_code = 'XM'",  # a natural key: the code is the value
        "SELECT name FROM hero WHERE city_id = 'Gotham'",  # city is not a lookup table: the validator says so
        "SELECT name FROM hero WHERE eye_colour_id = '1'",  # a number written as text is an id
        "SELECT name FROM hero WHERE eye_colour_id = 1",
        "SELECT name FROM hero WHERE name = 'Blue'",
    ],
)
def test_other_comparisons_are_left_alone(db, sql: str) -> None:
    assert compare_labels(sql, db[0]) == (sql, [])
