"""An answer that is an entity's id also shows the entity's label, and ids compared with a label go through their
lookup table (engine/rewrites/labels.py: the ``labels`` and ``lookup_comparisons`` steps), on real databases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.database.executor import Executor
from engine.errors import DatabaseError, SqlRefused
from engine.evaluation.scoring import results_match
from engine.policy.validator import validate
from engine.rewrites.labels import label_columns
from engine.schema.inferred_keys import with_inferred_keys
from engine.settings import Settings
from tests.rewrite_steps import fields, run_step, unchanged

HEROES = """
CREATE TABLE colour (id int PRIMARY KEY, colour text);
CREATE TABLE gender (id int PRIMARY KEY, gender text);
CREATE TABLE team (code text PRIMARY KEY, motto text);  -- a natural key and no label column
CREATE TABLE city (id int PRIMARY KEY, name text, country text);
CREATE TABLE hero (
  id int PRIMARY KEY, name text, gender_id int REFERENCES gender, eye_colour_id int REFERENCES colour,
  hair_colour_id int REFERENCES colour, team_code text REFERENCES team, city_id int REFERENCES city);
INSERT INTO colour VALUES (1, 'Blue'), (2, 'Black');
INSERT INTO gender VALUES (1, 'Male'), (2, 'Female');
INSERT INTO team VALUES ('XM', 'mutants'), ('AV', 'assemble');
INSERT INTO city VALUES (1, 'Gotham', 'US');
INSERT INTO hero VALUES (1, 'Ann', 2, 1, 2, 'XM', 1), (2, 'Bob', 1, 2, 2, 'AV', 1), (3, 'Cy', NULL, 1, NULL, 'AV', NULL);
"""

# An unrelated schema: a shop's staff and sales (people by first and last name, a self-reference, titles, a product_name).
SHOP = """
CREATE TABLE department (dept_no int PRIMARY KEY, title text, budget int);
CREATE TABLE staff (staff_no int PRIMARY KEY, first_name text, last_name text, dept_no int REFERENCES department,
                    manager_no int REFERENCES staff);
