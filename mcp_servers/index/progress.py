"""Progress of an index build: documents and chunks per second on stderr, or nothing at all."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from types import TracebackType
from typing import Protocol


class AddProgress(Protocol):
    """What an index build reports while it runs."""

    def advance(self, documents: int, chunks: int) -> None:
        """``documents`` more documents (``chunks`` chunks) have been read and embedded."""
        ...

    def phase(self, description: str) -> None:
        """A new step began (e.g. building the BM25 index)."""
        ...


class NoProgress:
    """Reports nothing (library use, tests)."""

    def advance(self, documents: int, chunks: int) -> None:
        return None

    def phase(self, description: str) -> None:
        return None


class RichProgress:
    """A one-line rich progress display on stderr: documents, chunks, documents/s, elapsed time."""

    def __init__(self, description: str = "indexing") -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("{task.completed:,.0f} docs"),
            TextColumn("{task.fields[chunks]:,} chunks"),
            TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._task = self._progress.add_task(description, total=None, chunks=0, rate="")
        self._started = time.perf_counter()
        self._documents = 0
        self._chunks = 0

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def advance(self, documents: int, chunks: int) -> None:
        self._documents += documents
        self._chunks += chunks
        elapsed = max(time.perf_counter() - self._started, 1e-9)
        self._progress.update(
            self._task,
            completed=self._documents,
            chunks=self._chunks,
            rate=f"{self._documents / elapsed:,.0f} docs/s",
        )

    def phase(self, description: str) -> None:
        self._progress.update(self._task, description=description)


@contextlib.contextmanager
def progress_sink(progress: bool | AddProgress | None, description: str = "indexing") -> Iterator[AddProgress]:
    """What a build reports to: ``True`` a rich display on stderr, a given sink as is, else nothing."""
    if progress is True:
        with RichProgress(description) as bar:
            yield bar
    elif progress is False or progress is None:
        yield NoProgress()
    else:
        yield progress
