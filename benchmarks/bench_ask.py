"""Benchmark `ask` on the demo database with the local model, against the plain-prompt baseline.

Prints: cold start (model assembly + load, first question), warm per-question
latency (median, p90) for the engine and the baseline, peak RSS, LLM calls
and tokens per question, and the grammar-forced token share. A script, not a
test: numbers, no assertions.

    python -m benchmarks.bench_ask [--model local] [--questions benchmarks/demo_questions.txt]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.session import Session
from engine.settings import Settings
from programs.plain_sql import plain_sql


def p90(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.9 * len(values))) - 1)]


def cold_start(model: str, question: str) -> float:
    """Seconds for a fresh process with an empty model cache: assembly + load + one answer."""
    cache = tempfile.mkdtemp(prefix="decide-sql-cold-")
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "engine.cli", "ask", question, "--model", model], env={**__import__("os").environ, "DECIDE_SQL_CACHE_DIR": cache}, capture_output=True, check=False)
        return time.perf_counter() - started
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="local")
    parser.add_argument("--questions", default=str(Path(__file__).with_name("demo_questions.txt")))
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start run")
    args = parser.parse_args()
    questions = [q.strip() for q in Path(args.questions).read_text().splitlines() if q.strip()]

    cold = None if args.no_cold else cold_start(args.model, questions[0])
    engine_ms, base_ms, calls, tokens_in, tokens_out, forced, statuses = [], [], [], [], [], [], []
    with Session(settings=Settings.load(model=args.model), progress=lambda m: print(m, file=sys.stderr)) as session:
        session.ask(questions[0])  # warm: model loaded, schema prefix in the KV cache
        for q in questions:
            answer = session.ask(q)
            engine_ms.append(answer.timings["total"] - answer.timings.get("introspect", 0))
            calls.append(answer.usage.llm_calls)
            tokens_in.append(answer.usage.input_tokens - answer.usage.cached_input_tokens)
            tokens_out.append(answer.usage.output_tokens)
            forced.append(answer.usage.forced_tokens)
            statuses.append(answer.status)
            started = time.perf_counter()
            plain_sql(session.model, session.schema, q)
            base_ms.append((time.perf_counter() - started) * 1000)
            print(f"{answer.status:8s} {engine_ms[-1]:7.0f} ms  baseline {base_ms[-1]:7.0f} ms  {q}", file=sys.stderr)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"model: {args.model}; questions: {len(questions)}; statuses: { {s: statuses.count(s) for s in set(statuses)} }")
    if cold is not None:
        print(f"cold first run (fresh model cache: assembly + load + 1 question, new process): {cold:.1f} s")
    print(f"engine   latency ms: median {statistics.median(engine_ms):.0f}  p90 {p90(engine_ms):.0f}")
    print(f"baseline latency ms: median {statistics.median(base_ms):.0f}  p90 {p90(base_ms):.0f}")
    print(f"engine/baseline median ratio: {statistics.median(engine_ms) / statistics.median(base_ms):.2f}")
    print(f"LLM calls per question: {statistics.mean(calls):.2f}; uncached input tokens: {statistics.mean(tokens_in):.0f}; output tokens: {statistics.mean(tokens_out):.1f}")
    print(f"forced-token share of output: {sum(forced) / max(1, sum(forced) + sum(tokens_out)):.1%}")
    print(f"peak RSS: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
