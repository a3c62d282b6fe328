"""One ``bench qa`` run on the shared harness: selection, the Scoring that writes its outputs, the progress bar."""

from __future__ import annotations

import random
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from eval.qa.datasets import QADataset, QAFormat, QAQuestion
from eval.qa.metrics import QATally, compute_qa_metrics, tally_records
from eval.qa.report import render_qa_report, write_qa_charts
from eval.simpleqa.benchmark import BenchmarkDataset, BenchmarkPlan, Scoring
from eval.simpleqa.runner import RunConfig
from mcp_servers.errors import JanagentError

_NAMES = {QAFormat.HOTPOTQA: "HotpotQA", QAFormat.SQUAD: "SQuAD v1.1", QAFormat.SIMPLEQA: "SimpleQA"}


def benchmark_name(dataset: BenchmarkDataset) -> str:
    return f"QA: {_NAMES.get(QAFormat(dataset.format), dataset.format)}"


QA_SCORING = Scoring(
    name=benchmark_name,
    metrics=compute_qa_metrics,
    tally=tally_records,
    report=render_qa_report,
    charts=write_qa_charts,
)


def sample_questions(questions: list[QAQuestion], *, limit: int | None, seed: int = 0) -> list[QAQuestion]:
    """All questions, or ``random.Random(seed).sample(questions, limit)`` as simple-evals samples."""
    if limit is None or limit >= len(questions):
        return list(questions)
    if limit < 1:
        raise JanagentError("--limit must be at least 1")
    return random.Random(seed).sample(questions, limit)


def qa_plan(
    dataset: QADataset,
    out_dir: Path,
    *,
    limit: int | None = None,
    seed: int = 0,
    resume: bool = False,
    config: RunConfig | None = None,
    charts: bool = True,
) -> BenchmarkPlan:
    """The harness plan for a run over ``dataset``: the sampled questions and where their results go."""
    return BenchmarkPlan(
        dataset=dataset,
        questions=sample_questions(dataset.questions, limit=limit, seed=seed),
        out_dir=out_dir,
        seed=seed,
        limit=limit,
        resume=resume,
        config=config or RunConfig(),
        charts=charts,
    )


class QAProgress:
    """A live bar on stderr with the running F1 and EM (the harness's ProgressSink for QATally)."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console or Console(stderr=True),
        )
        self._task: TaskID | None = None

    def __enter__(self) -> QAProgress:
        self._progress.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._progress.stop()

    def begin(self, total: int, counts: QATally) -> None:
        self._task = self._progress.add_task(counts.describe(), total=total, completed=counts.n)

    def advance(self, record: dict[str, Any], counts: QATally) -> None:
        if self._task is None:
            self.begin(0, counts)
        assert self._task is not None
        self._progress.update(self._task, advance=1, description=counts.describe())
        if record.get("error"):
            self._progress.console.print(f"[yellow]row {record['index']}:[/] {record['error']}", highlight=False)
