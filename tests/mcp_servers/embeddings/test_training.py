"""Tokenlearn training: corpus sampling, and `janagent embed train` end to end with the tiny random teacher."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from mcp_servers.embeddings.tokenlearn_training import MAX_WORDS, corpus_passages, featurize
from mcp_servers.errors import JanagentError
from tests.mcp_servers.embeddings.cli_runner import run_cli

_WORDS = ["the", "island", "painting", "seurat", "sunday", "river", "python", "language", "snake", "paris"]


def _write_wiki(path: Path, articles: int) -> Path:
    """A WikiExtractor-style .jsonl.gz: each text has a heading, a stub line and one long paragraph."""
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        for i in range(articles):
            words = [_WORDS[(i * 7 + j * 3) % len(_WORDS)] for j in range(10 + i % 5)]
            text = f"Article {i}.\nShort stub.\n{' '.join(words)} {i}"
            handle.write(json.dumps({"id": str(i), "title": f"A{i}", "text": text}) + "\n")
    return path


def test_passages_skip_headings_and_stubs_and_sample_the_whole_corpus(tmp_path: Path) -> None:
    corpus = _write_wiki(tmp_path / "wiki.jsonl.gz", articles=300)
    passages = corpus_passages(corpus, 50, seed=1)
    assert len(passages) == 50
    assert all(len(p.split()) >= 8 for p in passages)  # "Article 3." and "Short stub." never appear
    numbers = sorted(int(p.split()[-1]) for p in passages)
    assert numbers[-1] >= 150  # a sample over all 300 articles, not the first 50
    assert corpus_passages(corpus, 50, seed=1) == passages
    assert len(corpus_passages(corpus, 1_000)) == 300


def test_long_paragraphs_are_cut_and_plain_text_lines_work(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(" ".join(["river"] * 200) + "\n\ntoo short\n")
    assert corpus_passages(corpus, 10) == [" ".join(["river"] * MAX_WORDS)]


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), ("short line\n", "no paragraph of 8 words"), ("not json\n", "line 1 is not a JSON")],
)
def test_bad_corpora_get_one_clear_error(tmp_path: Path, content: str | None, message: str) -> None:
    corpus = tmp_path / ("corpus.jsonl" if content == "not json\n" else "corpus.txt")
    if content is not None:
        corpus.write_text(content)
    with pytest.raises(JanagentError, match=message):
        corpus_passages(corpus, 10)


def test_featurize_gives_one_teacher_vector_per_passage_and_reports_progress(tiny_teacher_dir: Path) -> None:
    passages = [f"the river {w} sunday" for w in _WORDS] * 3
    seen: list[tuple[int, int]] = []
    vectors = featurize(tiny_teacher_dir, passages, batch_size=2, on_progress=lambda d, t: seen.append((d, t)))
    assert vectors.shape == (30, 32) and vectors.dtype == np.float32
    assert seen == [(16, 30), (30, 30)]
    np.testing.assert_allclose(vectors[0], vectors[10], atol=1e-5)  # the same text gives the same vector


def test_train_writes_a_static_model_that_differs_from_plain_distillation(
    tiny_teacher_dir: Path, tiny_static_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from model2vec import StaticModel

    corpus = _write_wiki(tmp_path / "wiki.jsonl.gz", articles=200)
    out = tmp_path / "trained"
    args = ["embed", "train", "--teacher", str(tiny_teacher_dir), "--corpus", str(corpus), "--dims", "16"]
    code = run_cli(monkeypatch, *args, "--sentences", "150", "--out", str(out))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert result["passages"] == 150 and result["dims"] == 16 and result["out"] == str(out)
    assert set(result["seconds"]) == {"read", "featurize", "distill", "train", "total"}
    assert "ETA" in captured.err
    trained, plain = StaticModel.from_pretrained(out), StaticModel.from_pretrained(tiny_static_dir)
    assert trained.tokens == plain.tokens and trained.dim == plain.dim == 16
    assert not np.allclose(trained.embedding, plain.embedding)  # training moved the distilled vectors
    assert trained.encode(["the river"]).shape == (1, 16)


def test_train_refuses_an_existing_output_and_a_missing_teacher(
    tiny_teacher_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _write_wiki(tmp_path / "wiki.jsonl.gz", articles=5)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "file").write_text("mine")
    assert run_cli(monkeypatch, "embed", "train", "--corpus", str(corpus), "--out", str(taken)) == 1
    assert "already exists" in capsys.readouterr().err and (taken / "file").read_text() == "mine"
    assert run_cli(monkeypatch, "embed", "train", "--corpus", str(corpus), "--teacher", str(tmp_path / "x")) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: teacher") and "Traceback" not in err


def test_too_small_a_corpus_is_refused_before_training(
    tiny_teacher_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = _write_wiki(tmp_path / "wiki.jsonl.gz", articles=12)
    args = ["embed", "train", "--teacher", str(tiny_teacher_dir), "--corpus", str(corpus), "--dims", "16"]
    assert run_cli(monkeypatch, *args, "--out", str(tmp_path / "m")) == 1
    assert "too few passages (12) to train 16 dims" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


def test_a_missing_tokenlearn_names_the_distill_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tokenlearn", None)  # what Python does for a package that is not installed
    corpus = _write_wiki(tmp_path / "wiki.jsonl.gz", articles=5)
    assert run_cli(monkeypatch, "embed", "train", "--corpus", str(corpus), "--out", str(tmp_path / "m")) == 1
    assert "janagent[distill]" in capsys.readouterr().err
