"""Open PostgreSQL connections with errors a user can act on (and no password in them)."""

from __future__ import annotations

import psycopg2
import psycopg2.extensions

from engine.errors import DatabaseError
from engine.database.urls import check_url, mask_url, password_of, scrub


def connect(url: str, *, connect_timeout_s: int = 5, application_name: str = "decide-sql") -> psycopg2.extensions.connection:
    """Connect to ``url``; every failure is a one-line ``DatabaseError(code="connection_failed")``."""
    url = check_url(url)
    try:
        return psycopg2.connect(url, connect_timeout=connect_timeout_s, application_name=application_name)
    except psycopg2.Error as exc:
        raise DatabaseError(_explain(str(exc), url), code="connection_failed") from None


def _explain(driver_message: str, url: str) -> str:
    text = scrub(" ".join(driver_message.split()), password_of(url))
    lower = text.lower()
    if "password authentication failed" in lower or "no password supplied" in lower:
        fix = "check the user name and password in DATABASE_URL"
    elif "does not exist" in lower and "database" in lower:
        fix = "check the database name in DATABASE_URL (or unset it to use the embedded demo database)"
    elif "too many connections" in lower or "too many clients" in lower or "connection slots" in lower:
        fix = "the server has no free connection slots; retry later, or raise max_connections (or the role's CONNECTION LIMIT)"
    elif "connection refused" in lower or "no such file or directory" in lower or "could not connect" in lower:
        fix = "is PostgreSQL running and reachable at that host and port? (unset DATABASE_URL to use the embedded demo database)"
    elif "timeout" in lower:
        fix = "the server did not answer in time; check the host and any firewall"
    elif "could not translate host name" in lower:
        fix = "the host name does not resolve; check DATABASE_URL"
    else:
        fix = "check DATABASE_URL"
    return f"cannot connect to {mask_url(url)}: {text[:300]}; {fix}"
