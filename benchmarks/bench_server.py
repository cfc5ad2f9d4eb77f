"""Benchmark ``decide-sql serve``: the load test's figures, and warm latency through the API vs the CLI.

1. load (scripted backend, real PostgreSQL): 50 concurrent /api/sql and 20
   concurrent /api/ask requests; wall time, latency median / p95 per kind,
   connections in pg_stat_activity before / during / after, peak RSS.
2. latency (``--model local``, the real model): the same questions through
   the API of a warm server, through ``decide-sql ask --file`` (the CLI with
   the model loaded once: its warm latency) and through one ``decide-sql ask``
   process per question (what a script pays without a server); medians.

A script, not a test: numbers, no assertions.

    python -m benchmarks.bench_server [--database-url URL] [--model local] [--questions benchmarks/demo_questions.txt] [--skip-latency]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from engine.demo.embedded import resolve_database_url
from engine.models.scripted import scripted_model
from engine.server import ServerConfig, create_app, server_in_thread
from engine.settings import Settings
from tests.server_helpers import GROUPED_SCRIPT, backend_connections, call


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def connections(url: str) -> int:
    """decide-sql's connections to the database (counted from a separate connection)."""
    return backend_connections(url, urlsplit(url).path.lstrip("/"))


def load(settings: Settings, url: str, n_sql: int, n_ask: int) -> None:
    idle = connections(url)
    app = create_app(ServerConfig(port=0, queue_size=n_ask), settings, model=scripted_model(GROUPED_SCRIPT))
    with server_in_thread(app) as base:
        opened = connections(url)

        def timed(kind: str, i: int) -> tuple[str, float, bool]:
            started = time.perf_counter()
            if kind == "sql":
                code, _, body = call(base, "POST", "/api/sql", {"sql": f"SELECT {i} AS request, count(*) FROM orders"})
            else:
                code, _, body = call(base, "POST", "/api/ask", {"question": f"How many orders are there per status? ({i})"})
            return kind, time.perf_counter() - started, code == 200 and body.get("status") == "ok"

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=n_sql + n_ask) as pool:
            futures = [pool.submit(timed, "ask", i) for i in range(n_ask)] + [pool.submit(timed, "sql", i) for i in range(n_sql)]
            results = [f.result() for f in futures]
        wall = time.perf_counter() - started
        busy = connections(url)
    after = connections(url)
    print(f"load: {n_sql} concurrent /api/sql + {n_ask} concurrent /api/ask (scripted backend), wall {wall:.2f} s")
    for kind in ("sql", "ask"):
        times = [t for k, t, _ in results if k == kind]
        ok = sum(good for k, _, good in results if k == kind)
        print(f"  /api/{kind}: {ok}/{len(times)} ok, latency median {statistics.median(times) * 1000:.0f} ms, p95 {p95(times) * 1000:.0f} ms, {len(times) / wall:.1f} req/s")
    print(f"  connections (pg_stat_activity): {idle} before start, {opened} after start, {busy} after the load, {after} after shutdown")
    print(f"  peak RSS of the process (server + client threads): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)


def latency(settings: Settings, url: str, model: str, questions: list[str]) -> None:
    app = create_app(ServerConfig(port=0), settings, model=model)
    api: list[float] = []
    engine_ms: list[float] = []
    with server_in_thread(app, timeout_s=600) as base:
        for q in questions:
            started = time.perf_counter()
            _, _, body = call(base, "POST", "/api/ask", {"question": q}, timeout=600)
            api.append(time.perf_counter() - started)
            engine_ms.append(body.get("timings", {}).get("total", 0.0) / 1000)
    print(f"latency ({model}, {len(questions)} questions, medians):", flush=True)
    print(f"  API round trip, warm server:            {statistics.median(api):.2f} s (engine's own total {statistics.median(engine_ms):.2f} s)", flush=True)
    cli = str(Path(sys.executable).parent / "decide-sql")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(questions) + "\n")
    started = time.perf_counter()
    run = subprocess.run([cli, "ask", "--file", f.name, "--model", model, "--database-url", url], capture_output=True, text=True)
    file_wall = time.perf_counter() - started
    warm = [json.loads(line)["timings"]["total"] / 1000 for line in run.stdout.splitlines() if line.strip()]
    print(f"  CLI ask --file, model loaded once:      {statistics.median(warm[1:] or warm):.2f} s per question (first question {warm[0]:.2f} s; {file_wall:.1f} s for the whole file)", flush=True)
    per_process: list[float] = []
    for q in questions[:5]:
        started = time.perf_counter()
        subprocess.run([cli, "ask", q, "--model", model, "--database-url", url], capture_output=True, text=True)
        per_process.append(time.perf_counter() - started)
    print(f"  CLI ask, one process per question:      {statistics.median(per_process):.2f} s ({len(per_process)} questions)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--model", default="local")
    parser.add_argument("--questions", default=str(Path(__file__).with_name("demo_questions.txt")))
    parser.add_argument("--sql", type=int, default=50)
    parser.add_argument("--ask", type=int, default=20)
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    settings = Settings.load(database_url=args.database_url)
    url = resolve_database_url(settings)
    settings = settings.model_copy(update={"database_url": url})
    load(settings, url, args.sql, args.ask)
    if not args.skip_latency:
        questions = [q.strip() for q in Path(args.questions).read_text().splitlines() if q.strip() and not q.startswith("#")]
        latency(settings, url, args.model, questions)


if __name__ == "__main__":
    main()