CREATE TABLE products (product_id int PRIMARY KEY, name text, product_name text, price int);
CREATE TABLE sale (sale_id int PRIMARY KEY, product_id int REFERENCES products, staff_no int REFERENCES staff, qty int);
INSERT INTO department VALUES (10, 'Sales', 500), (20, 'Stock', 300);
INSERT INTO staff VALUES (1, 'Ada', 'Byron', 10, NULL), (2, 'Alan', 'Turing', 10, 1), (3, 'Grace', 'Hopper', 20, 1);
INSERT INTO products VALUES (7, 'x-7', 'Lamp', 20), (8, 'x-8', 'Desk', 90);
INSERT INTO sale VALUES (100, 7, 2, 3), (101, 7, 3, 1), (102, 8, 2, 2), (103, 8, NULL, 5);
"""


# A third schema that declares no keys at all (a dump): venues and their bookings, the key implied by the names.
VENUES = """
CREATE TABLE venue (venue_id int, name text, city text);
CREATE TABLE booking (booking_id int, venue_id int, guests int);
INSERT INTO venue VALUES (1, 'Hall', 'Oslo'), (2, 'Loft', 'Oslo'), (3, 'Barn', 'Bergen');
INSERT INTO booking VALUES (10, 1, 40), (11, 1, 25), (12, 3, 80);
"""


@pytest.fixture(scope="module")
def heroes(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(HEROES)
    with Executor(url, Settings()) as executor:
        yield schema, executor


@pytest.fixture(scope="module")
def shop(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SHOP)
    with Executor(url, Settings()) as executor:
        yield schema, executor


@pytest.fixture(scope="module")
def venues(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(VENUES)
    with Executor(url, Settings()) as executor:
        yield with_inferred_keys(schema), executor


def run(db, sql: str) -> list[list]:
    schema, executor = db
    return executor.run(validate(sql, schema).sql).rows


def labelled(db, sql: str, question: str = "") -> tuple[list[list], list[tuple[str, str, str]]]:
    """The rows of ``sql`` after the labels step, its fixes; and a check that the original answer is still all there."""
    done = run_step("labels", sql, db[0], question=question)
    before, after = run(db, sql), run(db, done.sql)
    assert results_match(before, after, ordered="ORDER BY" in sql.upper())  # extra columns beside the original ones only
    return after, fields(done)


def test_a_selected_foreign_key_gets_its_label_beside_it(heroes) -> None:
    rows, fixes = labelled(heroes, "SELECT h.gender_id FROM hero h WHERE h.name = 'Ann'")
    assert rows == [[2, "Female"]]
    assert fixes == [("labels", "h.gender_id", "h.gender_id, (SELECT lbl.gender FROM gender AS lbl WHERE lbl.id = h.gender_id) AS gender")]


def test_two_keys_to_one_lookup_table_each_get_theirs_and_a_row_without_one_stays(heroes) -> None:
    rows, fixes = labelled(heroes, "SELECT name, eye_colour_id, hair_colour_id FROM hero WHERE id > 0 ORDER BY id")
    assert rows == [["Ann", 1, "Blue", 2, "Black"], ["Bob", 2, "Black", 2, "Black"], ["Cy", 1, "Blue", None, None]]
    assert [f[1] for f in fixes] == ["eye_colour_id", "hair_colour_id"]
    assert "AS eye_colour" in fixes[0][2] and "AS hair_colour" in fixes[1][2]


def test_a_grouped_id_gets_its_label_and_the_counts_stay(heroes) -> None:
    rows, _ = labelled(heroes, "SELECT eye_colour_id, COUNT(*) FROM hero GROUP BY eye_colour_id ORDER BY eye_colour_id")
    assert rows == [[1, "Blue", 2], [2, "Black", 1]]


def test_a_primary_key_gets_its_own_rows_label_and_a_named_entity_is_not_only_a_lookup(heroes) -> None:
    rows, fixes = labelled(heroes, "SELECT id FROM hero WHERE id < 3 ORDER BY id")
    assert rows == [[1, "Ann"], [2, "Bob"]] and fixes == [("labels", "id", "id, hero.name")]
    rows, _ = labelled(heroes, "SELECT DISTINCT city_id FROM hero WHERE city_id IS NOT NULL")  # city has a name and a country
    assert rows == [[1, "Gotham"]]


def test_the_question_does_not_decide(heroes) -> None:
    sql = "SELECT gender_id FROM hero WHERE id = 1"
    asked_for_ids = run_step("labels", sql, heroes[0], question="Which gender ids do heroes have?")
    assert asked_for_ids.sql == run_step("labels", sql, heroes[0], question="What is the gender of the first hero?").sql != sql


def test_bare_names_stay_bound_to_their_tables(heroes) -> None:
    rows, _ = labelled(heroes, "SELECT gender_id FROM hero WHERE id = 1")  # the outer key is qualified inside the lookup
    assert rows == [[2, "Female"]]
    sql = "SELECT h.gender_id FROM hero h WHERE h.eye_colour_id = (SELECT id FROM colour WHERE colour = 'Black')"
    rows, _ = labelled(heroes, sql)  # a subquery's own bare "id" is its table's
    assert rows == [[1, "Male"]]


def test_a_lookup_of_another_key_does_not_label_this_one(heroes) -> None:
    sql = "SELECT h.eye_colour_id, (SELECT c.colour FROM colour c WHERE c.id = h.hair_colour_id) AS hair FROM hero h WHERE h.id = 1"
    rows, fixes = labelled(heroes, sql)
    assert rows == [[1, "Blue", "Black"]] and [f[1] for f in fixes] == ["h.eye_colour_id"]


def test_a_limit_keeps_the_rows_it_kept(heroes) -> None:
    """The label is looked up per answer row: the query's FROM (and which tied rows a LIMIT keeps) is untouched."""
    sql = "SELECT h.id, h.eye_colour_id FROM hero h ORDER BY h.eye_colour_id LIMIT 2"
    done = run_step("labels", sql, heroes[0])
    assert " FROM hero AS h ORDER BY h.eye_colour_id LIMIT 2" in done.sql and "JOIN" not in done.sql
    assert [[r[0], r[2]] for r in run(heroes, done.sql)] == run(heroes, sql)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT team_code FROM hero",  # team has no label column: the code is all there is
        "SELECT h.id, h.name FROM hero h",  # the label is shown already
        "SELECT h.city_id, c.name FROM hero h JOIN city c ON c.id = h.city_id",  # ... through a join
        "SELECT COUNT(*) FROM hero GROUP BY gender_id",  # not selected
        "SELECT MAX(gender_id) FROM hero",  # an aggregate's result
        "SELECT gender_id + 0 FROM hero",  # an expression, not the id
        "SELECT gender_id FROM hero GROUP BY id",  # grouped by the key it depends on, not by itself
        "SELECT gender_id FROM (SELECT gender_id FROM hero) s",  # a subquery's output
        "WITH t AS (SELECT gender_id FROM hero) SELECT gender_id FROM t",  # a CTE's
        "SELECT gender_id FROM hero UNION SELECT id FROM gender",  # a set operation
        "SELECT DISTINCT ON (gender_id) gender_id, name FROM hero ORDER BY gender_id, name",
        "SELECT name FROM hero WHERE gender_id = 1",  # an id in a condition only
    ],
)
def test_left_alone(heroes, sql: str) -> None:
    run(heroes, sql)  # each case is valid SQL on this data
    assert unchanged(run_step("labels", sql, heroes[0]), sql)


