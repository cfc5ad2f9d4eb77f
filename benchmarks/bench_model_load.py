"""Local model costs: cold assembly, warm check, load, RSS, greedy tokens/s on 2 threads.

    python -m benchmarks.bench_model_load [--model 0.5b|1.5b] [--tokens 64]

Cold assembly writes into a temporary cache dir (the user's cache is left
alone); the load uses the assembled temp file, so the page cache is warm.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import psutil
from guidance import gen, user, assistant

from engine.models.llama_engine import load_llama_model
from engine.models.files import MODEL_FILES, ensure_model_file
from engine.models.usage import measure


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=sorted(MODEL_FILES), default="0.5b")
    parser.add_argument("--tokens", type=int, default=64)
    args = parser.parse_args()
    spec = MODEL_FILES[args.model]
    with tempfile.TemporaryDirectory() as cache:
        started = time.perf_counter()
        path = ensure_model_file(spec, Path(cache))
        cold = time.perf_counter() - started
        started = time.perf_counter()
        ensure_model_file(spec, Path(cache))
        warm_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        ensure_model_file(spec, Path(cache), verify=True)
        verify = time.perf_counter() - started
        rss_before = psutil.Process().memory_info().rss
        started = time.perf_counter()
        lm = load_llama_model(path, n_ctx=8192, n_threads=2, chat_template=None)
        load = time.perf_counter() - started
        rss = psutil.Process().memory_info().rss
        with user():
            prompt = lm + "Write a long SQL query over tables orders and customers."
        with assistant():
            out, usage = measure(prompt, lambda m: m + gen("answer", max_tokens=args.tokens))
    print(f"model                {spec.title} ({spec.size / 1e6:,.0f} MB)")
    print(f"cold assembly        {cold:6.2f} s  ({spec.size / 1e6 / cold:,.0f} MB/s, incl. sha256)")
    print(f"warm check           {warm_ms:6.3f} ms")
    print(f"verify (re-hash)     {verify:6.2f} s")
    print(f"load                 {load:6.2f} s")
    print(f"RSS after load       {rss / 1e6:6.0f} MB (+{(rss - rss_before) / 1e6:,.0f} MB)")
    print(f"generation           {usage.output_tokens} tokens in {usage.ms / 1000:.2f} s = {usage.output_tokens / (usage.ms / 1000):.1f} tokens/s "
          f"(prompt {usage.input_tokens} tokens, 2 threads, greedy)")
    print(f"load average         {' '.join(f'{x:.2f}' for x in psutil.getloadavg())} (other work on the machine slows every figure)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
