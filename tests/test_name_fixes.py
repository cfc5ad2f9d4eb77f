"""Names a model put in the wrong place, fixed before validation: the ``names`` step (engine/rewrites/names.py), run through ``rewrite``."""

from __future__ import annotations

import pytest

from engine.schema import Column, ForeignKey, Schema, Table
from engine.policy.validator import validate
from tests.rewrite_steps import fields, run_step, unchanged
from tests.validator_corpus import retail_schema

SCHEMA = retail_schema()


@pytest.mark.parametrize(
    ("sql", "expected", "fixes"),
    [
        (  # positional aliases swapped: only o has status
            "SELECT c.status FROM orders o JOIN customers c ON o.customer_id = c.customer_id",
            "SELECT o.status FROM orders AS o JOIN customers AS c ON o.customer_id = c.customer_id",
            [("c.status", "o.status")],
        ),
        (  # a table named but not joined: the one foreign key to it is used
            "SELECT customers.email, o.total_amount FROM orders o",
            "SELECT customers.email, o.total_amount FROM orders AS o JOIN customers ON o.customer_id = customers.customer_id",
            [("customers.email", "JOIN customers ON o.customer_id = customers.customer_id")],
        ),
        (  # a bare column of a neighbour; bare columns of the FROM table stay bound to it
            "SELECT email, COUNT(order_id) FROM orders WHERE status = 'paid' GROUP BY email",
            "SELECT customers.email, COUNT(order_id) FROM orders JOIN customers ON orders.customer_id = customers.customer_id "
            "WHERE status = 'paid' GROUP BY customers.email",
            [("email", "JOIN customers ON orders.customer_id = customers.customer_id")],
        ),
        (  # joined once for two references
            "SELECT addresses.city, addresses.country FROM customers c",
            "SELECT addresses.city, addresses.country FROM customers AS c JOIN addresses ON c.address_id = addresses.address_id",
            [("addresses.city", "JOIN addresses ON c.address_id = addresses.address_id")],
        ),
        (  # the other direction of a foreign key (one customer, many orders), pinning the shared column
            "SELECT customer_id, COUNT(orders.order_id) FROM customers GROUP BY customer_id",
            "SELECT customers.customer_id, COUNT(orders.order_id) FROM customers JOIN orders ON customers.customer_id = orders.customer_id "
            "GROUP BY customers.customer_id",
            [("orders.order_id", "JOIN orders ON customers.customer_id = orders.customer_id")],
        ),
        (  # a table of the query named by its name where the query gives it an alias
            "SELECT customers.email FROM orders o JOIN customers c ON c.customer_id = o.customer_id",
            "SELECT c.email FROM orders AS o JOIN customers AS c ON c.customer_id = o.customer_id",
            [("customers.email", "c.email")],
        ),
        (  # a table two keys away: joined through the bridge between them
            "SELECT p.name FROM products p WHERE orders.status = 'paid'",
            "SELECT p.name FROM products AS p JOIN order_items ON p.product_id = order_items.product_id "
            "JOIN orders ON order_items.order_id = orders.order_id WHERE orders.status = 'paid'",
            [("orders.status", "JOIN order_items ON p.product_id = order_items.product_id JOIN orders ON order_items.order_id = orders.order_id")],
        ),
        (  # ... also for a bare name, once for two references
            "SELECT order_id, price FROM orders WHERE price > 2",
            "SELECT orders.order_id, products.price FROM orders JOIN order_items ON orders.order_id = order_items.order_id "
            "JOIN products ON order_items.product_id = products.product_id WHERE products.price > 2",
            [("price", "JOIN order_items ON orders.order_id = order_items.order_id JOIN products ON order_items.product_id = products.product_id")],
        ),
        (  # a join on keys of different tables: the one foreign key to a table joined before it
            "SELECT c.email FROM order_items oi JOIN orders o ON oi.order_id = o.order_id JOIN customers c ON o.order_id = c.customer_id",
            "SELECT c.email FROM order_items AS oi JOIN orders AS o ON oi.order_id = o.order_id JOIN customers AS c ON o.customer_id = c.customer_id",
            [("JOIN customers ON o.order_id = c.customer_id", "ON o.customer_id = c.customer_id")],
        ),
        (  # a column the subquery does not output: the one output sharing a word with it
            "SELECT top_customer FROM (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id) s",
            "SELECT customer_id FROM (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id) AS s",
            [("top_customer", "customer_id")],
        ),
        (  # ... or else the one unnamed output, which gets the name the outer query uses
            "SELECT s.total FROM (SELECT COUNT(*) FROM orders) s",
            "SELECT s.total FROM (SELECT COUNT(*) AS total FROM orders) AS s",
            [("COUNT(*)", "COUNT(*) AS total")],
        ),
        (  # the same for a CTE step
            "WITH step1 AS (SELECT status, SUM(total_amount) FROM orders GROUP BY status) SELECT status, revenue FROM step1",
            "WITH step1 AS (SELECT status, SUM(total_amount) AS revenue FROM orders GROUP BY status) SELECT status, revenue FROM step1",
            [("SUM(total_amount)", "SUM(total_amount) AS revenue")],
        ),
    ],
)
def test_a_misplaced_name_is_fixed_and_the_fix_validates(sql: str, expected: str, fixes: list[tuple[str, str]]) -> None:
    done = run_step("names", sql, SCHEMA)
    assert done.sql == expected
    assert fields(done) == [("names", before, after) for before, after in fixes]
    assert done.value_fixes == [] and validate(done.sql, SCHEMA).sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT o.status FROM orders o",  # nothing wrong
        "SELECT c.quantity FROM customers c JOIN orders o ON o.customer_id = c.customer_id",  # no source has it: the validator says so
        "SELECT c.email FROM customers c WHERE category = 'toys'",  # products is three keys away from customers
        "SELECT product_id FROM order_items oi JOIN orders o ON o.order_id = oi.order_id WHERE x.product_id = 1",  # x names nothing
        "WITH t AS (SELECT 1 AS a) SELECT t.a, email FROM t",  # a CTE among the sources: its columns are unknown here
        "SELECT COUNT(*) AS n FROM orders ORDER BY n",  # an output alias is not a missing column
        "SELECT c.email FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.customer_id)",  # correlated
        # a subquery's bare columns are its own table's, not missing columns of the outer query
        "SELECT o.status FROM orders o WHERE o.customer_id = (SELECT customer_id FROM customers WHERE email = 'x')",
        # a bare name of the enclosing query's table is a correlated reference, not a missing join
        "SELECT o.order_id FROM orders o JOIN order_items oi ON oi.order_id = o.order_id WHERE oi.product_id = (SELECT product_id FROM products WHERE quantity > 1 LIMIT 1)",
        "SELECT 1 FROM order_items oi JOIN customers c ON oi.order_id = c.customer_id",  # no key links them: join_mismatch says how
        # o has no email, p no city: moving the alias would compare c.email / a.city with itself (always true)
        "SELECT COUNT(*) FROM customers c JOIN orders o ON c.email = o.email",
        "SELECT COUNT(*) FROM addresses a JOIN products p ON a.city = p.city",
        "SELECT s.buyer_id FROM (SELECT customer_id, order_id FROM orders) s",  # shares a word (id) with two outputs
        "SELECT s.email FROM (SELECT customer_id, status FROM orders) s",  # shares a word with no output, and none is unnamed
        "SELECT s.email FROM (SELECT * FROM orders) s",  # outputs unknown here: the validator says
        "SELECT email FROM (SELECT customer_id FROM orders) s JOIN customers c ON c.customer_id = s.customer_id",  # bare: c has it
        "SELECT 1 FROM",  # does not parse: the validator says why
        "SELECT " + "(" * 60 + "1" + ")" * 60,  # too deep to parse: the validator refuses it
    ],
)
def test_names_without_one_clear_fix_are_left_alone(sql: str) -> None:
    assert unchanged(run_step("names", sql, SCHEMA), sql)