def test_label_columns_come_from_the_schema(heroes, shop) -> None:
    tables = {t.name: t for t in [*heroes[0].tables, *shop[0].tables]}
    assert {name: label_columns(t) for name, t in tables.items()} == {
        "colour": ["colour"],  # named like its table
        "gender": ["gender"],
        "team": [],
        "city": ["name"],
        "hero": ["name"],
        "department": ["title"],
        "staff": ["first_name", "last_name"],
        "products": ["product_name"],  # named like its table, before a plain name
        "sale": [],
    }


def test_sales_per_product_show_the_product_name(shop) -> None:
    rows, fixes = labelled(shop, "SELECT s.product_id, SUM(s.qty) AS sold FROM sale s GROUP BY s.product_id ORDER BY sold DESC")
    assert rows == [[8, "Desk", 7], [7, "Lamp", 4]]
    assert fixes == [("labels", "s.product_id", "s.product_id, (SELECT lbl.product_name FROM products AS lbl WHERE lbl.product_id = s.product_id) AS product_name")]


def test_a_person_is_shown_by_first_and_last_name_and_a_sale_without_one_stays(shop) -> None:
    rows, _ = labelled(shop, "SELECT sale_id, staff_no FROM sale ORDER BY sale_id")
    assert rows == [[100, 2, "Alan", "Turing"], [101, 3, "Grace", "Hopper"], [102, 2, "Alan", "Turing"], [103, None, None, None]]


def test_a_key_to_its_own_table_reads_the_other_row(shop) -> None:
    rows, _ = labelled(shop, "SELECT staff_no, manager_no FROM staff WHERE staff_no > 1 ORDER BY staff_no")
    assert rows == [[2, "Alan", "Turing", 1, "Ada", "Byron"], [3, "Grace", "Hopper", 1, "Ada", "Byron"]]


def test_a_grouped_primary_key_and_a_distinct_key_keep_their_rows(shop) -> None:
    rows, _ = labelled(shop, "SELECT d.dept_no, COUNT(*) FROM department d JOIN staff s ON s.dept_no = d.dept_no GROUP BY d.dept_no ORDER BY d.dept_no")
    assert rows == [[10, "Sales", 2], [20, "Stock", 1]]
    rows, _ = labelled(shop, "SELECT DISTINCT s.dept_no FROM staff s ORDER BY s.dept_no")
    assert rows == [[10, "Sales"], [20, "Stock"]]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT sale_id, qty FROM sale",  # a sale has no label column
        "SELECT COUNT(DISTINCT product_id) FROM sale",
        "SELECT budget FROM department",
        "SELECT product_id, AVG(qty) FROM sale GROUP BY ROLLUP (product_id)",  # grouping sets: not a plain GROUP BY key
        # the label shown by a lookup the query itself makes (a repair kept the step's own, or the model wrote one)
        "SELECT s.product_id, (SELECT p.product_name FROM products AS p WHERE p.product_id = s.product_id) AS pname FROM sale AS s",
        "SELECT s.staff_no, (SELECT x.first_name FROM staff x WHERE s.staff_no = x.staff_no) AS f, "
        "(SELECT x.last_name FROM staff x WHERE x.staff_no = s.staff_no) AS l FROM sale s",
    ],
)
def test_left_alone_in_the_shop(shop, sql: str) -> None:
    run(shop, sql)
    assert unchanged(run_step("labels", sql, shop[0]), sql)


