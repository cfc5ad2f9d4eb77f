"""The eval summary: execution accuracy and operating figures per system, and its table form.

Every figure is computed from the per-question results alone (the same lines
``--output`` writes), except ``peak_rss_mb``, the process's peak resident
memory. Shares are rounded to 4 places; ``None`` means "no denominator".
"""

from __future__ import annotations

import math
import resource
import statistics
from collections import defaultdict
from typing import Any

from engine.evaluation.runner import QuestionResult


NON_ANSWERS = ("refused", "error")  # no rows at all: what a user meets as "no answer"
SYSTEMS = ("engine", "baseline")


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


def _ex_by(rs: list[QuestionResult], key: str) -> dict[str, float | None]:
    groups: dict[str, list[QuestionResult]] = defaultdict(list)
    for r in rs:
        groups[getattr(r, key) or "-"].append(r)
    return {name: share(sum(r.correct for r in group), len(group)) for name, group in sorted(groups.items())}


def summarize_system(rs: list[QuestionResult]) -> dict[str, Any]:
    n = len(rs)
    with_sql = [r for r in rs if r.validated_first_time is not None]
    repairs = [r for r in rs if r.repair_tried]
    fallbacks = [r for r in rs if r.fell_back]
    doubted = [r for r in rs if r.doubted]
    tokens_out = sum(r.tokens_out for r in rs)
    tokens_forced = sum(r.tokens_forced for r in rs)
    ms = [r.ms for r in rs]
    return {
        "questions": n,
        "correct": sum(r.correct for r in rs),
        "ex": share(sum(r.correct for r in rs), n),
        "ex_by_category": _ex_by(rs, "category"),
        "ex_by_db": _ex_by(rs, "db"),
        "validated_first_time": share(sum(bool(r.validated_first_time) for r in with_sql), len(with_sql)),
        "repairs_tried": len(repairs),
        "repair_success": share(sum(r.repaired for r in repairs), len(repairs)),
        "fallbacks_tried": len(fallbacks),
        "fallbacks_answered": sum(r.status == "ok" for r in fallbacks),
        "fallbacks_correct": sum(r.correct for r in fallbacks),
        "doubted": len(doubted) if any(r.doubted is not None for r in rs) else None,
        "doubted_correct": share(sum(r.correct for r in doubted), len(doubted)),
        "ok": sum(r.status == "ok" for r in rs),
        "refused": sum(r.status == "refused" for r in rs),
        "clarify": sum(r.status == "clarify" for r in rs),
        "errors": sum(r.status == "error" for r in rs),
        "non_answers": sum(r.status in NON_ANSWERS for r in rs),
        "non_answer_share": share(sum(r.status in NON_ANSWERS for r in rs), n),
        "executed_unvalidated": sum(r.executed_unvalidated for r in rs),
        "undefined_name_runtime_errors": sum(r.undefined_name_errors for r in rs),
        "gold_errors": sum(r.gold_error is not None for r in rs),
        "truncated": sum(r.truncated for r in rs),
        "latency_ms_median": round(statistics.median(ms), 1) if ms else None,
        "latency_ms_p90": round(p90(ms), 1) if ms else None,
        "llm_calls_per_question": round(sum(r.llm_calls for r in rs) / n, 2) if n else None,
        "tokens_in_per_question": round(sum(r.tokens_in for r in rs) / n, 1) if n else None,
        "tokens_cached_per_question": round(sum(r.tokens_cached for r in rs) / n, 1) if n else None,
        "tokens_out_per_question": round(tokens_out / n, 1) if n else None,
        "forced_token_share": share(tokens_forced, tokens_forced + tokens_out),
    }


def summarize(results: list[QuestionResult]) -> dict[str, Any]:
    """``{"engine": {...}, "baseline": {...}, "peak_rss_mb": ...}`` (baseline only when it ran)."""
    out: dict[str, Any] = {}
    for system in SYSTEMS:
        rs = [r for r in results if r.system == system]
        if rs:
            out[system] = summarize_system(rs)
    out["by_db"] = by_db(results)
    out["leave_one_out"] = leave_one_out(results)
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _figures(rs: list[QuestionResult]) -> dict[str, Any]:
    """EX, the engine-minus-baseline difference and non-answers of one group of results."""
    row: dict[str, Any] = {"questions": len({r.id for r in rs})}
    for system in SYSTEMS:
        mine = [r for r in rs if r.system == system]
        row[f"{system}_correct"] = sum(r.correct for r in mine) if mine else None
        row[f"{system}_ex"] = share(sum(r.correct for r in mine), len(mine)) if mine else None
        row[f"{system}_non_answers"] = sum(r.status in NON_ANSWERS for r in mine) if mine else None
    engine, baseline = row["engine_ex"], row["baseline_ex"]
    row["difference"] = round(engine - baseline, 4) if engine is not None and baseline is not None else None
    return row


