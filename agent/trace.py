"""Progress events of a run, and the JSONL trace file that records every one of them.

The loop emits ``AgentEvent``s (typed records, agent/steps.py); the CLI fans them out to the live progress display and to a
``TraceWriter``, which writes one JSON object per line under JANAGENT_HOME/runs/.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from agent.steps import AgentEvent, EventKind
from mcp_servers.home import runs_dir

__all__ = ["AgentEvent", "EventKind", "TraceWriter", "read_trace"]


class TraceWriter:
    """Appends JSON lines to one trace file; usable as an ``on_event`` callback and a context manager."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = path.open("a", encoding="utf-8")

    @classmethod
    def for_question(cls, question: str, directory: Path | None = None) -> TraceWriter:
        """A new trace file named by time and question, e.g. ``20250101-120000-who-painted-1a2b3c.jsonl``."""
        slug = re.sub(r"[^a-z0-9]+", "-", question.lower()).strip("-")[:40] or "run"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        return cls((directory or runs_dir()) / f"{stamp}-{slug}-{uuid.uuid4().hex[:6]}.jsonl")

    def write(self, record: dict[str, Any]) -> None:
        if self._file is None:
            return
        self._file.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._file.flush()

    def __call__(self, event: AgentEvent) -> None:
        self.write(event.model_dump())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def read_trace(path: Path) -> list[dict[str, Any]]:
    """The records of a trace file, in order."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