@pytest.mark.parametrize(
    ("sql", "truth", "fixes"),
    [
        (
            "SELECT name FROM hero WHERE eye_colour_id = 'Blue'",
            "SELECT h.name FROM hero h JOIN colour c ON c.id = h.eye_colour_id WHERE c.colour = 'Blue'",
            [("eye_colour_id = 'Blue'", "eye_colour_id IN (SELECT id FROM colour WHERE colour = 'Blue')")],
        ),
        (  # written the other way round, qualified, and negated; a hero without a hair colour matches neither way
            "SELECT h.name FROM hero h WHERE 'Blue' <> h.hair_colour_id AND h.gender_id = 'Female'",
            "SELECT h.name FROM hero h JOIN colour c ON c.id = h.hair_colour_id JOIN gender g ON g.id = h.gender_id "
            "WHERE c.colour <> 'Blue' AND g.gender = 'Female'",
            [
                ("'Blue' <> h.hair_colour_id", "NOT h.hair_colour_id IN (SELECT id FROM colour WHERE colour = 'Blue')"),
                ("h.gender_id = 'Female'", "h.gender_id IN (SELECT id FROM gender WHERE gender = 'Female')"),
            ],
        ),
    ],
)
def test_a_lookup_id_compared_with_a_label_is_compared_through_its_lookup_table(heroes, sql: str, truth: str, fixes: list[tuple[str, str]]) -> None:
    with pytest.raises((SqlRefused, DatabaseError)):  # as written, the validator (or PostgreSQL) refuses it
        run(heroes, sql)
    done = run_step("lookup_comparisons", sql, heroes[0])
    assert fields(done) == [("lookup_comparisons", before, after) for before, after in fixes]
    assert sorted(run(heroes, done.sql), key=str) == sorted(run(heroes, truth), key=str) != []


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
def test_other_comparisons_are_left_alone(heroes, sql: str) -> None:
    assert unchanged(run_step("lookup_comparisons", sql, heroes[0]), sql)


def test_a_key_no_one_declared_gets_its_label_when_another_table_refers_to_it(venues) -> None:
    """booking.venue_id names a venue, so venue.venue_id is venue's key although the dump declares none."""
    rows, fixes = labelled(venues, "SELECT v.venue_id FROM venue v WHERE v.city = 'Oslo' ORDER BY v.venue_id")
    assert rows == [[1, "Hall"], [2, "Loft"]]
    assert fixes == [("labels", "v.venue_id", "v.venue_id, v.name")]


def test_a_key_to_an_undeclared_key_is_looked_up_one_row_at_most(venues) -> None:
    rows, fixes = labelled(venues, "SELECT b.venue_id, SUM(b.guests) AS guests FROM booking b GROUP BY b.venue_id ORDER BY guests DESC")
    assert rows == [[3, "Barn", 80], [1, "Hall", 65]]
    assert fixes == [("labels", "b.venue_id", "b.venue_id, (SELECT lbl.name FROM venue AS lbl WHERE lbl.venue_id = b.venue_id LIMIT 1) AS venue_name")]
    again = "SELECT b.venue_id, (SELECT v.name FROM venue AS v WHERE v.venue_id = b.venue_id LIMIT 1) AS n FROM booking b"
    assert unchanged(run_step("labels", again, venues[0]), again)  # a lookup the answer makes already


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT venue_id FROM venue GROUP BY venue_id",  # grouped: PostgreSQL allows other columns only by a declared key
        "SELECT booking_id FROM booking",  # nothing refers to bookings
        "SELECT city FROM venue",
    ],
)
def test_left_alone_without_declared_keys(venues, sql: str) -> None:
    run(venues, sql)
    assert unchanged(run_step("labels", sql, venues[0]), sql)
