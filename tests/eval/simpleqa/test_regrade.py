"""Regrading saved answers: reading the input, agreement figures, bounded concurrency, nothing lost on Ctrl-C."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from eval.simpleqa.grading import Grade, GradeOutcome
from eval.simpleqa.offline_grader import OfflineGrader
from eval.simpleqa.regrade import (
    GRADES_FILE,
    SUMMARY_FILE,
    GradesWriter,
    RegradeItem,
    agreement_summary,
    prepare_out_dir,
    read_regrade_input,
    regrade,
    regrade_to_dir,
)
from mcp_servers.errors import JanagentError


def write_jsonl(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows), "utf-8")
    return path


def items(n: int) -> list[RegradeItem]:
    return [RegradeItem(i + 1, f"q{i}", f"gold{i}", f"answer{i}", "", Grade.CORRECT) for i in range(n)]


class FakeGrader:
    approximate = False

    @property
    def identity(self) -> dict[str, Any]:
        return {"kind": "fake", "approximate": self.approximate}


def test_results_jsonl_lines_and_plain_lines_are_read_and_errored_questions_skipped(tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "in.jsonl",
        [
            {"index": 0, "problem": "Q1?", "gold": "Paris", "predicted": "Paris", "answer_type": "Place", "grade": "A"},
            {"index": 1, "problem": "Q2?", "gold": "Lyon", "predicted": None, "error": "solver: timed out"},
            "",
            {"question": "Q3?", "gold": "1995", "predicted": "1996", "label": "b"},
            {"question": "Q4?", "gold": "x", "predicted": "I don't know", "label": "NOT ATTEMPTED"},
        ],
    )
    data = read_regrade_input(path)
    assert data.skipped == 1
    assert [(i.line, i.question, i.answer_type, i.reference) for i in data.items] == [
        (1, "Q1?", "Place", None),
        (4, "Q3?", "", Grade.INCORRECT),
        (5, "Q4?", "", Grade.NOT_ATTEMPTED),
    ]
    # another field can hold the reference: an earlier run's own grade
    assert read_regrade_input(path, reference_field="grade").items[0].reference is Grade.CORRECT


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", r"in\.jsonl:2: "),
        ('["a list"]', r"in\.jsonl:2: a line must be a JSON object"),
        ('{"question": "q", "predicted": "p"}', r"in\.jsonl:2: missing field 'gold' or 'answer'"),
        ('{"question": "q", "gold": 1995, "predicted": "p"}', r"in\.jsonl:2: field 'gold' must be a string, got int"),
        ('{"question": "q", "gold": "g"}', r"in\.jsonl:2: missing field 'predicted'"),
        ('{"question": "q", "gold": "g", "predicted": "p", "label": "D"}', r"in\.jsonl:2: 'D' is not a grade"),
    ],
)
def test_a_bad_line_is_a_one_line_error_naming_its_line(tmp_path: Path, line: str, message: str) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [{"question": "q", "gold": "g", "predicted": "g"}, line])
    with pytest.raises(JanagentError, match=message):
        read_regrade_input(path)


def test_an_empty_or_missing_input_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="no answers to grade"):
        read_regrade_input(write_jsonl(tmp_path / "empty.jsonl", [""]))
    with pytest.raises(JanagentError, match="cannot read it"):
        read_regrade_input(tmp_path / "missing.jsonl")


def test_agreement_confusion_and_correct_precision_and_recall() -> None:
    counts = {("CORRECT", "CORRECT"): 6, ("CORRECT", "INCORRECT"): 2, ("INCORRECT", "CORRECT"): 1}
    counts |= {("INCORRECT", "INCORRECT"): 3, ("NOT_ATTEMPTED", "INCORRECT"): 1, ("NOT_ATTEMPTED", ""): 1}
    pairs = [pair for pair, count in counts.items() for _ in range(count)]
    records: list[dict[str, Any]] = [{"reference": ref, "grade": got or None} for ref, got in pairs]
    records.append({"reference": None, "grade": "CORRECT"})
    summary = agreement_summary(records)
    assert (summary["n"], summary["graded"], summary["errors"], summary["with_reference"]) == (15, 14, 1, 13)
    assert summary["agreement"] == pytest.approx(9 / 13)
    assert summary["correct_precision"] == pytest.approx(6 / 7)
    assert summary["correct_recall"] == pytest.approx(6 / 8)
    assert summary["confusion"]["CORRECT"] == {"CORRECT": 6, "INCORRECT": 2, "NOT_ATTEMPTED": 0}
    assert summary["confusion"]["NOT_ATTEMPTED"] == {"CORRECT": 0, "INCORRECT": 1, "NOT_ATTEMPTED": 0}
    assert summary["grades"] == {"CORRECT": 8, "INCORRECT": 6, "NOT_ATTEMPTED": 0}


def test_without_reference_grades_the_agreement_figures_are_null() -> None:
    summary = agreement_summary([{"reference": None, "grade": "CORRECT"}])
    assert (summary["agreement"], summary["correct_precision"], summary["correct_recall"]) == (None, None, None)


class GateGrader(FakeGrader):
    """The first ``k`` calls wait until ``k`` are in flight at once: the run only ends if k run concurrently."""

    def __init__(self, k: int) -> None:
        self.k = k
        self.in_flight = 0
        self.max_in_flight = 0
        self.all_started = asyncio.Event()

    async def grade(self, question: str, target: str, predicted: str, *, answer_type: str = "") -> GradeOutcome:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.in_flight >= self.k:
            self.all_started.set()
        await asyncio.wait_for(self.all_started.wait(), timeout=10)
        self.in_flight -= 1
        return GradeOutcome(Grade.CORRECT, "gate")


async def test_at_most_concurrency_answers_are_graded_at_once_and_each_once(tmp_path: Path) -> None:
    grader = GateGrader(k=3)
    writer = GradesWriter(tmp_path / GRADES_FILE)
    records = await regrade(items(10), grader, writer, concurrency=3)
    writer.close()
    assert grader.max_in_flight == 3
    written = [json.loads(line) for line in (tmp_path / GRADES_FILE).read_text().splitlines()]
    assert sorted(r["line"] for r in written) == list(range(1, 11)) == sorted(r["line"] for r in records)
    assert all(r["grade"] == "CORRECT" and r["agrees"] is True for r in written)


class FlakyGrader(FakeGrader):
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def grade(self, question: str, target: str, predicted: str, *, answer_type: str = "") -> GradeOutcome:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("grader down")
        return GradeOutcome(Grade.INCORRECT, "B")


async def test_a_failing_grader_is_retried_then_recorded_as_an_error(tmp_path: Path) -> None:
    writer = GradesWriter(tmp_path / GRADES_FILE)
    recovered = await regrade(items(1), FlakyGrader(failures=2), writer, retries=2)
    failed = await regrade(items(1), FlakyGrader(failures=5), writer, retries=2)
    writer.close()
    assert recovered[0]["grade"] == "INCORRECT" and recovered[0]["error"] is None
    assert recovered[0]["agrees"] is False
    assert failed[0]["grade"] is None and failed[0]["error"] == "ConnectionError: grader down (attempt 3)"
    assert agreement_summary(failed)["errors"] == 1


class StopAfterGrader(FakeGrader):
    """Grades ``k`` answers, then blocks until cancelled."""

    approximate = True

    def __init__(self, k: int) -> None:
        self.k = k
        self.calls = 0
        self.blocked = asyncio.Event()

    async def grade(self, question: str, target: str, predicted: str, *, answer_type: str = "") -> GradeOutcome:
        self.calls += 1
        if self.calls > self.k:
            self.blocked.set()
            await asyncio.Event().wait()
        return GradeOutcome(Grade.CORRECT, "ok")


async def test_an_interrupted_regrade_keeps_every_graded_line_and_writes_a_partial_summary(tmp_path: Path) -> None:
    grader = StopAfterGrader(k=3)
    records: list[dict[str, Any]] = []
    task = asyncio.create_task(regrade_to_dir(items(8), grader, tmp_path, records, concurrency=1))
    await asyncio.wait_for(grader.blocked.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    written = [json.loads(line) for line in (tmp_path / GRADES_FILE).read_text().splitlines()]
    assert [r["line"] for r in written] == [1, 2, 3] == [r["line"] for r in records]
    summary = json.loads((tmp_path / SUMMARY_FILE).read_text())
    assert summary["complete"] is False and summary["n"] == 3 and summary["agreement"] == 1.0
    assert summary["approximate"] is True


async def test_the_offline_grader_regrades_into_a_folder(tmp_path: Path) -> None:
    rows = [
        RegradeItem(1, "What is the capital of France?", "Paris", "Paris", "Place", Grade.CORRECT),
        RegradeItem(2, "What is the capital of France?", "Paris", "Not Paris", "Place", Grade.INCORRECT),
        RegradeItem(3, "What is the capital of France?", "Paris", "I don't know.", "Place", Grade.INCORRECT),
    ]
    summary = await regrade_to_dir(rows, OfflineGrader(), tmp_path, [])
    assert summary["complete"] is True and summary["agreement"] == pytest.approx(2 / 3)
    assert summary["confusion"]["INCORRECT"] == {"CORRECT": 0, "INCORRECT": 1, "NOT_ATTEMPTED": 1}
    lines = [json.loads(line) for line in (tmp_path / GRADES_FILE).read_text().splitlines()]
    assert [line["reason"] for line in lines][2] == "offline (approximate): a refusal"


def test_an_out_folder_that_holds_a_regrade_or_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "done").mkdir()
    (tmp_path / "done" / GRADES_FILE).write_text("")
    with pytest.raises(JanagentError, match=r"already holds grades\.jsonl"):
        prepare_out_dir(tmp_path / "done")
    (tmp_path / "file").write_text("")
    with pytest.raises(JanagentError, match="is a file"):
        prepare_out_dir(tmp_path / "file")
    assert prepare_out_dir(tmp_path / "new" / "dir").is_dir()
