"""The live progress bar (stderr) with the running accuracy, for long runs."""

from __future__ import annotations

from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from eval.simpleqa.metrics import GradeCounts, score


def describe_counts(counts: GradeCounts, *, approximate: bool) -> str:
    """One line: correct so far, accuracy given attempted, errors; flagged when the grader is approximate."""
    metrics = score(counts)
    flag = " (approximate grader)" if approximate else ""
    return (
        f"correct {100 * metrics['correct']:.1f}% · given attempted "
        f"{100 * metrics['accuracy_given_attempted']:.1f}% · errors {counts.errors}{flag}"
    )


class RichProgress:
    """A ProgressSink drawing a bar on stderr; a context manager that starts and stops the display."""

    def __init__(self, *, approximate: bool, console: Console | None = None) -> None:
        self.approximate = approximate
        self._progress = Progress(
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console or Console(stderr=True),
        )
        self._task: TaskID | None = None

    def begin(self, total: int, counts: GradeCounts) -> None:
        self._task = self._progress.add_task(
            describe_counts(counts, approximate=self.approximate), total=total, completed=counts.n
        )

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()

    def advance(self, record: dict[str, Any], counts: GradeCounts) -> None:
        if self._task is None:
            self.begin(0, counts)
        assert self._task is not None
        self._progress.update(self._task, advance=1, description=describe_counts(counts, approximate=self.approximate))
        if record.get("error"):
            self._progress.console.print(f"[yellow]row {record['index']}:[/] {record['error']}", highlight=False)
