"""The plan grammar admits ordinary read queries and rejects invented names and writes."""

from __future__ import annotations

import guidance
import pytest

from engine.schema.render import quote_ident
from engine.schema import Column, Table
from programs.sql_grammar import sql_grammar
from tests.schema_fixtures import shop_schema


@pytest.fixture(scope="module")
def grammar():
    schema = shop_schema()
    tables = [schema.table(n) for n in ("customers", "orders", "order_items", "products")]
    return guidance.lark(sql_grammar(tables), name="sql")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT count(*) FROM orders",
        "SELECT count(*) FROM orders;",
        "select o.status, count(*) from orders o group by o.status order by 2 desc",
        "SELECT c.first_name, SUM(o.total_amount) AS spent FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY c.first_name ORDER BY spent DESC LIMIT 5",
        "SELECT EXTRACT(YEAR FROM o.ordered_at) AS y, COUNT(*) FROM orders o GROUP BY 1",
        "SELECT * FROM orders WHERE status IN ('paid', 'shipped') AND total_amount >= 10.5",
        "SELECT p.name FROM products p WHERE p.product_id NOT IN (SELECT oi.product_id FROM order_items oi)",
        "WITH step1 AS (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id) SELECT AVG(n) FROM step1",
        "SELECT total_amount::int, name || ' x' FROM orders, products",
        "SELECT o.* FROM orders o LEFT JOIN customers c ON c.customer_id = o.customer_id WHERE c.city <> 'Paris'",
        "SELECT 'it''s' AS quote",
        "SELECT total_amount - 1, total_amount / 2 FROM orders",
    ],
)
def test_admits_read_queries(grammar, sql: str) -> None:
    assert grammar.match(sql) is not None, sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM users",  # invented table
        "SELECT o.colour FROM orders o",  # invented column after alias
        "SELECT * FROM audit_log",  # real table, but not selected
        "DELETE FROM orders",
        "SELECT 1; DROP TABLE orders",
        "INSERT INTO orders VALUES (1)",
        "SELECT * INTO backup FROM orders",
        "SELECT 1 -- hidden\n",
        "SELECT 1 /* hidden */",
        "SELECT $$x$$",
        "WITH x AS (SELECT 1) SELECT * FROM x",  # CTE names are step1..step9
        "UPDATE orders SET status = 'paid'",
    ],
)
def test_rejects_invented_names_and_writes(grammar, sql: str) -> None:
    assert grammar.match(sql) is None, sql


def test_quote_ident() -> None:
    assert quote_ident("orders") == "orders"
    assert quote_ident("Order Items") == '"Order Items"'
    assert quote_ident('we"ird') == '"we""ird"'
    assert quote_ident("order") == '"order"'  # reserved word


def test_avoid_bans_words_a_failed_attempt_proved_wrong() -> None:
    schema = shop_schema()
    grammar = guidance.lark(sql_grammar([schema.table("orders")], avoid=["order_date"]), name="sql")
    assert grammar.match("SELECT count(*) FROM orders WHERE order_date > '2025-01-01'") is None
    assert grammar.match("SELECT count(*) FROM orders WHERE ordered_at > '2025-01-01'") is not None


def test_a_column_written_as_a_table_is_not_written_there_again() -> None:
    """After FROM a bare column may follow (EXTRACT(YEAR FROM ordered_at)); once the validator refused it as a
    table name (``FROM ordered_at``, unknown_table), the repair's grammar no longer offers it there."""
    schema = shop_schema()
    extract = "SELECT EXTRACT(YEAR FROM ordered_at) FROM orders"
    assert guidance.lark(sql_grammar([schema.table("orders")]), name="sql").match(extract) is not None
    repair = guidance.lark(sql_grammar([schema.table("orders")], avoid=["ordered_at"]), name="sql")
    assert repair.match("SELECT COUNT(*) FROM ordered_at") is None
    assert repair.match("SELECT COUNT(*) FROM orders") is not None


