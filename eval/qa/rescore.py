"""``janagent bench qa-rescore DIR``: score a run's stored answers again under the current rules.

A change to the short form or the metrics should not cost a re-run of the model (the 0.5B's HotpotQA-100 run
takes 38 minutes here). The run directory holds every reply (``predicted``) and the evidence each question
saw, so only the answer-dependent fields (short form, EM, F1, and the SimpleQA grade) are recomputed; the
evidence fields, latencies and errored records are kept as they are. results.jsonl and run.json are
rewritten atomically, then summary.json, report.md and the charts as the run itself writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.qa.benchmark import QA_SCORING, qa_plan
from eval.qa.datasets import QAFormat, load_qa_dataset
from eval.qa.judge import QAJudge
from eval.simpleqa.benchmark import run_description, write_outputs
from eval.simpleqa.grading import Grader
from eval.simpleqa.rundir import RESULTS_FILE, RUN_FILE, RunDir, read_results, write_json_atomic
from mcp_servers.errors import JanagentError


@dataclass(frozen=True)
class StoredSolver:
    """The solver of a finished run, as run.json describes it (nothing is loaded)."""

    identity: dict[str, Any]


def stored_run(run_path: Path) -> dict[str, Any]:
    """run.json of a ``bench qa`` run that has answered questions, or the one-line error saying why not."""
    run_dir = RunDir(run_path)
    if not run_dir.run_path.is_file() or not run_dir.holds_run():
        raise JanagentError(f"{run_path} holds no bench qa run with answers (no {RUN_FILE} or {RESULTS_FILE})")
    stored = run_dir.read_run()
    if str(stored.get("dataset_format")) not in {str(fmt) for fmt in QAFormat}:
        raise JanagentError(f"{run_path} is not a bench qa run (dataset format {stored.get('dataset_format')!r})")
    return stored


def stored_format(run_path: Path) -> QAFormat:
    """The dataset format a run directory was scored in (to decide whether it needs a grader)."""
    return QAFormat(str(stored_run(run_path)["dataset_format"]))


async def rescore_run(run_path: Path, grader: Grader | None = None) -> dict[str, Any]:
    """Re-score every answered question of the run in ``run_path``; returns the new summary."""
    run_dir = RunDir(run_path)
    stored = stored_run(run_path)
    dataset_path = Path(str(stored.get("dataset_path")))
    if not dataset_path.is_file():
        raise JanagentError(
            f"{dataset_path}, the run's dataset as it was given, is not there: run from the folder the run started in"
        )
    data = load_qa_dataset(dataset_path, QAFormat(stored["dataset_format"]))
    if data.sha256 != stored.get("dataset_sha256"):
        raise JanagentError(f"{dataset_path} changed since the run (sha256 differs); its gold answers may too")
    plan = qa_plan(data, run_path, limit=stored.get("limit"), seed=int(stored.get("seed", 0)), resume=True)
    questions = {question.index: question for question in plan.questions}
    if list(questions) != stored.get("indices"):
        raise JanagentError(f"{run_path}: the stored selection no longer matches {dataset_path}")
    judge = QAJudge(data.format, grader)
    rescored = []
    for record in read_results(run_dir.results_path):
        question = questions.get(record["index"])
        if question is None or record.get("error"):
            rescored.append(record)  # a stray or an errored question: nothing to score
            continue
        rescored.append({**record, **await judge.score_answer(question, str(record.get("predicted") or ""))})
    run_dir.rewrite_results(rescored)
    solver = StoredSolver(dict(stored.get("model_identity") or {}))
    description = run_description(plan, solver.identity, judge.identity, QA_SCORING)
    write_json_atomic(run_dir.run_path, {**stored, **description})
    previous = _previous_summary(run_dir)
    duration_s = float(previous.get("duration_s") or 0.0)
    overhead = dict(previous.get("harness_overhead") or {})
    return write_outputs(plan, run_dir, solver, judge, duration_s, overhead, QA_SCORING)


def _previous_summary(run_dir: RunDir) -> dict[str, Any]:
    try:
        summary = json.loads(run_dir.summary_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return summary if isinstance(summary, dict) else {}
