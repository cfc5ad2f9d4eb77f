"""``decide-sql ask``: one question, or one per line of a file (JSON Lines)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from engine.answer import Answer
from engine.cli.options import CandidatesOpt, CheckAnswerableOpt, DatabaseUrlOpt, FormatOpt, MaxRowsOpt, ModelOpt, fmt_or_default, settings_from
from engine.errors import BadInput
from engine.cli.output import OutputFormat, dumps, emit, guard, progress


def ask_command(
    question: Annotated[Optional[str], typer.Argument(help="The question, in plain language.")] = None,
    file: Annotated[Optional[Path], typer.Option("--file", help="Answer one question per line (- reads stdin); prints JSON Lines.")] = None,
    after: Annotated[Optional[Path], typer.Option("--after", help="Ask a follow-up of the answer saved in this file (decide-sql ask ... > answer.json).")] = None,
    database_url: DatabaseUrlOpt = None,
    model: ModelOpt = None,
    fmt: FormatOpt = None,
    max_rows: MaxRowsOpt = None,
    no_execute: Annotated[bool, typer.Option("--no-execute", help="Plan and validate only; do not run the SQL.")] = False,
    trace: Annotated[bool, typer.Option("--trace", help="Include every decision's prompt and its size.")] = False,
    max_attempts: Annotated[Optional[int], typer.Option("--max-attempts", min=0, max=10, help="Repair attempts after the first plan (default 2).")] = None,
    candidates: CandidatesOpt = None,
    check_answerable: CheckAnswerableOpt = None,
) -> None:
    """Answer a question about the database with validated, read-only SQL."""
    from engine.session import Session, exit_code_of

    out = fmt_or_default(fmt)
    with guard(out):
        questions = _questions(question, file)
        if after is not None and file is not None:
            raise BadInput("--after takes one question, not --file; ask the follow-up as the QUESTION argument")
        settings = settings_from(database_url, max_rows, model, candidates=candidates, check_answerable=check_answerable)
        with Session(settings=settings, progress=progress) as session:
            if file is None:
                if after is None:
                    answer = session.ask(questions[0], execute=not no_execute, trace=trace, max_attempts=max_attempts)
                else:  # a follow-up of the saved answer (engine/conversation.py)
                    from engine.conversation import ask_after

                    answer = ask_after(session, after, questions[0], execute=not no_execute, trace=trace, max_attempts=max_attempts)
                _emit_answer(answer, out)
                raise typer.Exit(exit_code_of(answer))
            first_failure = 0
            for i, q in enumerate(questions, 1):
                progress(f"[{i}/{len(questions)}] {q[:80]}")
                answer = session.ask(q, execute=not no_execute, trace=trace, max_attempts=max_attempts)
                sys.stdout.write(dumps(answer.model_dump(mode="json")) + "\n")
                sys.stdout.flush()
                first_failure = first_failure or exit_code_of(answer)
            raise typer.Exit(first_failure)


def _questions(question: str | None, file: Path | None) -> list[str]:
    if (question is None) == (file is None):
        raise BadInput('give exactly one of QUESTION or --file FILE, e.g. decide-sql ask "how many orders are there?"')
    if file is None:
        return [question or ""]
    try:
        text = sys.stdin.buffer.read().decode("utf-8") if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read --file {file}: {getattr(exc, 'strerror', None) or exc}; pass a UTF-8 text file with one question per line") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise BadInput(f"--file {file} has no questions; put one question per line")
    return lines


def _emit_answer(answer: Answer, out: OutputFormat) -> None:
    if out is OutputFormat.table and answer.status != "ok":
        _emit_non_ok(answer)
        return
    emit(answer, out, footer=footer(answer) if out is OutputFormat.table else None)


def _emit_non_ok(answer: Answer) -> None:
    """Table format for clarify / refused / error: a short human message on stdout."""
    if answer.status == "clarify" and answer.clarification:
        lines = [answer.clarification.question] + [f"  {i}. {o}" for i, o in enumerate(answer.clarification.options, 1)]
    elif answer.error:
        lines = [f"{answer.status} [{answer.error.code}]: {answer.error.message}"]
    else:
        lines = [answer.status]
    sys.stdout.write("\n".join(lines) + "\n" + footer(answer) + "\n")


def footer(answer: Answer) -> str:
    """One line: status, calls, tokens, time, cost, model."""
    u = answer.usage
    seconds = answer.timings.get("total", 0.0) / 1000
    cost = f" · ${u.cost_usd:.4f}" if u.cost_usd is not None else ""
    return (
        f"{answer.status} · {answer.row_count} rows · {u.llm_calls} LLM calls · {u.input_tokens:,} in "
        f"({u.cached_input_tokens:,} cached) / {u.output_tokens:,} out tokens, {u.forced_tokens:,} forced · {seconds:.1f} s{cost} · {answer.model}"
    )