def test_avoid_bans_a_wrong_column_after_a_free_alias_and_keeps_it_where_it_is_right() -> None:
    schema = shop_schema()
    tables = [schema.table("orders"), schema.table("customers")]
    grammar = guidance.lark(sql_grammar(tables, avoid=["customer_id", "t2.first_name"]), name="sql")
    joined = "SELECT t1.first_name FROM customers t1 JOIN orders t2 ON t1.customer_id = t2.customer_id"
    assert grammar.match(joined) is not None
    assert grammar.match(joined.replace("t1.first_name", "t2.first_name")) is None  # the pair the error named
    assert grammar.match(joined.replace("t1.first_name", "t2.status")) is not None  # t2 keeps its other columns
    assert grammar.match(joined.replace("t1.first_name", "T2.first_name")) is None  # T2 is t2
    assert grammar.match(joined.replace("t1.", "T1.").replace("t2.", "T2.").replace(" t1 ", " T1 ").replace(" t2 ", " T2 ")) is not None


def test_aliases_never_stand_alone_and_banned_words_cannot_be_extended() -> None:
    schema = shop_schema()
    grammar = guidance.lark(sql_grammar([schema.table("orders"), schema.table("customers")], avoid=["order_date"]), name="sql")
    assert grammar.match("SELECT * FROM orders o JOIN customers c ON c") is None
    assert grammar.match("SELECT * FROM orders o JOIN customers c ON c.customer_id = o.customer_id") is not None
    assert grammar.match("SELECT count(*) FROM orders WHERE order_dateLIKE '2025%'") is None


def test_positional_aliases_are_free_but_their_columns_are_real() -> None:
    schema = shop_schema()
    grammar = guidance.lark(sql_grammar([schema.table("orders"), schema.table("customers")]), name="sql")
    ok = "SELECT T2.first_name FROM orders AS T1 JOIN customers AS T2 ON T1.customer_id = T2.customer_id"
    assert grammar.match(ok) is not None
    assert grammar.match(ok.replace("T2.first_name", "T2.colour")) is None  # no table has it
    assert grammar.match("SELECT c.total_amount FROM orders AS c") is None  # c is the customers alias


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT status_idr FROM orders",  # a word running on from a column name
        "SELECT orders_idr.status FROM orders",  # ... or a table name, as a qualifier
        "SELECT count(*) FROM orders WHERE cityLIKE 'x'",
        "SELECT " + "population_of_state_with_capital_" * 2 + " FROM orders",  # longer than a word may be
        "SELECT count(*) FROM orders LIMIT 10000000000000000000000",  # 23 digits
    ],
)
def test_runaway_words_and_numbers_cannot_be_generated(sql: str) -> None:
    schema = shop_schema()
    grammar = guidance.lark(sql_grammar([schema.table("orders"), schema.table("customers")]), name="sql")
    assert grammar.match(sql) is None, sql


def test_a_real_column_may_stand_bare_even_when_it_extends_a_table_name() -> None:
    county = Table(schema_name="public", name="county", columns=[Column(name="county_name", type="text"), Column(name="area", type="integer")])
    grammar = guidance.lark(sql_grammar([county]), name="sql")
    assert grammar.match("SELECT county_name FROM county ORDER BY area DESC LIMIT 1") is not None
    assert grammar.match("SELECT county_names FROM county") is None  # an invented extension still may not
    avoided = guidance.lark(sql_grammar([county], avoid=["county_name"]), name="sql")
    assert avoided.match("SELECT county_name FROM county") is None and avoided.match("SELECT s.county_name FROM county s") is not None


def test_comma_joins_list_real_tables_with_their_aliases() -> None:
    schema = shop_schema()
    grammar = guidance.lark(sql_grammar([schema.table("orders"), schema.table("customers")]), name="sql")
    assert grammar.match("SELECT c.city FROM orders o, customers c WHERE o.customer_id = c.customer_id") is not None
    assert grammar.match("SELECT count(*) FROM orders o1, orders o2, orders o3") is not None
    # a word after a comma may still be anything (a column list looks the same): the validator refuses unknown tables


