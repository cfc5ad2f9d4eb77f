"""Accuracy and latency of candidate voting for K = 1, 3, 5 from ONE run with the largest K.

    .venv/bin/python -m benchmarks.bench_voting QUESTIONS.jsonl --dumps DIR [--sample N --seed S | --limit N] \
        [--k 5] [--output runs/voting.jsonl]

Each question is asked once with ``--candidates K`` (K = the largest); every
candidate's SQL is scored against the gold result, and the vote a smaller k
would have made is replayed over the first k candidates (the greedy one and
the first k-1 sampled: samples are independent, so the first k of K are a
k-candidate run). A smaller k's latency is the run's minus the decode of the
candidates it would not have made. The plain-prompt baseline runs on the same
question in the same process (its median latency is the reference of the
2.5x target). Approximations, printed with the figures: a smaller k's winner
is scored as it ran, without the repair of an empty or doubtful result that
the engine tries after the vote; when none of its k candidates ran but a
later one did, its repair is not observed and counted wrong ("unobserved").

Prints one JSON object: per k and database EX, median latency, and the cost
of one extra candidate (ms, generated tokens, prompt tokens read from cache).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from engine.errors import DecideSqlError
from engine.evaluation.questions import load_questions, select_questions
from engine.evaluation.runner import EVAL_MAX_ROWS, run_gold, score_baseline
from engine.models.backends import load_model
from engine.session import Session
from engine.settings import Settings
from engine.voting import tally


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("questions", type=Path)
    ap.add_argument("--dumps", type=Path, required=True)
    ap.add_argument("--sample", type=int)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--limit", type=int)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--output", type=Path)
    args = ap.parse_args(argv)
    from engine.cli.evaluate import _database_urls

    settings = Settings.load(candidates=args.k)
    questions = select_questions(load_questions(args.questions), only_db=None, sample=args.sample, seed=args.seed, limit=args.limit)
    model = load_model(settings.model, settings, progress=lambda m: print(m, file=sys.stderr))
    urls = _database_urls(sorted({q.db for q in questions}), None, args.dumps, settings)
    sink = args.output.open("w", encoding="utf-8") if args.output else None
    rows: list[dict[str, Any]] = []
    sessions: dict[str, Session] = {}
    try:
        for i, q in enumerate(questions, 1):
            s = sessions.get(q.db) or sessions.setdefault(q.db, Session(settings=settings, database_url=urls[q.db], model=model))
            row = one(s, q, args.k)
            rows.append(row)
            print(f"[{i}/{len(questions)}] {q.db} k={args.k}: {row['correct'][str(args.k)]} baseline: {row['baseline_correct']} {row['ms'][str(args.k)] / 1000:.0f} s", file=sys.stderr)
            if sink:
                sink.write(json.dumps(row) + "\n")
                sink.flush()
    finally:
        for s in sessions.values():
            s.close()
        if sink:
            sink.close()
    print(json.dumps(summary(rows, args.k), indent=1))
    return 0


def one(s: Session, q: Any, kmax: int) -> dict[str, Any]:
    gold = run_gold(s, q)
    answer = s.ask(q.question)
    cands = answer.candidates
    ok = []
    for c in cands:
        try:
            ok.append(c.status == "ok" and gold.matches(s.instruments.executor.run(c.sql, max_rows=EVAL_MAX_ROWS).rows))
        except DecideSqlError:
            ok.append(False)
    final = answer.status == "ok" and gold.matches(answer.rows)
    plans = [d for d in answer.decisions if d.program in ("plan_sql", "plan_sql_candidate")]
    sampled = [d for d in plans if d.program == "plan_sql_candidate"]
    total = answer.timings.get("total", 0.0) - answer.timings.get("introspect", 0.0)
    correct, ms, unobserved = {}, {}, {}
    for k in sorted({1, 3, 5, kmax}):
        if k > kmax:
            continue
        ms[str(k)] = round(total - sum(d.ms for d in sampled[k - 1 :]), 1)
        unobserved[str(k)] = False
        if k == kmax or not cands:  # the run itself (no candidates: refused, clarify, or failed before the plan)
            correct[str(k)] = final
            continue
        winner, _ = tally([c.fingerprint for c in cands[:k]], [bool(c.row_count) for c in cands[:k]])
        if winner is not None:
            correct[str(k)] = ok[winner]
        elif not any(c.chosen for c in cands):  # none of all K ran: the same repair of the greedy plan
            correct[str(k)] = final
        else:
            correct[str(k)], unobserved[str(k)] = False, True
    base = score_baseline(s, q, gold)
    return {
        "id": q.id, "db": q.db, "status": answer.status, "correct": correct, "ms": ms, "unobserved": unobserved,
        "baseline_correct": base.correct, "baseline_ms": base.ms, "gold_error": gold.error,
        "candidates": [{**c.model_dump(include={"status", "fingerprint", "votes", "chosen", "greedy"}), "correct": o} for c, o in zip(cands, ok)],
        "plan_ms": [d.ms for d in plans], "plan_out_tokens": [d.output_tokens for d in plans],
        "plan_in_tokens": [d.input_tokens for d in plans], "plan_cached_tokens": [d.cached_input_tokens for d in plans],
    }


def summary(rows: list[dict[str, Any]], kmax: int) -> dict[str, Any]:
    def ex(rs: list[dict[str, Any]], k: str) -> float:
        return round(100 * sum(r["correct"][k] for r in rs) / len(rs), 1) if rs else 0.0

    ks = sorted(rows[0]["correct"]) if rows else []
    by_db: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_db[r["db"]].append(r)
    extra = [(ms, out, cached, inp) for r in rows for ms, out, cached, inp in zip(r["plan_ms"][1:], r["plan_out_tokens"][1:], r["plan_cached_tokens"][1:], r["plan_in_tokens"][1:])]
    base_median = statistics.median(r["baseline_ms"] for r in rows) if rows else 0.0
    out: dict[str, Any] = {"questions": len(rows), "k_max": kmax, "baseline": {"ex": round(100 * sum(r["baseline_correct"] for r in rows) / max(len(rows), 1), 1), "median_ms": base_median}}
    for k in ks:
        median = statistics.median(r["ms"][k] for r in rows)
        out[f"k={k}"] = {
            "ex": ex(rows, k), "median_ms": median, "x_baseline": round(median / base_median, 2) if base_median else None,
            "unobserved": sum(r["unobserved"][k] for r in rows),
            "per_db": {db: {"ex": ex(rs, k), "median_ms": statistics.median(r["ms"][k] for r in rs), "n": len(rs)} for db, rs in sorted(by_db.items())},
        }
    out["baseline"]["per_db"] = {db: {"ex": round(100 * sum(r["baseline_correct"] for r in rs) / len(rs), 1), "median_ms": statistics.median(r["baseline_ms"] for r in rs)} for db, rs in sorted(by_db.items())}
    if extra:
        out["extra_candidate"] = {
            "median_ms": statistics.median(e[0] for e in extra), "median_output_tokens": statistics.median(e[1] for e in extra),
            "prompt_tokens_cached": f"{sum(e[2] for e in extra)} of {sum(e[3] for e in extra)}",
        }
    greedy_ms = [r["plan_ms"][0] for r in rows if r["plan_ms"]]
    if greedy_ms:
        out["greedy_plan_median_ms"] = statistics.median(greedy_ms)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
