"""The question loop: K concurrent workers, a per-question timeout, bounded retries, one durable line per result.

Each question goes solve -> judge -> write. A failure of the solver or the judge (a grader model, say) is
retried with exponential backoff a bounded number of times and then recorded as an error (never graded as an
answer, unlike simple-evals). A timeout is not retried: the same question on the same stack would time out
again. Cancellation (Ctrl-C) stops the in-flight questions; every line already written stays written.

The loop is shared by every benchmark: what a record holds beyond the answer comes from its ``Judge``
(SimpleQA's grade through ``GraderJudge``; EM/F1 and evidence recall for ``bench qa``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from eval.simpleqa.dataset import Question
from eval.simpleqa.grading import GradeOutcome, Grader
from eval.simpleqa.rundir import ResultsWriter
from eval.simpleqa.solver import Solver, SolverOutput

T = TypeVar("T")
TallyT = TypeVar("TallyT", bound="Tally")
TallyT_contra = TypeVar("TallyT_contra", contravariant=True)


@dataclass(frozen=True)
class RunConfig:
    concurrency: int = 1
    timeout_s: float | None = 600.0  # per question, for the solver (the grader gets the same bound)
    retries: int = 2  # extra attempts after a failure, for the solver and the grader each
    backoff_s: float = 1.0  # first retry waits this long, then doubles
    backoff_max_s: float = 30.0


@dataclass
class RunnerBatch:
    """What one call of ``run_questions`` wrote, and the harness overhead of each question in milliseconds."""

    records: list[dict[str, Any]] = field(default_factory=list)
    overhead_ms: list[float] = field(default_factory=list)


class Tally(Protocol):
    """The running score the progress display shows (SimpleQA's GradeCounts, bench qa's EM/F1 sums)."""

    @property
    def n(self) -> int: ...

    def add_record(self: TallyT, record: Mapping[str, Any]) -> TallyT:
        """This tally with one more result counted (a new object: tallies are values)."""
        ...


class ProgressSink(Protocol[TallyT_contra]):
    """Told about each result as it is written (the CLI shows a live bar with the running score)."""

    def begin(self, total: int, counts: TallyT_contra) -> None:
        """Called once: the run's question count and what was already done (on resume)."""
        ...

    def advance(self, record: dict[str, Any], counts: TallyT_contra) -> None: ...


class Judge(Protocol):
    """Scores one answer into record fields: SimpleQA's grade, or EM/F1 and evidence recall."""

    @property
    def identity(self) -> dict[str, Any]:
        """What judges (grader spec, template, metric version), written into run.json and summary.json."""
        ...

    def blank(self, question: Question) -> dict[str, Any]:
        """The judged fields with their values before judging: an errored record still has every key."""
        ...

    async def judge(self, question: Question, output: SolverOutput) -> dict[str, Any]:
        """The judged fields for this answer; raises on a failure worth a retry (a grader server down)."""
        ...


class GraderJudge:
    """SimpleQA's judging: the grader's CORRECT / INCORRECT / NOT_ATTEMPTED and its raw reply."""

    def __init__(self, grader: Grader) -> None:
        self.grader = grader

    @property
    def identity(self) -> dict[str, Any]:
        return self.grader.identity

    @property
    def approximate(self) -> bool:
        return bool(self.grader.identity.get("approximate"))

    def blank(self, question: Question) -> dict[str, Any]:
        return {"grade": None, "grader_reply": None, "grader_approximate": self.approximate}

    async def judge(self, question: Question, output: SolverOutput) -> dict[str, Any]:
        outcome: GradeOutcome = await self.grader.grade(
            question.problem, question.answer, output.answer, answer_type=question.answer_type
        )
        return {"grade": str(outcome.grade), "grader_reply": outcome.raw}