@pytest.mark.parametrize(
    ("sql", "ok"),
    [
        ("SELECT o.status FROM orders o ORDER BY o.total_amount DESCLIMIT10", False),  # a keyword running on
        ("SELECT o.status FROM orders o ORDER BY o.total_amount DESC LIMIT 10", True),
        ("SELECT region.status FROM orders", False),  # a long qualifier that no table declares
        ("SELECT sub.status FROM (SELECT status FROM orders) AS sub", True),  # a short derived-table alias
        ("SELECT T1.status FROM orders AS T1 INNER JOIN customers AS T2 ON T1.customer_id = T2.customer_id", True),
        # an alias that runs on into the next keyword (the space dropped) would swallow it
        ("SELECT count(*) FROM orders oJOIN customers ON customers.customer_id = orders.customer_id", False),
        ("SELECT o.status FROM orders o JOIN customers cOn c.customer_id = o.customer_id", False),
        ("SELECT o1.status FROM orders o1INNER JOIN customers c ON c.customer_id = o1.customer_id", False),
        ("SELECT o.status FROM orders o JOIN customers c ON c.customer_id = o.customer_id", True),
        ('SELECT Count(*) AS "totalOrders", Sum(total_amount) AS Total_Amount FROM orders', True),  # camelCase stays quotable
    ],
)
def test_free_aliases_are_short_and_keywords_do_not_run_on(sql: str, ok: bool) -> None:
    schema = shop_schema()
    grammar = guidance.lark(sql_grammar([schema.table("orders"), schema.table("customers")]), name="sql")
    assert (grammar.match(sql) is not None) == ok, sql


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT o.status FROM orders o WHERE",
        "SELECT o.status FROM orders o WHERE o.status = 'paid' AND",
        "SELECT o.status FROM orders o ORDER BY",
        "SELECT o.status FROM orders o WHERE o.total_amount =",
        "SELECT o.status,",
    ],
)
def test_a_statement_cannot_end_on_a_keyword_or_operator_that_needs_an_operand(sql: str) -> None:
    schema = shop_schema()
    grammar = guidance.lark(sql_grammar([schema.table("orders"), schema.table("customers")]), name="sql")
    assert grammar.match(sql) is None, sql
    assert grammar.match(sql + " o.status") is not None  # with an operand it may end


def _music_tables() -> list[Table]:
    artist = Table(schema_name="public", name="Artist", columns=[Column(name="ArtistId", type="integer"), Column(name="Name", type="text")])
    album = Table(schema_name="public", name="Album", columns=[Column(name="AlbumId", type="integer"), Column(name="ArtistId", type="integer"), Column(name="title", type="text"), Column(name="Title", type="text")])
    return [artist, album]


@pytest.mark.parametrize(
    ("sql", "ok"),
    [
        ('SELECT a."Name" FROM "Artist" a', True),  # as PostgreSQL needs it
        ("SELECT a.Name FROM Artist a JOIN Album al ON al.ArtistId = a.ArtistId", True),  # as SQLite and MySQL take it
        ("SELECT Name, ArtistId FROM Artist", True),
        ("SELECT al.Title FROM Album al", False),  # Album has a lower-case title: bare Title would read that one
        ('SELECT al."Title" FROM Album al', True),
        ("SELECT a.Nam FROM Artist a", False),  # still only real names
    ],
)
def test_names_whose_capitals_need_quotes_may_be_written_bare(sql: str, ok: bool) -> None:
    grammar = guidance.lark(sql_grammar(_music_tables()), name="sql")
    assert (grammar.match(sql) is not None) == ok, sql


def test_a_bare_name_is_not_offered_when_it_folds_to_another_table() -> None:
    lower = Table(schema_name="public", name="artist", columns=[Column(name="id", type="integer")])
    tables = _music_tables()
    grammar = guidance.lark(sql_grammar(tables, database=[*tables, lower]), name="sql")
    assert grammar.match("SELECT Name FROM Artist") is None  # PostgreSQL would read the table artist
    assert grammar.match('SELECT Name FROM "Artist"') is not None
