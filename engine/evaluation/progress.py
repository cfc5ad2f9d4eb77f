"""A progress bar on stderr with the running accuracy of each system (stdout stays clean JSON)."""

from __future__ import annotations

from collections import Counter
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from engine.evaluation.runner import QuestionResult


class EvalProgress:
    """Use as a context manager; call with each result as it arrives."""

    def __init__(self, questions: int, systems: list[str]) -> None:
        self.systems = systems
        self.done: Counter[str] = Counter()
        self.correct: Counter[str] = Counter()
        self._progress = Progress(
            TextColumn("eval"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
            console=Console(stderr=True), transient=False,
        )
        self._task = self._progress.add_task("", total=questions)

    def __enter__(self) -> "EvalProgress":
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._progress.stop()

    def __call__(self, r: QuestionResult) -> None:
        self.done[r.system] += 1
        self.correct[r.system] += r.correct
        accuracy = "  ".join(f"{s} {self.correct[s]}/{self.done[s]} ({self.correct[s] / self.done[s]:.0%})" for s in self.systems if self.done[s])
        self._progress.update(self._task, completed=min(self.done[s] for s in self.systems), description=accuracy)
