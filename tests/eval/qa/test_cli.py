"""`janagent bench qa` end to end with scripted models and a dataset file written by the test."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from agent.cli import app
from eval.qa.benchmark import sample_questions
from eval.qa.datasets import load_qa_dataset
from tests.eval.qa.fakes import DISTRACTORS, FACTS, write_hotpotqa

SUMMARY_KEYS = {"n", "exact_match", "f1", "empty_answers", "evidence_recall", "tool_calls_per_question"}
SUMMARY_KEYS |= {"latency_s_median"}


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A word-level Model2Vec model over the test paragraphs' words: loads in milliseconds, offline."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    texts = [f"{q} {t} {x}" for q, _, t, x in FACTS] + [f"{t} {x}" for t, x in DISTRACTORS]
    words = sorted({w for text in texts for w in re.findall(r"\w+", text.lower())})
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(0).standard_normal((len(vocab), 16)).astype(np.float32)
    folder = tmp_path_factory.mktemp("tiny_model") / "model"
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(folder)
    return folder


@pytest.fixture
def dataset_path(tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("JANAGENT_EMBED_MODEL", str(tiny_model_dir))  # the stdio search server inherits it
    return write_hotpotqa(tmp_path / "dev_subsampled.jsonl")


def scripted(tmp_path: Path, turns: list[Any], name: str = "model.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"turns": turns}), encoding="utf-8")
    return f"scripted:{path}"


def bench_qa(*args: str) -> Any:
    return CliRunner().invoke(app, ["bench", "qa", *args], catch_exceptions=False)


def test_the_retrieve_baseline_prints_the_summary_and_builds_the_dataset_index_once(
    dataset_path: Path, tmp_path: Path
) -> None:
    golds = [fact[1] for fact in FACTS]
    model = scripted(tmp_path, [*golds[:-1], "No idea."])
    common = ["--dataset", str(dataset_path), "--model", model, "--tools", "retrieve"]
    result = bench_qa(*common, "--out", str(tmp_path / "run"))
    assert result.exit_code == 0, result.output

    summary = json.loads(result.stdout)
    assert set(summary) >= SUMMARY_KEYS
    assert summary["n"] == len(FACTS)
    assert summary["exact_match"] == pytest.approx(5 / 6) and summary["f1"] == pytest.approx(5 / 6)
    assert (summary["evidence_recall"], summary["tool_calls_per_question"], summary["empty_answers"]) == (1.0, 1.0, 0)
    assert "index qa-hotpotqa-dev_subsampled: 8 paragraphs, built" in result.stderr
    for name in ("results.jsonl", "summary.json", "report.md", "run.json", "chart_scores.png"):
        assert (tmp_path / "run" / name).is_file()
    assert "| 6 | 0.833 | 0.833 | 100.0% | 0 | 0 |" in (tmp_path / "run" / "report.md").read_text(encoding="utf-8")

    again = bench_qa(*common, "--out", str(tmp_path / "run2"), "--limit", "1")
    assert again.exit_code == 0, again.output
    assert "reused (file unchanged)" in again.stderr

    done = bench_qa(*common, "--out", str(tmp_path / "run"), "--resume")
    assert done.exit_code == 0 and "nothing to do" in done.stderr
    assert json.loads(done.stdout)["n"] == len(FACTS)


@pytest.mark.slow
def test_the_agent_calls_the_mcp_search_server_over_the_dataset_index(dataset_path: Path, tmp_path: Path) -> None:
    questions = sample_questions(load_qa_dataset(dataset_path).questions, limit=2, seed=0)
    turns: list[Any] = []
    for question in questions:
        turns += [{"tool_calls": [{"name": "search", "arguments": {"query": question.problem}}]}, question.answer]
    model = scripted(tmp_path, turns)
    result = bench_qa(
        "--dataset", str(dataset_path), "--model", model, "--limit", "2", "--max-steps", "2",
        "--out", str(tmp_path / "run"),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["n"], summary["f1"], summary["evidence_recall"], summary["tool_calls_per_question"]) == (
        2, 1.0, 1.0, 1.0,
    )  # fmt: skip
    assert summary["model"]["tools"] == "mcp:qa-hotpotqa-dev_subsampled"


def test_closed_book_needs_no_index(dataset_path: Path, tmp_path: Path) -> None:
    model = scripted(tmp_path, ["I do not know."] * 2)
    result = bench_qa("--dataset", str(dataset_path), "--model", model, "--tools", "none", "--limit", "2",
                      "--out", str(tmp_path / "run"))  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["f1"], summary["evidence_recall"], summary["tool_calls_per_question"]) == (0.0, 0.0, 0.0)
    assert "index qa-" not in result.stderr  # no index was built or checked


def test_simpleqa_without_an_index_is_a_one_line_error(shared_data: Path, tmp_path: Path) -> None:
    csv_path = shared_data / "simpleqa" / "simple_qa_test_set.csv"
    model = scripted(tmp_path, ["x"])
    result = CliRunner().invoke(app, ["bench", "qa", "--dataset", str(csv_path), "--model", model, "--limit", "1"])
    assert result.exit_code != 0
    assert "SimpleQA brings no corpus: pass --index NAME" in str(result.exception)
