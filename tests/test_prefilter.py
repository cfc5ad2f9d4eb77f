"""Lexical pre-filter ranks the tables a question talks about first."""

from __future__ import annotations

from engine.schema import Column, Schema, Table
from engine.words import words
from programs.prefilter import join_neighbours, rank_tables
from tests.schema_fixtures import shop_schema


def test_words_split_and_fold_plurals() -> None:
    assert words("OrderItems order_items Categories boxes") == {"order", "item", "category", "box"}


def test_rank_puts_mentioned_tables_first() -> None:
    ranked = rank_tables(shop_schema(), "Which products sold the most?")
    assert ranked[0] == "products"
    assert ranked[-1] == "audit_log"


def test_rank_uses_sample_values_and_neighbours() -> None:
    ranked = rank_tables(shop_schema(), "how many cancelled?")
    assert ranked[0] == "orders"  # 'cancelled' is a sample value of orders.status
    assert ranked.index("customers") < ranked.index("audit_log")  # FK neighbour of a match


def test_join_neighbours_adds_bridge_table() -> None:
    assert join_neighbours(shop_schema(), ["customers", "products"]) == []  # two hops apart: no single bridge
    assert join_neighbours(shop_schema(), ["orders", "products"]) == ["order_items"]


def test_rank_scales_to_thousands_of_tables() -> None:
    tables = [Table(schema_name="public", name=f"t{i}_thing", columns=[Column(name="id", type="int")]) for i in range(5000)]
    tables.append(Table(schema_name="public", name="invoices", columns=[Column(name="invoice_id", type="int")]))
    ranked = rank_tables(Schema(database="wide", tables=tables), "total of all invoices")
    assert ranked[0] == "invoices" and len(ranked) == 5001


def test_lexical_matches_need_whole_table_names_or_distinctive_columns() -> None:
    from programs.prefilter import lexical_matches

    schema = shop_schema()
    assert lexical_matches(schema, "how many orders were cancelled?") == ["orders"]  # not order_items
    assert lexical_matches(schema, "average unit price per order item")[0] == "order_items"
    assert lexical_matches(schema, "what do people rate highest?") == []
