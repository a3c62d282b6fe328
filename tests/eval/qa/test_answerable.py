"""The answerable SimpleQA subset: kept only where a same-titled article holds the answer."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest

from eval.qa.answerable import answerable_subset, contains_answer, main
from eval.simpleqa.dataset import load_dataset

HEADER = ["metadata", "problem", "answer"]


def _meta(*titles: str) -> str:
    urls = [f"https://en.wikipedia.org/wiki/{title}" for title in titles] + ["https://example.org/page"]
    return str({"topic": "Art", "answer_type": "Person", "urls": urls})


def _files(tmp_path: Path) -> tuple[Path, Path]:
    simpleqa = tmp_path / "simpleqa.csv"
    with simpleqa.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerow([_meta("A_Sunday_Afternoon"), "Who painted A Sunday Afternoon?", "Georges Seurat"])
        writer.writerow([_meta("Missing_Article"), "Who wrote the missing article?", "Nobody"])
        writer.writerow([_meta("Mona_Lisa"), "Where is the Mona Lisa?", "the Louvre Museum"])
        writer.writerow([_meta("Caf%C3%A9_Terrace"), "When was Café Terrace painted?", "1888"])
    corpus = tmp_path / "wiki.jsonl.gz"
    records = [
        {"id": "1", "title": "A Sunday Afternoon", "text": "It was painted by Georges Seurat, a French painter."},
        {"id": "2", "title": "Mona Lisa", "text": "The Mona Lisa hangs in the Louvre in Paris."},
        {"id": "3", "title": "Café Terrace", "text": "Van Gogh painted it in September 1888."},
    ]
    with gzip.open(corpus, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(record) + "\n" for record in records)
    return simpleqa, corpus


def test_rows_are_kept_only_where_a_same_titled_article_contains_the_answer(tmp_path: Path) -> None:
    simpleqa, corpus = _files(tmp_path)
    subset = answerable_subset(simpleqa, corpus)
    assert subset.kept == [0, 3]  # the quoted title ("Caf%C3%A9") matches "Café Terrace"
    assert (subset.total, subset.no_article, subset.answer_missing) == (4, 1, 1)


def test_answers_match_as_whole_normalised_words() -> None:
    assert contains_answer("Painted by Georges Seurat.", "georges SEURAT")
    assert contains_answer("in 1888, in Arles", "1888")
    assert not contains_answer("in 18880", "1888")
    assert not contains_answer("anything", "the")  # nothing left after normalisation


def test_the_subset_file_keeps_the_rows_unchanged_and_loads_as_simpleqa(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simpleqa, corpus = _files(tmp_path)
    out = tmp_path / "subset.csv"
    assert main(["--simpleqa", str(simpleqa), "--corpus", str(corpus), "--out", str(out)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["kept"] == 2 and summary["no_article"] == 1
    original = list(csv.reader(simpleqa.open(encoding="utf-8")))
    assert list(csv.reader(out.open(encoding="utf-8"))) == [original[0], original[1], original[4]]
    assert [q.answer for q in load_dataset(out).questions] == ["Georges Seurat", "1888"]


def test_a_missing_corpus_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    simpleqa, _ = _files(tmp_path)
    assert main(["--simpleqa", str(simpleqa), "--corpus", str(tmp_path / "nope.gz"), "--out", str(tmp_path / "o")]) == 1
    assert capsys.readouterr().err.strip() == f"error: corpus not found: {tmp_path / 'nope.gz'}"
