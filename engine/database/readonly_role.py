"""SQL for a least-privilege role that can only read chosen schemas.

decide-sql refuses anything but bounded reads on its own; connecting as this
role makes PostgreSQL enforce it too (defence in depth for production use).
"""

from __future__ import annotations

import re

from engine.database.connection import connect
from engine.errors import BadInput, DatabaseError

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _ident(name: str, what: str) -> str:
    if not _NAME.match(name):
        raise BadInput(f"invalid {what} name {name!r}: use lower-case letters, digits and _ (at most 63 characters)")
    return f'"{name}"'


def grant_readonly_sql(role: str, schemas: list[str], *, database: str) -> list[str]:
    """Statements creating ``role`` (NOLOGIN; add LOGIN and a password yourself) with read-only rights."""
    r, db = _ident(role, "role"), _ident(database, "database")
    statements = [
        f"CREATE ROLE {r} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT",
        f"ALTER ROLE {r} SET default_transaction_read_only = on",
        f"ALTER ROLE {r} SET statement_timeout = '15s'",
        f"GRANT CONNECT ON DATABASE {db} TO {r}",
        f"REVOKE CREATE ON SCHEMA public FROM {r}",
    ]
    for schema in schemas:
        s = _ident(schema, "schema")
        statements += [
            f"GRANT USAGE ON SCHEMA {s} TO {r}",
            f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}",
        ]
    return statements


def apply_statements(url: str, statements: list[str]) -> None:
    """Run the statements in one transaction (all or nothing)."""
    conn = connect(url)
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
        conn.commit()
    except Exception as exc:
        conn.rollback()
        raise DatabaseError(f"could not create the role: {str(exc).strip().splitlines()[0]}; run as a superuser or the schema owner", code="sql_error") from None
    finally:
        conn.close()
