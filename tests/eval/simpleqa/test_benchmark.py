from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from agent.models.scripted import ScriptedModel
from eval.simpleqa.benchmark import BenchmarkPlan, preflight, run_benchmark
from eval.simpleqa.grader_template import SIMPLEQA_GRADER_TEMPLATE
from eval.simpleqa.grading import ModelGrader
from eval.simpleqa.offline_grader import OfflineGrader
from eval.simpleqa.rundir import read_results
from eval.simpleqa.runner import RunConfig
from mcp_servers.errors import JanagentError
from tests.eval.simpleqa.fakes import (
    ConcurrencyProbeSolver,
    ExactGrader,
    FakeSolver,
    FlakySolver,
    StopAfterSolver,
    make_dataset,
)

FAST = RunConfig(concurrency=1, timeout_s=10, retries=2, backoff_s=0)


def plan_for(
    out: Path, n: int = 6, *, resume: bool = False, config: RunConfig = FAST, charts: bool = False
) -> BenchmarkPlan:
    dataset = make_dataset(n)
    return BenchmarkPlan(
        dataset=dataset, questions=dataset.questions, out_dir=out, resume=resume, config=config, charts=charts
    )


def lines(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]


def wrong_on_odd(i: int) -> str:
    return f"gold-{i}" if i % 2 == 0 else "nope"


async def test_a_run_writes_results_summary_report_and_charts(tmp_path: Path) -> None:
    out = tmp_path / "run"
    outcome = await run_benchmark(plan_for(out, charts=True), FakeSolver(wrong_on_odd), ExactGrader())

    records = lines(out)
    assert sorted(r["index"] for r in records) == list(range(6))
    first = next(r for r in records if r["index"] == 0)
    for key in ("problem", "gold", "predicted", "grade", "topic", "answer_type", "sources", "tool_calls"):
        assert key in first
    assert (first["gold"], first["predicted"], first["grade"], first["sources"]) == (
        "gold-0",
        "gold-0",
        "CORRECT",
        ["doc-0"],
    )
    assert first["tokens"] == {"prompt_tokens": 10, "completion_tokens": 2}
    assert first["latency_s"] >= 0 and first["error"] is None

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary == outcome.summary
    assert (summary["n"], summary["correct"], summary["incorrect"], summary["errors"]) == (6, 0.5, 0.5, 0)
    assert summary["accuracy_given_attempted"] == 0.5
    assert summary["f1"] == pytest.approx(0.5)
    assert set(summary["by_topic"]) == {"Art", "Music", "Sports"}
    assert set(summary["by_answer_type"]) == {"Person", "Date"}
    assert summary["complete"] is True
    assert summary["model"]["spec"] == "fake"
    assert summary["grader"]["spec"] == "exact"
    assert summary["approximate"] is False
    assert summary["dataset"]["sha256"] == "f" * 64
    assert summary["harness_overhead"]["per_question_ms"]["n"] == 6
    assert summary["duration_s"] > 0

    report = (out / "report.md").read_text(encoding="utf-8")
    assert "| **all** | 6 | 50.0% | 50.0% | 0.0% | 0 | 50.0% | 0.500 |" in report
    assert "APPROXIMATE" not in report
    for chart in ("chart_by_topic.png", "chart_by_answer_type.png"):
        assert (out / chart).read_bytes().startswith(b"\x89PNG")


async def test_the_offline_grader_is_labelled_approximate_in_every_output(tmp_path: Path) -> None:
    out = tmp_path / "run"
    outcome = await run_benchmark(plan_for(out, 3), FakeSolver(), OfflineGrader())
    assert outcome.summary["approximate"] is True
    assert outcome.summary["grader"]["name"] == "offline-approximate-v2"
    assert all(r["grader_approximate"] is True for r in lines(out))
    assert "APPROXIMATE" in (out / "report.md").read_text(encoding="utf-8")


async def test_k_concurrent_workers_give_each_question_exactly_one_correct_result(tmp_path: Path) -> None:
    out = tmp_path / "run"
    solver = ConcurrencyProbeSolver(k=4)
    config = RunConfig(concurrency=4, timeout_s=20, retries=0, backoff_s=0)
    outcome = await run_benchmark(plan_for(out, 20, config=config), solver, ExactGrader())

    assert solver.max_in_flight == 4
    records = lines(out)
    assert sorted(r["index"] for r in records) == list(range(20))
    assert all(r["predicted"] == f"gold-{r['index']}" and r["grade"] == "CORRECT" for r in records)
    assert outcome.summary["correct"] == 1.0


async def test_a_failing_solver_is_retried_a_bounded_number_of_times(tmp_path: Path) -> None:
    out = tmp_path / "run"
    await run_benchmark(plan_for(out, 2), FlakySolver(failures=2), ExactGrader())
    assert all(r["grade"] == "CORRECT" and r["solve_attempts"] == 3 for r in lines(out))


async def test_a_solver_that_keeps_failing_is_recorded_as_an_error_not_graded(tmp_path: Path) -> None:
    out = tmp_path / "run"
    solver = FlakySolver(failures=99)
    outcome = await run_benchmark(plan_for(out, 2), solver, ExactGrader())

    assert all(attempts == 3 for attempts in solver.attempts.values())
    records = lines(out)
    assert all(r["grade"] is None and "503" in r["error"] and "after 3 attempts" in r["error"] for r in records)
    assert (outcome.summary["errors"], outcome.summary["correct"], outcome.summary["n"]) == (2, 0.0, 2)
    assert "## Errors" in (out / "report.md").read_text(encoding="utf-8")


