"""``decide-sql eval``: execution accuracy on a question file, engine and baseline side by side.

stdout carries one JSON object, the summary (or the summary as a table/CSV
with ``--format``); per-question results go, one JSON line each as they
arrive, to ``--output``; progress and notes go to stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Annotated, Optional

import typer

from engine.cli.options import CandidatesOpt, CheckAnswerableOpt, Common, FormatOpt, ModelOpt, fmt_or_default, settings_from
from engine.errors import BadInput
from engine.cli.output import OutputFormat, emit, guard, progress
from engine.settings import Settings

REMOTE_KINDS = ("openai", "vllm")


def eval_command(
    questions_file: Annotated[Path, typer.Argument(metavar="QUESTIONS.jsonl", help='JSON Lines: {"id", "db", "question", "gold_sql"[, "category"]}.')],
    database_url: Annotated[Optional[str], typer.Option("--database-url", help="Server URL with {db} standing for each question's database, e.g. postgresql://u@host/{db}.")] = None,
    dumps: Annotated[Optional[Path], typer.Option("--dumps", help="Directory of <db>.sql dumps (and <db>.json descriptions), loaded into the embedded PostgreSQL once.")] = None,
    model: ModelOpt = None,
    baseline: Annotated[bool, typer.Option("--baseline", help="Also run the plain single-prompt baseline with the same model.")] = False,
    baseline_only: Annotated[bool, typer.Option("--baseline-only", help="Run only the baseline, e.g. to measure it again after a change to its prompt.")] = False,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write per-question results here (JSON Lines, one line per question and system).")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", min=1, help="Only the first N questions (after --only-db and --sample).")] = None,
    sample: Annotated[Optional[int], typer.Option("--sample", min=1, help="A random sample of N questions (reproducible with --seed).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for --sample.")] = 7,
    only_db: Annotated[Optional[list[str]], typer.Option("--only-db", help="Only questions about this database (repeatable).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="Questions in parallel (remote backends only; local models use 1).")] = 1,
    rewrites: Annotated[Optional[str], typer.Option("--rewrites", help="Rewrite steps: all (default), none, or a comma-separated list (env DECIDE_SQL_REWRITES).")] = None,
    ablate: Annotated[Optional[Path], typer.Option("--ablate", metavar="RUN.jsonl", help="Replay a run's --output file with each rewrite step off in turn (no model call); print gains and losses per step and database.")] = None,
    domain: Annotated[Optional[list[str]], typer.Option("--domain", metavar="DB=DOMAIN", help="With --ablate: databases of one domain (repeatable); each database is its own domain otherwise.")] = None,
    candidates: CandidatesOpt = None,
    check_answerable: CheckAnswerableOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Measure execution accuracy (EX) of the engine, and of the same-model plain-prompt baseline with --baseline."""
    from engine.models.backends import load_model, mask_spec
    from engine.evaluation.progress import EvalProgress
    from engine.evaluation.questions import load_questions, select_questions
    from engine.evaluation.report import db_table, leave_one_out_table, summarize, summary_table
    from engine.evaluation.runner import QuestionResult, run_eval
    from engine.rewrites.pipeline import parse_steps

    out = fmt_or_default(fmt)
    with guard(out):
        template = database_url or Common.database_url
        if (template is None) == (dumps is None):
            raise BadInput("give exactly one of --database-url URL (with {db}) or --dumps DIR")
        if template is not None and "{db}" not in template:
            raise BadInput("--database-url must contain {db} for each question's database, e.g. postgresql://user@host/{db}")
        if dumps is not None and not dumps.is_dir():
            raise BadInput(f"--dumps {dumps} is not a directory; pass the folder holding <db>.sql files")
        settings = settings_from(model=model, rewrites=rewrites, candidates=candidates, check_answerable=check_answerable)
        parse_steps(settings.rewrites)  # a misspelt step is a one-line error before anything loads
        domains = _domains(domain or [])
        if ablate is not None:
            _ablate_command(ablate, questions_file, template, dumps, settings, domains, out, only_db)
            return
        questions = select_questions(load_questions(questions_file), only_db=only_db, sample=sample, seed=seed, limit=limit)
        handle = load_model(settings.model, settings, progress=progress)
        if workers > 1 and handle.kind not in REMOTE_KINDS:
            progress(f"note: the {handle.kind} model runs in this process; --workers {workers} ignored, using 1")
            workers = 1
        urls = _database_urls(sorted({q.db for q in questions}), template, dumps, settings)
        sink = _open_output(output)
        if sink is None:
            progress("note: per-question results are not kept; pass --output FILE.jsonl to keep them")
        systems = ["baseline"] if baseline_only else ["engine", "baseline"] if baseline else ["engine"]

        try:
            with EvalProgress(len(questions), systems) as bar:

                def on_result(r: QuestionResult) -> None:
                    if sink is not None:
                        sink.write(json.dumps(r.model_dump(mode="json"), ensure_ascii=False) + "\n")
                        sink.flush()
                    bar(r)

                results = run_eval(questions, settings=settings, urls=urls, model=handle, systems=systems, workers=workers, on_result=on_result)
        finally:
            if sink is not None:
                sink.close()
        summary = summarize(results)
        if out is OutputFormat.json:
            emit({
                "status": "ok", "questions_file": str(questions_file), "model": mask_spec(handle.spec), "questions": len(questions),
                "systems": systems, "rewrites": settings.rewrites, "output": str(output) if output else None, "summary": summary,
            }, out)
        else:
            _emit_tables([summary_table(summary), db_table(summary), *([leave_one_out_table(summary)] if summary["leave_one_out"] else [])], out)