def by_db(results: list[QuestionResult]) -> list[dict[str, Any]]:
    """One row per database: EX of each system, the difference (engine - baseline), non-answers (refused + error)."""
    dbs = sorted({r.db for r in results})
    return [{"db": db, **_figures([r for r in results if r.db == db])} for db in dbs]


def leave_one_out(results: list[QuestionResult]) -> list[dict[str, Any]]:
    """For each database, the figures of all the others: what a change built on the rest shows on the whole minus one.

    A gain that vanishes when one database is held out was that database's gain. Empty with fewer than two databases.
    """
    dbs = sorted({r.db for r in results})
    if len(dbs) < 2:
        return []
    return [{"held_out": db, **_figures([r for r in results if r.db != db])} for db in dbs]


ROWS = [
    ("EX", "ex"), ("correct", "correct"), ("questions", "questions"),
    ("passed validation first time", "validated_first_time"), ("repairs tried", "repairs_tried"), ("repair success", "repair_success"),
    ("plain-prompt fallbacks tried", "fallbacks_tried"), ("fallbacks answered", "fallbacks_answered"), ("fallbacks correct", "fallbacks_correct"),
    ("answers with doubts", "doubted"), ("doubted answers correct", "doubted_correct"),
    ("ok", "ok"), ("refused", "refused"), ("clarify", "clarify"), ("errors", "errors"),
    ("non-answers (refused + error)", "non_answers"), ("non-answer share", "non_answer_share"),
    ("executed SQL the validator refuses", "executed_unvalidated"), ("runtime errors: unknown table/column", "undefined_name_runtime_errors"),
    ("gold errors", "gold_errors"), ("truncated comparisons", "truncated"),
    ("latency median ms", "latency_ms_median"), ("latency p90 ms", "latency_ms_p90"), ("LLM calls / question", "llm_calls_per_question"),
    ("input tokens / question", "tokens_in_per_question"), ("cached input tokens / question", "tokens_cached_per_question"),
    ("output tokens / question", "tokens_out_per_question"), ("forced-token share", "forced_token_share"),
]


def summary_table(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary as ``{"columns", "rows"}`` (metric per row, one column per system) for table/CSV output."""
    systems = [s for s in ("engine", "baseline") if s in summary]
    rows = [[label] + [summary[s][key] for s in systems] for label, key in ROWS]
    for group, label in (("ex_by_db", "EX db"), ("ex_by_category", "EX category")):
        names = sorted({name for s in systems for name in summary[s][group]})
        rows += [[f"{label} {name}"] + [summary[s][group].get(name) for s in systems] for name in names]
    rows.append(["peak RSS MB (process)"] + [summary["peak_rss_mb"]] * len(systems))
    return {"columns": ["metric", *systems], "rows": rows}


_DB_COLUMNS = ["questions", "engine_ex", "baseline_ex", "difference", "engine_non_answers", "baseline_non_answers"]
_DB_LABELS = ["n", "engine EX", "baseline EX", "diff", "engine no answer", "baseline no answer"]  # short: 80 columns


def db_table(summary: dict[str, Any]) -> dict[str, Any]:
    """Per database: EX engine and baseline, the difference, non-answers; a last row for all databases."""
    rows = [[r["db"], *(r[c] for c in _DB_COLUMNS)] for r in summary["by_db"]]
    total = {s: summary.get(s, {}) for s in SYSTEMS}
    engine, baseline = total["engine"].get("ex"), total["baseline"].get("ex")
    rows.append([
        "all", (total["engine"] or total["baseline"]).get("questions"), engine, baseline,
        round(engine - baseline, 4) if engine is not None and baseline is not None else None,
        total["engine"].get("non_answers"), total["baseline"].get("non_answers"),
    ])
    return {"columns": ["db", *_DB_LABELS], "rows": rows}


def leave_one_out_table(summary: dict[str, Any]) -> dict[str, Any]:
    """Per database held out: the same figures over all the other databases."""
    rows = [[r["held_out"], *(r[c] for c in _DB_COLUMNS)] for r in summary["leave_one_out"]]
    return {"columns": ["held out", "others n", *_DB_LABELS[1:]], "rows": rows}
