"""Dialect rewrites made before validation (engine/sql_fixes.py)."""

from __future__ import annotations

import pytest

from engine.sql_fixes import cast_dates_for_like
from tests.validator_corpus import retail_schema

SCHEMA = retail_schema()


@pytest.mark.parametrize(
    ("sql", "expected", "fixed"),
    [
        (
            "SELECT c.first_name FROM customers c WHERE c.created_at LIKE '2024%' AND c.first_name LIKE 'A%'",
            "SELECT c.first_name FROM customers AS c WHERE CAST(c.created_at AS TEXT) LIKE '2024%' AND c.first_name LIKE 'A%'",
            ["customers.created_at (timestamp with time zone) compared as text for LIKE"],
        ),
        ("SELECT 1 FROM orders WHERE ordered_at ILIKE '2024-01%'", "SELECT 1 FROM orders WHERE CAST(ordered_at AS TEXT) ILIKE '2024-01%'", 1),
        ("SELECT 1 FROM orders WHERE status LIKE 'pa%'", "SELECT 1 FROM orders WHERE status LIKE 'pa%'", []),  # a text column: unchanged
        ("SELECT 1 FROM orders WHERE ordered_at LIKE", "SELECT 1 FROM orders WHERE ordered_at LIKE", []),  # does not parse: the validator says why
    ],
)
def test_a_date_compared_with_like_is_compared_as_text(sql: str, expected: str, fixed: list[str] | int) -> None:
    out, fixes = cast_dates_for_like(sql, SCHEMA)
    assert out == expected
    assert (len(fixes) if isinstance(fixed, int) else fixes) == fixed
