"""``decide-sql eval``: execution accuracy on a question file, engine and baseline side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from engine.cli_options import FormatOpt, ModelOpt, fmt_or_default, settings_from
from engine.errors import BadInput
from engine.output import OutputFormat, emit, guard, progress


def eval_command(
    questions_file: Annotated[Path, typer.Argument(metavar="QUESTIONS.jsonl", help='JSON Lines: {"id", "db", "question", "gold_sql"[, "category"]}')],
    database_url: Annotated[Optional[str], typer.Option("--database-url", help="URL with {db} standing for each question's database name.")] = None,
    dumps: Annotated[Optional[Path], typer.Option("--dumps", help="Directory of <db>.sql dumps, loaded into the embedded PostgreSQL once.")] = None,
    model: ModelOpt = None,
    baseline: Annotated[bool, typer.Option("--baseline", help="Also run the plain single-prompt baseline with the same model.")] = False,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write per-question results here (JSON Lines).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Only the first N (after sampling).")] = None,
    sample: Annotated[Optional[int], typer.Option("--sample", min=1, help="A random sample of N questions.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --sample.")] = 7,
    only_db: Annotated[Optional[list[str]], typer.Option("--only-db", help="Only questions of this database (repeatable).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Parallel questions (remote backends only).")] = 1,
    fmt: FormatOpt = None,
) -> None:
    """Measure execution accuracy (EX) of the engine, and of the same-model baseline with --baseline."""
    from engine.evaluation.questions import load_questions
    from engine.evaluation.runner import ProgressLine, run_eval, select_questions, summarize

    out = fmt_or_default(fmt)
    with guard(out):
        if (database_url is None) == (dumps is None):
            raise BadInput("give exactly one of --database-url URL (with {db}) or --dumps DIR")
        if database_url is not None and "{db}" not in database_url:
            raise BadInput("--database-url must contain {db}, e.g. postgresql://u:p@host/{db}")
        settings = settings_from(model=model)
        if workers > 1 and settings.model.startswith("local"):
            progress("note: the local model runs in-process; --workers ignored (1 worker)")
        questions = select_questions(load_questions(questions_file), only_db=only_db, sample=sample, seed=seed, limit=limit)
        url_for = _url_for(database_url, dumps, settings)
        results = run_eval(questions, settings=settings, url_for=url_for, model=settings.model, baseline=baseline, on_result=ProgressLine(len(questions)))
        if output is not None:
            output.write_text("".join(json.dumps(r.model_dump()) + "\n" for r in results), encoding="utf-8")
        summary = summarize(results)
        if out is OutputFormat.json:
            emit({"status": "ok", "questions_file": str(questions_file), "model": settings.model, "summary": summary}, out)
        else:
            emit(_table(summary), out)


def _url_for(database_url: str | None, dumps: Path | None, settings: Any) -> Any:
    if database_url is not None:
        return lambda db: database_url.replace("{db}", db)
    from engine.embedded import embedded_server
    from engine.evaluation.dumps import ensure_dump

    admin_url = embedded_server(settings, progress=progress).get_uri("postgres")
    loaded: dict[str, str] = {}

    def url_for(db: str) -> str:
        if db not in loaded:
            loaded[db] = ensure_dump(admin_url, dumps, db, progress=progress)
        return loaded[db]

    return url_for


ROWS = [
    ("EX", "ex"), ("correct", "correct"), ("questions", "questions"), ("passed validation first time", "validated_first_time"),
    ("repair success", "repair_success"), ("refused", "refused"), ("clarify", "clarify"), ("errors", "errors"),
    ("executed without validation", "executed_unvalidated"), ("runtime errors: unknown table/column", "undefined_name_runtime_errors"),
    ("latency median ms", "latency_ms_median"), ("latency p90 ms", "latency_ms_p90"), ("LLM calls / question", "llm_calls_per_question"),
    ("uncached input tokens / question", "uncached_input_tokens_per_question"), ("output tokens / question", "output_tokens_per_question"),
    ("forced-token share", "forced_token_share"),
]


def _table(summary: dict[str, Any]) -> dict[str, Any]:
    systems = [s for s in summary if isinstance(summary[s], dict)]
    rows = [[label] + [summary[s].get(key) for s in systems] for label, key in ROWS]
    for group in ("ex_by_db", "ex_by_category"):
        names = sorted({k for s in systems for k in summary[s][group]})
        rows += [[f"EX {group[6:]} {name}"] + [summary[s][group].get(name) for s in systems] for name in names]
    rows.append(["peak RSS MB", summary["peak_rss_mb"]] + [None] * (len(systems) - 1))
    return {"columns": ["metric", *systems], "rows": rows}


