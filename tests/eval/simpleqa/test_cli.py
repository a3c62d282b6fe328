"""`janagent bench simpleqa` end to end against fake OpenAI-compatible model and grader servers on loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from eval.simpleqa.dataset import load_dataset, select_questions
from tests.eval.simpleqa.fakes import VERIFIED_CSV
from tests.eval.simpleqa.openai_server import FakeOpenAIServer

GRADED = re.compile(r"Question: ([^\n]*)\nGold target: ([^\n]*)\nPredicted answer: (.*?)\n```\n\nGrade the", re.DOTALL)


class Script:
    """The 20 sampled questions get, in sample order: the gold, "I don't know", a wrong answer, the gold...
    The grader replies in every style a real one does ("A", "CORRECT", "B: INCORRECT", "The answer is C"),
    and with junk for one question, which must become a grader error."""

    def __init__(self, questions: list[Any]) -> None:
        self.gold = {q.problem: q.answer for q in questions}
        self.position = {q.problem: i for i, q in enumerate(questions)}
        self.junk_question = questions[7].problem

    def answer(self, messages: list[dict[str, Any]]) -> str:
        question = next(m["content"] for m in reversed(messages) if m["role"] == "user")
        kind = self.position[question] % 4
        return self.gold[question] if kind in (0, 3) else ("I don't know" if kind == 1 else "Nobody at all")

    def grade(self, messages: list[dict[str, Any]]) -> str:
        match = GRADED.search(messages[-1]["content"])
        assert match is not None
        question, gold, predicted = match.groups()
        if question == self.junk_question:
            return "I would rather not say."
        if predicted == gold:
            return "A" if self.position[question] % 2 == 0 else "CORRECT"
        return "The answer is C" if predicted == "I don't know" else "B: INCORRECT"


@pytest.fixture
def csv_path(shared_data: Path) -> Path:
    return shared_data / "simpleqa" / "simple_qa_test_set.csv"


def run_cli(args: list[str]) -> Any:
    return CliRunner().invoke(app, ["bench", "simpleqa", *args], catch_exceptions=False)


def test_the_done_when_command_writes_correct_metrics_and_resume_then_does_nothing(
    csv_path: Path, tmp_path: Path
) -> None:
    questions = select_questions(load_dataset(csv_path).questions, limit=20, seed=0)
    script = Script(questions)
    out = tmp_path / "run"
    with FakeOpenAIServer(script.answer) as model_server, FakeOpenAIServer(script.grade) as grader_server:
        args = [
            "--dataset", str(csv_path), "--limit", "20",
            "--model", "openai:X", "--base-url", model_server.base_url,
            "--grader", "openai:Y", "--grader-base-url", grader_server.base_url,
            "--out", str(out), "--tools", "none", "--retries", "0", "--concurrency", "3",
        ]  # fmt: skip
        result = run_cli(args)
        assert result.exit_code == 0, result.output

        summary = json.loads(result.stdout)
        # positions 0,3 mod 4 answered with the gold (10, one of them, position 7, junk-graded),
        # 1 mod 4 "I don't know" (5), 2 mod 4 wrong (5).
        assert summary["counts"] == {"correct": 9, "incorrect": 5, "not_attempted": 5, "errors": 1}
        assert (summary["n"], summary["correct"], summary["not_attempted"]) == (20, 0.45, 0.25)
        assert summary["accuracy_given_attempted"] == pytest.approx(9 / 14)
        aga = 9 / 14
        assert summary["f1"] == pytest.approx(2 * aga * 0.45 / (aga + 0.45))
        assert summary["grader"]["spec"] == "openai:Y" and summary["grader"]["template"] == "simple-evals"
        assert summary["approximate"] is False
        assert summary["model"]["spec"] == "openai:X" and summary["model"]["tools"] == "none"
        assert summary["seed"] == 0 and summary["complete"] is False  # the junk-graded question is an error

        records = [json.loads(line) for line in (out / "results.jsonl").read_text(encoding="utf-8").splitlines()]
        assert sorted(r["index"] for r in records) == sorted(q.index for q in questions)
        junk = next(r for r in records if r["problem"] == script.junk_question)
        assert junk["grade"] is None and "GradeParseError" in junk["error"]
        assert all(r["tokens"] == {"prompt_tokens": 50, "completion_tokens": 5} for r in records)
        assert (out / "report.md").is_file() and (out / "chart_by_topic.png").is_file()
        assert all(body["temperature"] == 0.0 for body in grader_server.requests)

        # --resume retries only the errored question (the grader still says junk: still an error).
        model_calls, grader_calls = len(model_server.requests), len(grader_server.requests)
        result = run_cli([*args, "--resume"])
        assert result.exit_code == 0, result.output
        assert len(model_server.requests) == model_calls + 1
        assert len(grader_server.requests) == grader_calls + 1
        assert len((out / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 20

        # Once everything is graded, --resume does nothing: no request, no file touched.
        script.junk_question = ""
        run_cli([*args, "--resume"])
        before = {p.name: p.read_bytes() for p in out.iterdir()}
        calls = len(model_server.requests), len(grader_server.requests)
        result = run_cli([*args, "--resume"])
        assert result.exit_code == 0
        assert "nothing to do" in result.stderr
        assert (len(model_server.requests), len(grader_server.requests)) == calls
        assert {p.name: p.read_bytes() for p in out.iterdir()} == before
        assert json.loads(result.stdout)["complete"] is True


def test_the_offline_grader_needs_no_server_and_says_it_is_approximate(csv_path: Path, tmp_path: Path) -> None:
    questions = select_questions(load_dataset(csv_path).questions, limit=3, seed=5)
    gold = {q.problem: q.answer for q in questions}
    with FakeOpenAIServer(lambda messages: gold[messages[-1]["content"]]) as model_server:
        args = [
            "--dataset", str(csv_path), "--limit", "3", "--seed", "5",
            "--model", "openai:X", "--base-url", model_server.base_url,
            "--out", str(tmp_path / "run"), "--tools", "none",
        ]  # fmt: skip
        result = run_cli(args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["approximate"] is True and summary["correct"] == 1.0
    assert "APPROXIMATE" in result.stderr


def test_resume_without_out_is_a_one_line_error(csv_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "simpleqa", "--dataset", str(csv_path), "--resume"])
    assert result.exit_code != 0
    assert "--resume needs --out" in str(result.exception)


def test_resume_with_other_sampling_is_refused_before_any_model_is_loaded(csv_path: Path, tmp_path: Path) -> None:
    questions = select_questions(load_dataset(csv_path).questions, limit=2, seed=0)
    gold = {q.problem: q.answer for q in questions}
    with FakeOpenAIServer(lambda messages: gold[messages[-1]["content"]]) as model_server:
        args = [
            "--dataset", str(csv_path), "--limit", "2", "--model", "openai:X", "--base-url", model_server.base_url,
            "--out", str(tmp_path / "run"), "--tools", "none", "--max-tokens", "64",
        ]  # fmt: skip
        assert run_cli(args).exit_code == 0
        calls = len(model_server.requests)
        result = CliRunner().invoke(app, ["bench", "simpleqa", *args[:-1], "32", "--resume"])
        assert len(model_server.requests) == calls
    assert result.exit_code != 0
    assert "different agent_settings" in str(result.exception)


def test_a_verified_csv_is_graded_with_the_verified_template(tmp_path: Path) -> None:
    csv_file = tmp_path / "simpleqa_verified.csv"
    csv_file.write_text(VERIFIED_CSV, encoding="utf-8")
    with FakeOpenAIServer(lambda m: "2023") as model_server, FakeOpenAIServer(lambda m: "C") as grader_server:
        args = [
            "--dataset", str(csv_file), "--model", "openai:X", "--base-url", model_server.base_url,
            "--grader", "openai:Y", "--grader-base-url", grader_server.base_url,
            "--out", str(tmp_path / "run"), "--tools", "none",
        ]  # fmt: skip
        result = run_cli(args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["benchmark"] == "SimpleQA Verified" and summary["grader"]["template"] == "simpleqa-verified"
    assert summary["n"] == 3 and summary["not_attempted"] == 1.0
    prompt = grader_server.requests[0]["messages"][0]["content"]
    assert prompt.startswith("Your job is to look at a question") and "acceptable range" in prompt
