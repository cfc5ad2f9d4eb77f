"""Hand-built Schema objects for tests that need no database."""

from __future__ import annotations

from engine.schema import Column, ForeignKey, Schema, Table


def _fk(src: str, col: str, dst: str, dcol: str) -> ForeignKey:
    return ForeignKey(name=f"{src}_{col}_fkey", from_schema="public", from_table=src, from_columns=[col], to_schema="public", to_table=dst, to_columns=[dcol])


def shop_schema() -> Schema:
    """customers <- orders <- order_items -> products, plus an unrelated audit table."""
    fks = {
        "orders": [_fk("orders", "customer_id", "customers", "customer_id")],
        "order_items": [_fk("order_items", "order_id", "orders", "order_id"), _fk("order_items", "product_id", "products", "product_id")],
    }
    cols = {
        "customers": [("customer_id", "integer"), ("first_name", "text"), ("last_name", "text"), ("city", "text")],
        "orders": [("order_id", "integer"), ("customer_id", "integer"), ("status", "text"), ("total_amount", "numeric(12,2)"), ("ordered_at", "timestamp with time zone")],
        "order_items": [("order_id", "integer"), ("product_id", "integer"), ("quantity", "integer"), ("unit_price", "numeric(12,2)")],
        "products": [("product_id", "integer"), ("name", "text"), ("category", "text")],
        "audit_log": [("entry_id", "integer"), ("message", "text")],
    }
    comments = {"customers": "People who buy from the shop", "products": "Things the shop sells", "audit_log": "Internal log lines"}
    tables = []
    for name, columns in cols.items():
        tables.append(
            Table(
                schema_name="public",
                name=name,
                comment=comments.get(name),
                columns=[Column(name=c, type=t, sample_values=["paid", "shipped", "cancelled"] if c == "status" else []) for c, t in columns],
                primary_key=[columns[0][0]],
                foreign_keys=fks.get(name, []),
                referenced_by=[fk for fs in fks.values() for fk in fs if fk.to_table == name],
            )
        )
    return Schema(database="shop", tables=tables)
