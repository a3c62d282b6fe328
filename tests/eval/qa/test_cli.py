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


def test_questions_without_paragraphs_need_an_index_and_run_over_it(dataset_path: Path, tmp_path: Path) -> None:
    bare = tmp_path / "open.jsonl"
    bare.write_text(
        "".join(
            json.dumps({"id": f"b{i}", "question": q, "golden_answers": [a]}) + "\n"
            for i, (q, a, _, _) in enumerate(FACTS[:2])
        ),
        encoding="utf-8",
    )
    model = scripted(tmp_path, [FACTS[0][1], FACTS[1][1]])
    missing = CliRunner().invoke(app, ["bench", "qa", "--dataset", str(bare), "--model", model, "--tools", "retrieve"])
    assert missing.exit_code != 0
    assert "open.jsonl brings no paragraphs: pass --index NAME" in str(missing.exception)

    # A user's own index (here: the paragraphs of another file, built by `bench qa` under another name first).
    built = bench_qa("--dataset", str(dataset_path), "--model", scripted(tmp_path, ["x"], "m2.json"), "--tools",
                     "retrieve", "--limit", "1", "--out", str(tmp_path / "first"))  # fmt: skip
    assert built.exit_code == 0, built.output
    result = bench_qa("--dataset", str(bare), "--model", model, "--tools", "retrieve",
                      "--index", "qa-hotpotqa-dev_subsampled", "--out", str(tmp_path / "run"))  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["n"], summary["f1"], summary["tool_calls_per_question"]) == (2, 1.0, 1.0)


def test_a_plain_question_answer_csv_runs_over_an_index_with_the_simpleqa_grade(
    dataset_path: Path, tmp_path: Path
) -> None:
    plain = tmp_path / "answerable.csv"
    plain.write_text("question,answer\n" + "".join(f"{q},{a}\n" for q, a, _, _ in FACTS[:2]), encoding="utf-8")
    built = bench_qa("--dataset", str(dataset_path), "--model", scripted(tmp_path, ["x"], "m2.json"), "--tools",
                     "retrieve", "--limit", "1", "--out", str(tmp_path / "first"))  # fmt: skip
    assert built.exit_code == 0, built.output
    model = scripted(tmp_path, [FACTS[0][1], "I do not know"])
    result = bench_qa("--dataset", str(plain), "--model", model, "--tools", "retrieve",
                      "--index", "qa-hotpotqa-dev_subsampled", "--out", str(tmp_path / "run"))  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["n"] == 2
    assert (summary["correct"], summary["not_attempted"]) == (0.5, 0.5)


def test_a_users_index_given_with_a_file_of_paragraphs_is_searched_as_it_is(dataset_path: Path, tmp_path: Path) -> None:
    from mcp_servers.index import open_local_index
    from mcp_servers.types import Document

    open_local_index("my-wiki").add_documents([Document(id="w1", title="Fredville", text="Fredville is a city.")])
    model = scripted(tmp_path, ["Fredville"])
    result = bench_qa("--dataset", str(dataset_path), "--model", model, "--tools", "retrieve", "--limit", "1",
                      "--index", "my-wiki", "--out", str(tmp_path / "run"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "index my-wiki: 1 document, searched as it is" in result.stderr
    assert open_local_index("my-wiki").stats().documents == 1  # nothing of the file was added


def test_qa_rescore_scores_stored_answers_again_without_running_the_model(dataset_path: Path, tmp_path: Path) -> None:
    # Without --limit the questions run in file order, so each scripted reply meets the question it is for.
    replies = ["The capital city of Freedonia is Fredville.", "Yes, the Glimmer River.", *["I do not know."] * 4]
    model = scripted(tmp_path, replies)
    run = tmp_path / "run"
    common = ["--dataset", str(dataset_path), "--model", model, "--tools", "none", "--out", str(run)]
    assert bench_qa(*common).exit_code == 0
    # Make the run look scored under older rules: other short forms, other scores, another metric version.
    records = [json.loads(line) for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    stale = [{**record, "short_answer": record["predicted"], "exact_match": False, "f1": 0.1} for record in records]
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in stale), encoding="utf-8")
    described = json.loads((run / "run.json").read_text(encoding="utf-8"))
    (run / "run.json").write_text(json.dumps({**described, "grader": "qa:old-rules#"}), encoding="utf-8")

    result = CliRunner().invoke(app, ["bench", "qa-rescore", str(run)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rescored = [json.loads(line) for line in (run / "results.jsonl").read_text(encoding="utf-8").splitlines()]
    by_question = {r["problem"]: r for r in rescored}
    capital = by_question["Which city is the capital of Freedonia?"]
    assert (capital["short_answer"], capital["exact_match"], capital["f1"]) == ("Fredville", True, 1.0)
    river = by_question["Which river flows through Sylvania?"]
    assert (river["short_answer"], river["f1"]) == ("Yes", 0.0)  # HotpotQA's yes/no rule: no partial credit
    assert [r["latency_s"] for r in rescored] == [r["latency_s"] for r in stale]  # what was measured is kept
    summary = json.loads(result.stdout)
    assert summary["f1"] == pytest.approx(1 / 6) and summary["exact_match"] == pytest.approx(1 / 6)
    assert json.loads((run / "summary.json").read_text(encoding="utf-8"))["f1"] == pytest.approx(1 / 6)
    assert "| Fredville |" in (run / "report.md").read_text(encoding="utf-8")
    # run.json now names the current rules, so the run resumes (here: nothing left to do) under them.
    resumed = bench_qa(*common, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert "nothing to do" in resumed.stderr


def test_qa_rescore_of_a_folder_without_a_run_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "qa-rescore", str(tmp_path)])
    assert result.exit_code != 0
    assert "holds no bench qa run with answers" in str(result.exception)