def keys(from_table: str, columns: list[str], to_table: str, to_column: str) -> list[ForeignKey]:
    """One single-column foreign key per column of ``from_table``, all to ``to_table.to_column``."""
    return [
        ForeignKey(name=f"{from_table}_{c}_fkey", from_schema="public", from_table=from_table, from_columns=[c],
                   to_schema="public", to_table=to_table, to_columns=[to_column])
        for c in columns
    ]


def test_of_two_keys_between_the_same_tables_the_one_whose_columns_share_a_name_is_joined() -> None:
    two = keys("friendship", ["person_id", "person_id2"], "person", "person_id")
    person = Table(schema_name="public", name="person", columns=[Column(name="person_id", type="text"), Column(name="nickname", type="text")],
                   primary_key=["person_id"], referenced_by=two)
    friendship = Table(schema_name="public", name="friendship", columns=[Column(name=c, type="text") for c in ("person_id", "person_id2", "since")],
                       foreign_keys=two)
    schema = Schema(database="social", tables=[person, friendship])
    done = run_step("names", "SELECT nickname FROM person WHERE since = '2020'", schema)
    assert done.sql == "SELECT nickname FROM person JOIN friendship ON person.person_id = friendship.person_id WHERE friendship.since = '2020'"
    assert fields(done) == [("names", "since", "JOIN friendship ON person.person_id = friendship.person_id")]