async def test_an_unparseable_grader_reply_is_a_grader_error_not_not_attempted(tmp_path: Path) -> None:
    out = tmp_path / "run"
    grader = ModelGrader(
        ScriptedModel(["junk"] * 3), SIMPLEQA_GRADER_TEMPLATE, spec="scripted", template_name="simple-evals"
    )
    outcome = await run_benchmark(plan_for(out, 1), FakeSolver(), grader)
    [record] = lines(out)
    assert record["grade"] is None
    assert record["error"].startswith("grader: GradeParseError")
    assert outcome.summary["not_attempted"] == 0.0 and outcome.summary["errors"] == 1


async def test_a_question_past_its_timeout_is_recorded_as_timed_out(tmp_path: Path) -> None:
    out = tmp_path / "run"
    solver = StopAfterSolver(k=0)  # blocks forever
    config = RunConfig(concurrency=1, timeout_s=0.05, retries=2, backoff_s=0)
    await run_benchmark(plan_for(out, 1, config=config), solver, ExactGrader())
    [record] = lines(out)
    assert record["error"] == "solver: timed out after 0.05s"
    assert record["solve_attempts"] == 1  # a timeout is not retried


async def test_a_cancelled_run_keeps_what_it_graded_and_resume_finishes_it_without_duplicates(tmp_path: Path) -> None:
    out = tmp_path / "run"
    stopping = StopAfterSolver(k=3)
    task = asyncio.create_task(run_benchmark(plan_for(out), stopping, ExactGrader()))
    await asyncio.wait_for(stopping.blocked.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert sorted(r["index"] for r in lines(out)) == [0, 1, 2]
    partial = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (partial["complete"], partial["pending"], partial["n"]) == (False, 3, 3)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["sessions"][0]["interrupted"] is True

    second = FakeSolver()
    outcome = await run_benchmark(plan_for(out, resume=True), second, ExactGrader())

    assert sorted(second.asked) == [3, 4, 5]
    assert sorted(r["index"] for r in lines(out)) == list(range(6))
    assert outcome.summary["complete"] is True and outcome.summary["n"] == 6


def test_a_keyboard_interrupt_in_a_solver_loses_nothing_already_graded(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        asyncio.run(run_benchmark(plan_for(out), StopAfterSolver(k=2, exc=KeyboardInterrupt()), ExactGrader()))
    assert sorted(r["index"] for r in lines(out)) == [0, 1]

    second = FakeSolver()
    asyncio.run(run_benchmark(plan_for(out, resume=True), second, ExactGrader()))
    assert sorted(second.asked) == [2, 3, 4, 5]
    assert sorted(r["index"] for r in lines(out)) == list(range(6))


async def test_resume_retries_errored_questions_and_keeps_one_line_each(tmp_path: Path) -> None:
    out = tmp_path / "run"
    await run_benchmark(plan_for(out, 4), FlakySolver(failures=99), ExactGrader())
    assert all(r["error"] for r in lines(out))

    second = FakeSolver()
    outcome = await run_benchmark(plan_for(out, 4, resume=True), second, ExactGrader())
    assert sorted(second.asked) == [0, 1, 2, 3]
    records = lines(out)
    assert len(records) == 4 and all(r["error"] is None for r in records)
    assert outcome.summary["errors"] == 0


async def test_resume_drops_a_line_torn_by_a_crash(tmp_path: Path) -> None:
    out = tmp_path / "run"
    await run_benchmark(plan_for(out, 3), FakeSolver(), ExactGrader())
    kept = (out / "results.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    (out / "results.jsonl").write_text("\n".join(kept) + '\n{"index": 2, "probl', encoding="utf-8")
    (out / "summary.json").unlink()

    second = FakeSolver()
    await run_benchmark(plan_for(out, 3, resume=True), second, ExactGrader())
    assert len(second.asked) == 1
    assert sorted(r["index"] for r in lines(out)) == [0, 1, 2]


async def test_resume_on_a_finished_run_does_nothing(tmp_path: Path) -> None:
    out = tmp_path / "run"
    await run_benchmark(plan_for(out, 3), FakeSolver(), ExactGrader())
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    plan = plan_for(out, 3, resume=True)
    assert preflight(plan, FakeSolver().identity, ExactGrader().identity) is not None
    second = FakeSolver()
    outcome = await run_benchmark(plan, second, ExactGrader())

    assert outcome.nothing_to_do and outcome.new_results == 0
    assert second.asked == []
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


async def test_a_new_run_refuses_a_directory_that_holds_one(tmp_path: Path) -> None:
    out = tmp_path / "run"
    await run_benchmark(plan_for(out, 1), FakeSolver(), ExactGrader())
    with pytest.raises(JanagentError, match="--resume"):
        await run_benchmark(plan_for(out, 1), FakeSolver(), ExactGrader())


async def test_resume_with_another_grader_or_selection_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "run"
    await run_benchmark(plan_for(out, 2), FakeSolver(), ExactGrader())
    with pytest.raises(JanagentError, match="grader"):
        await run_benchmark(plan_for(out, 2, resume=True), FakeSolver(), OfflineGrader())
    with pytest.raises(JanagentError, match="indices"):
        await run_benchmark(plan_for(out, 3, resume=True), FakeSolver(), ExactGrader())
    assert len(read_results(out / "results.jsonl")) == 2


async def test_an_out_path_that_is_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    out = tmp_path / "file"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(JanagentError, match="is a file"):
        await run_benchmark(plan_for(out, 1), FakeSolver(), ExactGrader())
