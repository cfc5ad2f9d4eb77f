"""Progress of an eval run on stderr, with the running accuracy of each system (stdout stays clean JSON).

On a terminal: one rich progress bar. Elsewhere (a CI log, ``2> eval.log``) a
bar is drawn only when it stops, so a long run would show nothing for minutes:
there each answer gets one plain line instead.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine.evaluation.runner import QuestionResult


class EvalProgress:
    """Use as a context manager; call with each result as it arrives."""

    def __init__(self, questions: int, systems: list[str]) -> None:
        self.systems = systems
        self.questions = questions
        self.done: Counter[str] = Counter()
        self.correct: Counter[str] = Counter()
        console = Console(stderr=True)
        self._started = time.monotonic()
        self._progress: Progress | None = None
        if console.is_terminal:
            self._progress = Progress(
                TextColumn("eval"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                console=console, transient=False,
            )
            self._task = self._progress.add_task("", total=questions)

    def __enter__(self) -> "EvalProgress":
        if self._progress is not None:
            self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, r: QuestionResult) -> None:
        self.done[r.system] += 1
        self.correct[r.system] += r.correct
        accuracy = "  ".join(f"{s} {self.correct[s]}/{self.done[s]} ({self.correct[s] / self.done[s]:.0%})" for s in self.systems if self.done[s])
        if self._progress is not None:
            self._progress.update(self._task, completed=min(self.done[s] for s in self.systems), description=accuracy)
            return
        outcome = "right" if r.correct else (r.error_code or "wrong")
        elapsed = int(time.monotonic() - self._started)
        print(
            f"eval {self.done[r.system]}/{self.questions} {r.system} {r.db} {r.id}: {r.status}, {outcome} | {accuracy} | {elapsed // 60}:{elapsed % 60:02d}",
            file=sys.stderr, flush=True,
        )
