"""`janagent bench regrade` end to end: the offline grader on the labelled set, a model grader on loopback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from agent.cli import app
from eval.simpleqa.grader_template import SIMPLEQA_GRADER_TEMPLATE
from eval.simpleqa.regrade import GRADER_LABELS, GRADES_FILE, SUMMARY_FILE
from mcp_servers.errors import JanagentError
from tests.eval.simpleqa.openai_server import FakeOpenAIServer

GRADED = re.compile(r"Question: ([^\n]*)\nGold target: ([^\n]*)\nPredicted answer: (.*?)\n```\n\nGrade the", re.DOTALL)


def run_cli(args: list[str]) -> Any:
    return CliRunner().invoke(app, ["bench", "regrade", *args], catch_exceptions=False)


def test_the_offline_grader_agrees_with_every_labelled_answer(tmp_path: Path) -> None:
    out = tmp_path / "regrade"
    result = run_cli(["--input", str(GRADER_LABELS), "--grader", "offline", "--out", str(out)])
    assert result.exit_code == 0, result.output

    summary = json.loads(result.stdout)
    labelled = [json.loads(line) for line in GRADER_LABELS.read_text(encoding="utf-8").splitlines()]
    assert summary["n"] == summary["with_reference"] == len(labelled)
    assert (summary["agreement"], summary["correct_precision"], summary["correct_recall"]) == (1.0, 1.0, 1.0)
    correct = sum(row["label"] == "CORRECT" for row in labelled)
    assert summary["confusion"]["CORRECT"] == {"CORRECT": correct, "INCORRECT": 0, "NOT_ATTEMPTED": 0}
    assert summary["approximate"] is True and summary["complete"] is True
    # per source: every example of the grader template is graded as the template grades it
    template = summary["by_source"]["template"]
    assert (template["n"], template["agreement"]) == (30, 1.0)
    assert set(summary["by_source"]) == {row["source"] for row in labelled}
    assert "APPROXIMATE" in result.stderr and "CORRECT precision 1.000" in result.stderr
    lines = [json.loads(line) for line in (out / GRADES_FILE).read_text(encoding="utf-8").splitlines()]
    assert sorted(line["line"] for line in lines) == list(range(1, len(labelled) + 1))
    assert all(line["reason"].startswith("offline (approximate): ") for line in lines)
    assert json.loads((out / SUMMARY_FILE).read_text(encoding="utf-8"))["agreement"] == 1.0


def test_a_model_grader_gets_the_official_prompt_for_each_answer_and_is_measured(tmp_path: Path) -> None:
    rows = [
        {"question": "What is the capital of France?", "gold": "Paris", "predicted": "Paris", "label": "A"},
        {"question": "What is the capital of France?", "gold": "Paris", "predicted": "Lyon", "label": "B"},
        {"question": "In what year?", "gold": "1995", "predicted": "I don't know", "label": "C"},
        {"question": "In what year?", "gold": "1995", "predicted": "1996", "label": "INCORRECT"},
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    def grade(messages: list[dict[str, Any]]) -> str:
        # A grader that calls everything but "I don't know" CORRECT, in the styles real graders reply in.
        match = GRADED.search(messages[-1]["content"])
        assert match is not None
        return "C: NOT_ATTEMPTED" if match.group(3) == "I don't know" else "CORRECT"

    with FakeOpenAIServer(grade) as server:
        args = ["--input", str(path), "--grader", "openai:judge", "--grader-base-url", server.base_url]
        result = run_cli([*args, "--out", str(tmp_path / "out"), "--concurrency", "2", "--retries", "0"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["approximate"] is False and summary["grader"]["template"] == "simple-evals"
    assert summary["agreement"] == 0.5
    assert summary["correct_precision"] == pytest.approx(1 / 3) and summary["correct_recall"] == 1.0
    assert summary["confusion"]["INCORRECT"] == {"CORRECT": 2, "INCORRECT": 0, "NOT_ATTEMPTED": 0}
    assert len(server.requests) == 4
    first = server.requests[0]["messages"][0]["content"]
    assert first.startswith(SIMPLEQA_GRADER_TEMPLATE[:80])
    assert server.requests[0].get("temperature") == 0.0


def test_a_bad_input_line_stops_before_grading_and_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    path.write_text('{"question": "q", "gold": "g", "predicted": "g"}\n{"question": "q", "gold": "g"}\n', "utf-8")
    with pytest.raises(JanagentError, match=r"answers\.jsonl:2: missing field 'predicted'"):
        run_cli(["--input", str(path), "--out", str(tmp_path / "out")])
    assert not (tmp_path / "out").exists()
