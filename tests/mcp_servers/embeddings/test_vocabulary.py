from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcp_servers.embeddings.vocabulary import corpus_vocabulary
from mcp_servers.errors import JanagentError


def test_frequent_words_of_a_jsonl_corpus_come_first(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    records = [
        {"_id": "1", "title": "Seurat", "text": "pointillism pointillism island"},
        {"_id": "2", "title": "Seurat", "text": "pointillism island 1884"},
    ]
    corpus.write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    assert corpus_vocabulary(corpus) == ["pointillism", "Seurat", "island"]


def test_a_text_corpus_is_read_line_by_line_and_capped(tmp_path: Path) -> None:
    corpus = tmp_path / "notes.txt"
    corpus.write_text("alpha beta beta\ngamma alpha beta\ngamma\n")
    assert corpus_vocabulary(corpus, max_words=2) == ["beta", "alpha"]


def test_a_missing_corpus_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="does not exist"):
        corpus_vocabulary(tmp_path / "none.jsonl")


def test_an_unsupported_corpus_format_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.csv"
    corpus.write_text("a,b\n")
    with pytest.raises(JanagentError, match=r"\.jsonl"):
        corpus_vocabulary(corpus)


def test_a_broken_jsonl_line_is_named(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text('{"text": "fine fine"}\n{oops\n')
    with pytest.raises(JanagentError, match=r"corpus\.jsonl:2"):
        corpus_vocabulary(corpus)