def _emit_tables(tables: list[dict], out: OutputFormat) -> None:
    """Several tables on stdout, a blank line between them (table and CSV formats)."""
    import sys

    for i, table in enumerate(tables):
        if i:
            sys.stdout.write("\n")
        emit(table, out)


def _domains(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        db, sep, name = pair.partition("=")
        if not sep or not db.strip() or not name.strip():
            raise BadInput(f"--domain {pair!r} is not DB=DOMAIN; write e.g. --domain broker=finance")
        out[db.strip()] = name.strip()
    return out


def _ablate_command(
    run_file: Path, questions_file: Path, template: str | None, dumps: Path | None, settings: Settings,
    domains: dict[str, str], out: OutputFormat, only_db: list[str] | None,
) -> None:
    """``--ablate``: replay the run's recorded SQL with each step off; no model is loaded."""
    from engine.evaluation.ablation import ablate, ablation_db_table, ablation_table, load_run
    from engine.evaluation.questions import load_questions

    results = [r for r in load_run(run_file) if not only_db or r.db in only_db]
    if not any(r.planned_sql for r in results):
        raise BadInput(f"{run_file} records no planned_sql (the SQL before the rewrites); rerun decide-sql eval --output with this version")
    urls = _database_urls(sorted({r.db for r in results if r.planned_sql}), template, dumps, settings)
    report = ablate(run_file, results, load_questions(questions_file), settings=settings, urls=urls, domains=domains, progress=progress)
    if report.disagreements:
        progress(f"note: {len(report.disagreements)} replayed answers score differently from the run (e.g. {report.disagreements[0]}): the database or the rewrites changed since")
    if out is OutputFormat.json:
        emit({"status": "ok", "questions_file": str(questions_file), "ablation": report.model_dump(mode="json")}, out)
    else:
        _emit_tables([ablation_table(report), ablation_db_table(report)], out)


def _database_urls(dbs: list[str], template: str | None, dumps: Path | None, settings: Settings) -> dict[str, str]:
    """URL of every database the questions name; dumps are loaded (or reused) before any question runs."""
    if template is not None:
        return {db: template.replace("{db}", db) for db in dbs}
    from engine.demo.embedded import embedded_server
    from engine.evaluation.dumps import ensure_dump

    admin_url = embedded_server(settings, progress=progress).get_uri("postgres")
    return {db: ensure_dump(admin_url, dumps, db, progress=progress).url for db in dbs}


def _open_output(output: Path | None) -> IO[str] | None:
    if output is None:
        return None
    try:
        return output.open("w", encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write --output {output}: {exc.strerror}; pass a writable path") from None
