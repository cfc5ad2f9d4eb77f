"""Questions that exclude an answer, over a table with several rows per answer (engine/negation_fixes.py), on real data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.executor import Executor
from engine.negation_fixes import database_holds_both, exclude_answers
from engine.settings import Settings
from engine.validator import validate
from engine.values import probe_executor

SETUP = """
CREATE TABLE product_tags (product text, tag text);
INSERT INTO product_tags VALUES ('lamp', 'sale'), ('lamp', 'new'), ('chair', 'new'), ('desk', 'sale'), (NULL, 'sale');
CREATE TABLE shelf (product text PRIMARY KEY, tag text);
INSERT INTO shelf VALUES ('lamp', 'sale'), ('chair', 'new');
CREATE TABLE one_tag (product text, tag text);
INSERT INTO one_tag VALUES ('lamp', 'sale'), ('chair', 'new');
"""
QUESTION = "which products are not tagged sale?"
REWRITTEN = (
    "SELECT product FROM product_tags WHERE NOT product IN "
    "(SELECT product FROM product_tags WHERE tag = 'sale' AND NOT product IS NULL)"
)
FIX = "product_tags.tag <> 'sale' -> product NOT IN (those with 'sale'): a product has several rows, and the question excludes it, not its rows"


@pytest.fixture(scope="module")
def db(make_schema_db) -> Iterator[tuple[object, Executor]]:
    url, schema = make_schema_db(SETUP)
    with probe_executor(url, Settings()) as probe:
        yield schema, probe


def test_excluding_an_answer_excludes_all_its_rows(db) -> None:
    schema, probe = db
    assert probe.run("SELECT product FROM product_tags WHERE tag <> 'sale'").rows == [["lamp"], ["chair"]]  # lamp is on sale
    out, fixes = exclude_answers("SELECT product FROM product_tags WHERE tag <> 'sale'", schema, QUESTION, database_holds_both(probe))
    assert (out, fixes) == (REWRITTEN, [FIX])
    assert probe.run(validate(out, schema).sql).rows == [["chair"]]  # a NULL product tagged 'sale' does not empty NOT IN


def test_other_conditions_and_aliases_stay(db) -> None:
    schema, probe = db
    sql = "SELECT t.product AS item FROM product_tags t WHERE t.product LIKE '%a%' AND t.tag != 'sale'"
    out, fixes = exclude_answers(sql, schema, "Which products with an a aren't on sale?", database_holds_both(probe))
    assert fixes == [FIX]
    assert probe.run(validate(out, schema).sql).rows == [["chair"]]


@pytest.mark.parametrize(
    ("sql", "question"),
    [
        ("SELECT product FROM product_tags WHERE tag <> 'sale'", "list the product rows whose tag differs from sale"),  # rows asked for
        ("SELECT product FROM shelf WHERE tag <> 'sale'", QUESTION),  # the primary key: one row per product
        ("SELECT product FROM one_tag WHERE tag <> 'sale'", QUESTION),  # no product has both: the rows are the answers
        ("SELECT product, tag FROM product_tags WHERE tag <> 'sale'", QUESTION),  # rows of two columns
        ("SELECT COUNT(*) FROM product_tags WHERE tag <> 'sale'", QUESTION),  # an aggregate
        ("SELECT p.product FROM product_tags p JOIN shelf s ON s.product = p.product WHERE p.tag <> 'sale'", QUESTION),  # a join
        ("SELECT product FROM product_tags WHERE tag <> 'sale' OR tag IS NULL", QUESTION),  # not one of the AND-ed conditions
        ("SELECT product FROM product_tags WHERE product <> 'lamp'", QUESTION),  # compares the answer itself
    ],
)
def test_left_alone(db, sql: str, question: str) -> None:
    schema, probe = db
    assert exclude_answers(sql, schema, question, database_holds_both(probe)) == (sql, [])
