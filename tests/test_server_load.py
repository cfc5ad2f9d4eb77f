"""Load: 50 concurrent /api/sql and 20 concurrent /api/ask requests, all answered correctly, none lost, no connection leaked.

Correctness only; benchmarks/bench_server.py prints the timings and peak RSS.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit


from engine.database.executor import Executor
from engine.settings import Settings
from tests.server_helpers import GROUPED_SCRIPT, GROUPED_SQL, backend_connections, call, running_server

SQL_REQUESTS = 50
ASK_REQUESTS = 20


def test_concurrent_requests_are_all_answered_and_no_connection_leaks(settings: Settings, admin_url: str) -> None:
    dbname = urlsplit(settings.database_url).path.lstrip("/")
    with Executor(settings.database_url, settings) as ex:
        grouped = ex.run(GROUPED_SQL).rows
        per_status = dict(map(tuple, ex.run("SELECT status, count(*) FROM orders GROUP BY status").rows))
    statuses = sorted(per_status)
    idle = backend_connections(admin_url, dbname)
    with running_server(settings, GROUPED_SCRIPT, queue_size=ASK_REQUESTS) as (base, app):
        opened = backend_connections(admin_url, dbname)

        def sql(i: int) -> tuple[int, dict]:
            status = statuses[i % len(statuses)]
            code, _, body = call(base, "POST", "/api/sql", {"sql": f"SELECT {i} AS request, count(*) AS n FROM orders WHERE status = '{status}'"})
            return code, body

        def ask(i: int) -> tuple[int, dict]:
            code, _, body = call(base, "POST", "/api/ask", {"question": f"How many orders are there per status? (request {i})"})
            return code, body

        with ThreadPoolExecutor(max_workers=SQL_REQUESTS + ASK_REQUESTS) as pool:
            asks = [pool.submit(ask, i) for i in range(ASK_REQUESTS)]
            sqls = [pool.submit(sql, i) for i in range(SQL_REQUESTS)]
            sql_results = [f.result(timeout=300) for f in sqls]
            ask_results = [f.result(timeout=300) for f in asks]
        busy = backend_connections(admin_url, dbname)
        assert app.state.ask_pool.running == 0 and app.state.ask_pool.waiting == 0
    assert [code for code, _ in sql_results] == [200] * SQL_REQUESTS
    for i, (_, body) in enumerate(sql_results):  # each answer is its own request's, with the right count
        assert body["status"] == "ok", body
        assert body["rows"] == [[i, per_status[statuses[i % len(statuses)]]]]
    assert [code for code, _ in ask_results] == [200] * ASK_REQUESTS
    for i, (_, body) in enumerate(ask_results):
        assert body["status"] == "ok", body["error"]
        assert body["rows"] == grouped and body["question"].endswith(f"(request {i})")
    assert len({body["conversation_id"] for _, body in ask_results}) == ASK_REQUESTS
    assert opened == busy  # the pool: no connection opened per request
    assert opened == idle + 4  # one session (executor + value probe) and two /api/sql connections
    assert backend_connections(admin_url, dbname) == idle  # all closed at shutdown