def test_of_keys_to_the_same_lookup_table_the_one_the_question_names_is_joined() -> None:
    two = keys("hero", ["eye_colour_id", "hair_colour_id"], "colour", "id")
    colour = Table(schema_name="public", name="colour", columns=[Column(name="id", type="integer"), Column(name="colour", type="text")],
                   primary_key=["id"], referenced_by=two)
    hero = Table(schema_name="public", name="hero", columns=[Column(name="name", type="text")] + [Column(name=k.from_columns[0], type="integer") for k in two],
                 primary_key=["name"], foreign_keys=two)
    schema = Schema(database="heroes", tables=[colour, hero])
    sql = "SELECT name FROM hero WHERE colour.colour = 'Blue'"
    done = run_step("names", sql, schema, question="Which heroes have blue eyes?")
    assert done.sql == "SELECT name FROM hero JOIN colour ON hero.eye_colour_id = colour.id WHERE colour.colour = 'Blue'"
    assert fields(done) == [("names", "colour.colour", "JOIN colour ON hero.eye_colour_id = colour.id")]
    assert validate(done.sql, schema).sql
    assert unchanged(run_step("names", sql, schema, question="Which heroes are blue?"), sql)  # names neither key: the validator says how to join
    assert unchanged(run_step("names", sql, schema, question="Blue eyes or blue hair?"), sql)  # names both


# Two tables and no foreign keys: which table a column lives in is all there is to go on.
SITES = Schema(
    database="birding",
    tables=[
        Table(schema_name="public", name="sightings", columns=[Column(name="site_name", type="text"), Column(name="bird", type="text")]),
        Table(schema_name="public", name="sites", columns=[Column(name="site_name", type="text"), Column(name="altitude", type="integer")]),
        Table(schema_name="public", name="lakes", columns=[Column(name="lake_name", type="text"), Column(name="altitude", type="integer")]),
    ],
)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT site_name FROM sightings ORDER BY altitude DESC LIMIT 1", "SELECT site_name FROM sites ORDER BY altitude DESC LIMIT 1"),
        ("SELECT s.site_name FROM sightings s WHERE s.altitude > 100", "SELECT s.site_name FROM sites AS s WHERE s.altitude > 100"),
        ("SELECT sightings.site_name FROM sightings WHERE altitude > 100", "SELECT sites.site_name FROM sites WHERE altitude > 100"),
    ],
)
def test_a_query_over_the_wrong_table_reads_the_one_table_with_every_column_it_names(sql: str, expected: str) -> None:
    done = run_step("names", sql, SITES)
    assert done.sql == expected and fields(done) == [("names", "FROM sightings", "FROM sites")]
    assert validate(done.sql, SITES).sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT bird FROM sightings WHERE altitude > 100",  # no table has both
        "SELECT altitude FROM sightings",  # two tables have it
        "SELECT site_name FROM sightings s JOIN lakes l ON l.lake_name = s.site_name WHERE altitude > 1",  # a join: its own fixes
        "SELECT site_name FROM sightings",  # nothing missing
    ],
)
def test_a_query_without_one_table_for_all_its_columns_is_left_alone(sql: str) -> None:
    assert unchanged(run_step("names", sql, SITES), sql)