class QuestionFailed(Exception):
    """A stage failed for good (after its retries); the message goes into the record's ``error``."""


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def _with_retries(
    stage: str, make_call: Callable[[], Awaitable[T]], config: RunConfig, attempts_out: list[int]
) -> T:
    """Run one stage with the timeout and bounded, exponentially backed-off retries."""
    last: BaseException | None = None
    for attempt in range(config.retries + 1):
        attempts_out[0] = attempt + 1
        try:
            if config.timeout_s is None:
                return await make_call()
            return await asyncio.wait_for(make_call(), timeout=config.timeout_s)
        except TimeoutError as exc:
            raise QuestionFailed(f"{stage}: timed out after {config.timeout_s:g}s") from exc
        except Exception as exc:  # any failure of a model, tool or grader: retried, then recorded
            last = exc
            if attempt < config.retries:
                await asyncio.sleep(min(config.backoff_s * (2**attempt), config.backoff_max_s))
    assert last is not None
    raise QuestionFailed(f"{stage}: {_describe(last)} (after {config.retries + 1} attempts)") from last


async def process_question(question: Question, solver: Solver, judge: Judge, config: RunConfig) -> dict[str, Any]:
    """Answer and judge one question; returns its results.jsonl record (without the harness overhead)."""
    record: dict[str, Any] = {
        "index": question.index,
        "problem": question.problem,
        "gold": question.answer,
        "predicted": None,
        **judge.blank(question),
        "topic": question.topic,
        "answer_type": question.answer_type,
        "sources": [],
        "tool_calls": 0,
        "latency_s": 0.0,
        "tokens": {"prompt_tokens": 0, "completion_tokens": 0},
        "steps": 0,
        "warnings": [],
        "error": None,
        "solve_attempts": 0,
        "grade_attempts": 0,
        "grade_s": 0.0,
    }
    attempts = [0]
    started = time.perf_counter()
    try:
        output: SolverOutput = await _with_retries("solver", lambda: solver.solve(question.problem), config, attempts)
    except QuestionFailed as exc:
        record.update(error=str(exc), solve_attempts=attempts[0], latency_s=time.perf_counter() - started)
        return record
    record.update(
        predicted=output.answer,
        sources=list(output.sources),
        tool_calls=output.tool_calls,
        tokens={
            "prompt_tokens": int(output.tokens.get("prompt_tokens", 0)),
            "completion_tokens": int(output.tokens.get("completion_tokens", 0)),
        },
        steps=output.steps,
        warnings=list(output.warnings),
        solve_attempts=attempts[0],
        latency_s=time.perf_counter() - started,
    )
    graded_at = time.perf_counter()
    try:
        judged = await _with_retries("grader", lambda: judge.judge(question, output), config, attempts)
    except QuestionFailed as exc:
        record.update(error=str(exc), grade_attempts=attempts[0], grade_s=time.perf_counter() - graded_at)
        return record
    record.update(judged, grade_attempts=attempts[0], grade_s=time.perf_counter() - graded_at)
    return record


async def run_questions(
    questions: Sequence[Question],
    solver: Solver,
    judge: Judge,
    writer: ResultsWriter,
    config: RunConfig,
    *,
    counts: TallyT,
    progress: ProgressSink[TallyT] | None = None,
    batch: RunnerBatch | None = None,
) -> RunnerBatch:
    """Process the questions with ``config.concurrency`` workers; each record is written the moment it is done.

    Returns the records written by this call (in completion order) and each one's harness overhead. Cancelling
    the call cancels the in-flight questions; what was written stays.
    """
    queue: asyncio.Queue[Question] = asyncio.Queue()
    for question in questions:
        queue.put_nowait(question)
    batch = batch if batch is not None else RunnerBatch()  # the caller's, so it survives a cancellation
    tally = [counts]
    if progress is not None:
        progress.begin(counts.n + len(questions), counts)

    async def worker() -> None:
        while True:
            try:
                question = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            started = time.perf_counter()
            record = await process_question(question, solver, judge, config)
            stages = record["latency_s"] + record["grade_s"]
            # The line itself can only hold the overhead up to its own write; the full figure (write, fsync and
            # progress included) goes to the summary.
            record["harness_overhead_ms"] = round(max(0.0, time.perf_counter() - started - stages) * 1000, 3)
            writer.write(record)
            batch.records.append(record)
            tally[0] = tally[0].add_record(record)
            if progress is not None:
                progress.advance(record, tally[0])
            batch.overhead_ms.append(max(0.0, time.perf_counter() - started - stages) * 1000)

    workers = max(1, min(config.concurrency, len(questions)))
    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(worker())
    return batch
