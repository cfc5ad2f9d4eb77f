"""Helpers for the server tests: a real uvicorn server in a thread, plain HTTP calls, SSE parsing, connection counts."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg2

from engine.models.scripted import scripted_model
from engine.server import ServerConfig, create_app, server_in_thread
from engine.settings import Settings

# A scripted conversation over the demo database: a grouped question, a follow-up, a write request.
GROUPED_SQL = "SELECT status, COUNT(*) AS orders FROM orders GROUP BY status ORDER BY status"
FOLLOW_UP_SQL = "SELECT COUNT(*) AS orders FROM orders WHERE status = 'cancelled'"
FOLLOW_UP = '{"question": "How many orders are cancelled?"}'


def copied(question: str) -> str:
    """resolve_follow_up's answer for a question that is already complete: the question, copied."""
    return json.dumps({"question": question})


GROUPED_SCRIPT = {"choose_flow": ["SELECT"], "plan_sql": [GROUPED_SQL], "resolve_follow_up": [copied("How many orders are there per status?")]}
CONVERSATION_SCRIPT = {
    "choose_flow": ["SELECT", "SELECT", "DELETE"],
    "plan_sql": [GROUPED_SQL, FOLLOW_UP_SQL],
    "resolve_follow_up": [FOLLOW_UP, copied("delete all orders")],
}


@contextmanager
def running_server(settings: Settings, script: dict[str, list[str]] | None = None, *, model: Any = None, **config: Any) -> Iterator[tuple[str, Any]]:
    """(base URL, app) of a server on a free loopback port with the scripted backend (or ``model``)."""
    handle = model if model is not None else scripted_model(script or CONVERSATION_SCRIPT)
    app = create_app(ServerConfig(port=0, **config), settings, model=handle)
    with server_in_thread(app) as base:
        yield base, app


def call(base: str, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None, raw: bytes | None = None, timeout: float = 120) -> tuple[int, dict[str, str], Any]:
    """(status, headers, parsed JSON body or text)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    conn.request(method, path, body=data, headers={"Content-Type": "application/json", **(headers or {})})
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    found = {k.lower(): v for k, v in response.getheaders()}
    try:
        return response.status, found, json.loads(text)
    except json.JSONDecodeError:
        return response.status, found, text


def events(text: str) -> list[tuple[str, dict]]:
    """Parse a Server-Sent Events body into (event, data) pairs (comments skipped)."""
    found = []
    for block in text.split("\n\n"):
        name, data = "message", ""
        for line in block.splitlines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data += line[6:]
        if data:
            found.append((name, json.loads(data)))
    return found


def backend_connections(admin_url: str, dbname: str) -> int:
    """Client connections to ``dbname`` from decide-sql, counted in pg_stat_activity (from another connection)."""
    conn = psycopg2.connect(admin_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND application_name = 'decide-sql' AND pid <> pg_backend_pid()", (dbname,))
            return cur.fetchone()[0]
    finally:
        conn.close()
