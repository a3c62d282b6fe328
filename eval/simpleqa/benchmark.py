"""One benchmark run end to end: open (or resume) the run directory, run the pending questions, write the outputs.

The CLI builds the solver and the grader (model backends, MCP tools) and calls ``run_benchmark``; tests call it
with fake solvers and graders. Other benchmarks (``bench qa``) share all of it through ``run_scored``: they bring
their own ``Judge`` (what a record holds) and ``Scoring`` (how records become summary.json and report.md).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from eval.simpleqa.dataset import DatasetFormat, Question
from eval.simpleqa.grading import Grader
from eval.simpleqa.metrics import compute_metrics, count_grades
from eval.simpleqa.report import render_report, write_charts
from eval.simpleqa.rundir import ResultsWriter, RunDir, read_results, write_json_atomic
from eval.simpleqa.runner import GraderJudge, Judge, ProgressSink, RunConfig, RunnerBatch, Tally, run_questions
from eval.simpleqa.solver import Solver


class BenchmarkDataset(Protocol):
    """What the harness needs of a question set: SimpleQA's ``Dataset``, bench qa's ``QADataset``."""

    @property
    def path(self) -> Path: ...

    @property
    def format(self) -> str: ...

    @property
    def sha256(self) -> str: ...

    @property
    def questions(self) -> Sequence[Question]: ...


@dataclass(frozen=True)
class Scoring:
    """How a benchmark turns its records into numbers and pages (SimpleQA: grades; bench qa: EM/F1)."""

    name: Callable[[BenchmarkDataset], str]
    metrics: Callable[[list[dict[str, Any]]], dict[str, Any]]
    tally: Callable[[Iterable[Mapping[str, Any]]], Tally]  # the running score of the records already done
    report: Callable[[dict[str, Any], list[dict[str, Any]], list[str]], str]
    charts: Callable[[Path, dict[str, Any]], list[str]]


def _simpleqa_name(dataset: BenchmarkDataset) -> str:
    return "SimpleQA Verified" if dataset.format == DatasetFormat.VERIFIED else "SimpleQA"


SIMPLEQA_SCORING = Scoring(
    name=_simpleqa_name, metrics=compute_metrics, tally=count_grades, report=render_report, charts=write_charts
)


@dataclass
class BenchmarkPlan:
    """What to run: the dataset, the selected questions and how they were selected, where, and how."""

    dataset: BenchmarkDataset
    questions: Sequence[Question]
    out_dir: Path
    seed: int = 0
    limit: int | None = None
    topics: list[str] = field(default_factory=list)
    resume: bool = False
    config: RunConfig = field(default_factory=RunConfig)
    setup_s: float = 0.0  # time the caller spent before (dataset load, sampling), counted as harness overhead
    charts: bool = True  # PNG charts (matplotlib; about half a second per run)


@dataclass
class BenchmarkOutcome:
    summary: dict[str, Any]
    new_results: int
    nothing_to_do: bool = False
    interrupted: bool = False
    pending: int = 0


def _comparable_grader(identity: dict[str, Any]) -> str:
    # A resumed run must be graded by the same grader and template; its address (base URL) may change.
    return f"{identity.get('kind')}:{identity.get('spec')}#{identity.get('template_sha256', '')}"


def run_description(
    plan: BenchmarkPlan, model: dict[str, Any], grader: dict[str, Any], scoring: Scoring = SIMPLEQA_SCORING
) -> dict[str, Any]:
    """run.json: what a run is, and what a resumed run must match."""
    return {
        "benchmark": scoring.name(plan.dataset),
        "dataset_path": str(plan.dataset.path),
        "dataset_sha256": plan.dataset.sha256,
        "dataset_format": str(plan.dataset.format),
        "seed": plan.seed,
        "limit": plan.limit,
        "topics": list(plan.topics),
        "indices": [q.index for q in plan.questions],
        "model": model.get("spec"),
        # Settings that change answers: a resume with other ones would mix two experiments in one run.
        # (question_prompt: the instruction bench qa adds to each question; absent for SimpleQA's runs.)
        "agent_settings": {
            key: model.get(key)
            for key in ("max_steps", "retrieve_first", "sampling_overrides", "question_prompt")
            if key in model or key != "question_prompt"
        },
        "tools": model.get("tools"),
        "grader": _comparable_grader(grader),
        "model_identity": model,
        "grader_identity": grader,
    }


def _distribution_ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    if not ordered:
        return {"mean": 0.0, "p50": 0.0, "max": 0.0, "n": 0}
    return {
        "mean": round(sum(ordered) / len(ordered), 3),
        "p50": round(ordered[(len(ordered) - 1) // 2], 3),
        "max": round(ordered[-1], 3),
        "n": len(ordered),
    }


def build_summary(
    plan: BenchmarkPlan,
    records: list[dict[str, Any]],
    solver_identity: dict[str, Any],
    grader_identity: dict[str, Any],
    *,
    duration_s: float,
    overhead: dict[str, Any],
    scoring: Scoring = SIMPLEQA_SCORING,
) -> dict[str, Any]:
    """summary.json: the metrics under their names plus what produced them."""
    metrics = scoring.metrics(sorted(records, key=lambda r: r["index"]))
    graded = {r["index"] for r in records if not r.get("error")}
    pending = len([q for q in plan.questions if q.index not in {r["index"] for r in records}])
    return {
        "benchmark": scoring.name(plan.dataset),
        **metrics,
        "approximate": bool(grader_identity.get("approximate")),
        "model": solver_identity,
        "grader": grader_identity,
        "seed": plan.seed,
        "limit": plan.limit,
        "topics": list(plan.topics),
        "dataset": {
            "path": str(plan.dataset.path),
            "format": str(plan.dataset.format),
            "sha256": plan.dataset.sha256,
            "rows": len(plan.dataset.questions),
        },
        "selected": len(plan.questions),
        "graded": len(graded),
        "pending": pending,
        "complete": pending == 0 and len(graded) == len(plan.questions),
        "duration_s": round(duration_s, 3),
        "harness_overhead": overhead,
    }


class Identified(Protocol):
    """What the outputs need of a solver or a judge: its identity (a finished run's, for a re-score)."""

    @property
    def identity(self) -> dict[str, Any]: ...


def write_outputs(
    plan: BenchmarkPlan,
    run_dir: RunDir,
    solver: Identified,
    judge: Identified,
    duration_s: float,
    overhead: dict[str, Any],
    scoring: Scoring = SIMPLEQA_SCORING,
) -> dict[str, Any]:
    """Write summary.json, the charts and report.md from everything in results.jsonl."""
    records = read_results(run_dir.results_path)
    report_started = time.perf_counter()
    summary = build_summary(
        plan, records, solver.identity, judge.identity, duration_s=duration_s, overhead=overhead, scoring=scoring
    )
    charts = scoring.charts(run_dir.path, summary) if records and plan.charts else []
    run_dir.report_path.write_text(scoring.report(summary, records, charts), encoding="utf-8")
    summary["harness_overhead"]["report_s"] = round(time.perf_counter() - report_started, 3)
    write_json_atomic(run_dir.summary_path, summary)
    return summary


def preflight(
    plan: BenchmarkPlan, model: dict[str, Any], grader: dict[str, Any], scoring: Scoring = SIMPLEQA_SCORING
) -> dict[str, Any] | None:
    """Check the run directory before any model is loaded or server started, so a mistake costs nothing.

    Raises the one-line error a bad ``--out`` / ``--resume`` gets; returns the stored summary when ``--resume``
    finds every question already graded (nothing to do), else None.
    """
    run_dir = RunDir(plan.out_dir)
    run_dir.check(run_description(plan, model, grader, scoring), resume=plan.resume)
    if not plan.resume or not run_dir.summary_path.is_file():
        return None
    graded = {record["index"] for record in read_results(run_dir.results_path) if not record.get("error")}
    if any(question.index not in graded for question in plan.questions):
        return None
    summary: dict[str, Any] = json.loads(run_dir.summary_path.read_text(encoding="utf-8"))
    return summary


async def run_benchmark(
    plan: BenchmarkPlan, solver: Solver, grader: Grader, *, progress: ProgressSink[Any] | None = None
) -> BenchmarkOutcome:
    """Run (or resume) SimpleQA and write results.jsonl, summary.json, report.md and the charts.

    Cancelling it (Ctrl-C) stops the in-flight questions; everything graded so far is on disk and a partial
    summary is written, so ``--resume`` continues from there.
    """
    return await run_scored(plan, solver, GraderJudge(grader), SIMPLEQA_SCORING, progress=progress)


async def run_scored(
    plan: BenchmarkPlan,
    solver: Solver,
    judge: Judge,
    scoring: Scoring,
    *,
    progress: ProgressSink[Any] | None = None,
) -> BenchmarkOutcome:
    """Run (or resume) any benchmark: its ``judge`` fills each record, its ``scoring`` writes the outputs."""
    started_wall = time.time()
    started = time.perf_counter()
    run_dir = RunDir(plan.out_dir)
    kept = run_dir.start(run_description(plan, solver.identity, judge.identity, scoring), resume=plan.resume)
    pending = [q for q in plan.questions if q.index not in kept]
    if plan.resume and not pending and run_dir.summary_path.is_file():
        summary = json.loads(run_dir.summary_path.read_text(encoding="utf-8"))
        return BenchmarkOutcome(summary=summary, new_results=0, nothing_to_do=True)
    setup_s = plan.setup_s + time.perf_counter() - started

    writer = ResultsWriter(run_dir.results_path)
    batch = RunnerBatch()
    interrupted = False
    try:
        await run_questions(
            pending,
            solver,
            judge,
            writer,
            plan.config,
            counts=scoring.tally(kept.values()),
            progress=progress,
            batch=batch,
        )
    except asyncio.CancelledError:
        interrupted = True
        raise
    finally:
        writer.close()
        # Runs on Ctrl-C too (no awaits here), so an interrupted run still has a summary of what it graded.
        duration_s = run_dir.record_session(
            started_wall, time.perf_counter() - started, len(batch.records), interrupted
        )
        overhead = {"per_question_ms": _distribution_ms(batch.overhead_ms), "setup_s": round(setup_s, 3)}
        summary = write_outputs(plan, run_dir, solver, judge, duration_s, overhead, scoring)
    return BenchmarkOutcome(
        summary=summary, new_results=len(batch.records), interrupted=interrupted, pending=summary["pending"]
    )
