"""The default local model (Qwen2.5-Coder-1.5B via llama.cpp) end to end on the demo database, on a small one whose names keep capitals,
and on one read by a role granted some tables of a schema other than public.

Few but real: each question has a different shape, and its result is checked
against hand-written SQL for the same question, run on the same database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest

from engine.database.executor import Executor
from engine.evaluation.scoring import results_match
from engine.session import Session
from engine.settings import Settings
from tests.local_models import PRODUCT_MODEL

pytestmark = pytest.mark.model

CASES = {
    "count": ("How many customers are there?", "SELECT count(*) FROM customers"),
    "filter": ("List the names of stores in Chicago.", "SELECT name FROM stores WHERE city = 'Chicago'"),
    "group-by": ("How many reviews are there for each rating?", "SELECT rating, count(*) FROM reviews GROUP BY rating"),
    "join": (
        "List the names of products in the Headphones category.",
        "SELECT p.name FROM products p JOIN product_categories c ON c.category_id = p.category_id WHERE c.name = 'Headphones'",
    ),
    "top-n": (  # the customers by their ids or by their names: both answer the question
        "Which 3 customers placed the most orders?",
        "SELECT customer_id, count(*) FROM orders GROUP BY customer_id ORDER BY count(*) DESC LIMIT 3",
        "SELECT c.first_name, c.last_name, count(*) FROM orders o JOIN customers c USING (customer_id) GROUP BY c.customer_id ORDER BY count(*) DESC LIMIT 3",
    ),
    "aggregate": ("What is the average rating of all reviews?", "SELECT avg(rating) FROM reviews"),
}


@pytest.fixture(scope="module")
def session(demo_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    # Default cache dir: the assembled model file is reused across runs; schema caches go to a temp dir.
    settings = Settings(database_url=demo_url, data_dir=tmp_path_factory.mktemp("data"))
    with Session(settings=settings, model=PRODUCT_MODEL) as s:
        yield s


def rows_of(session: Session, sql: str) -> list[list]:
    with Executor(session.settings.database_url, session.settings) as ex:
        return ex.run(sql).rows


def normalized(rows: list[list]) -> Counter:
    return Counter(tuple(round(v, 6) if isinstance(v, float) else v for v in row) for row in rows)


@pytest.mark.parametrize("shape", list(CASES))
def test_answers_match_hand_written_sql(session: Session, shape: str) -> None:
    question, *golds = CASES[shape]
    answer = session.ask(question)
    assert answer.status == "ok", (answer.error, answer.attempts)
    # as eval scores (label columns beside ids are allowed), against any of the hand-written readings
    assert any(results_match(rows_of(session, gold), answer.rows) for gold in golds), answer.sql
    assert answer.usage.llm_calls >= 2 and answer.usage.cached_input_tokens > 0  # the demo schema skips selection: flow + plan


def test_write_request_is_refused_and_database_unchanged(session: Session) -> None:
    checksum = "SELECT count(*), sum(total_amount) FROM orders"
    before = rows_of(session, checksum)
    answer = session.ask("delete all orders")
    assert answer.status == "refused" and answer.sql is None
    assert rows_of(session, checksum) == before


# A shop whose tool kept capitals in every name: the model writes them bare (FROM Artist), as SQLite and MySQL take them.
CAPITALS_SETUP = """
CREATE TABLE "Artist" ("ArtistId" integer PRIMARY KEY, "Name" text);
CREATE TABLE "Album" ("AlbumId" integer PRIMARY KEY, "Title" text, "ArtistId" integer REFERENCES "Artist");
INSERT INTO "Artist" VALUES (1, 'AC/DC'), (2, 'Accept'), (3, 'Aerosmith');
INSERT INTO "Album" VALUES (10, 'Back in Black', 1), (11, 'Highway to Hell', 1), (12, 'Balls to the Wall', 2), (13, 'Restless and Wild', 2), (14, 'Let There Be Rock', 1);
"""


@pytest.mark.parametrize(
    ("question", "gold"),
    [
        ("List the titles of the albums by AC/DC.", """SELECT b."Title" FROM "Album" b JOIN "Artist" a USING ("ArtistId") WHERE a."Name" = 'AC/DC'"""),
        ("Which artist has the most albums?", 'SELECT a."Name" FROM "Artist" a JOIN "Album" b USING ("ArtistId") GROUP BY a."Name" ORDER BY count(*) DESC LIMIT 1'),
    ],
    ids=["filter-through-a-key", "top-of-a-count"],
)
def test_names_with_capitals(make_schema_db, tmp_path, question: str, gold: str) -> None:
    url, _ = make_schema_db(CAPITALS_SETUP)
    with Session(settings=Settings(database_url=url, data_dir=tmp_path), model=PRODUCT_MODEL) as s:
        answer = s.ask(question)
        assert answer.status == "ok", (answer.error, answer.attempts)
        assert results_match(rows_of(s, gold), answer.rows), answer.sql


# A shop kept in its own schema, read by a role granted some of its tables: every name offered to the model
# is one the role may read (engine/schema/introspect.py), so the answer comes from those.
RESTRICTED_SETUP = """
CREATE SCHEMA shop;
CREATE TABLE shop.customers (customer_id integer PRIMARY KEY, name text, city text);
CREATE TABLE shop.orders (order_id integer PRIMARY KEY, customer_id integer REFERENCES shop.customers, total numeric(10,2));
CREATE TABLE shop.payroll (customer_id integer, salary numeric(10,2));
INSERT INTO shop.customers VALUES (1, 'Ann', 'Oslo'), (2, 'Bo', 'Lima'), (3, 'Cy', 'Oslo');
INSERT INTO shop.orders VALUES (10, 1, 20), (11, 1, 35), (12, 2, 15), (13, 3, 5), (14, 1, 10);
INSERT INTO shop.payroll VALUES (1, 5000), (2, 6000);
"""


def test_a_role_granted_some_tables_of_another_schema(make_schema_db, make_role, tmp_path) -> None:
    url, _ = make_schema_db(RESTRICTED_SETUP)
    reader_url = make_role(url, "GRANT USAGE ON SCHEMA shop TO {role}; GRANT SELECT ON shop.customers, shop.orders TO {role}")
    with Session(settings=Settings(database_url=reader_url, data_dir=tmp_path), model=PRODUCT_MODEL) as s:
        assert {t.key for t in s.schema.tables} == {"shop.customers", "shop.orders"}
        answer = s.ask("How many orders did customers from Oslo place?")
        assert answer.status == "ok", (answer.error, answer.attempts)
        assert results_match([[4]], answer.rows), answer.sql
