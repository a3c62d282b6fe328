"""The dev suite's sets, built from small files in the real formats: BEIR triples, splits, limits."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from eval.dev_suite import DevSet, hotpot_set, known_item_set, load_dev_set, paraphrase_set, split_of, squad_set
from mcp_servers.errors import JanagentError
from mcp_servers.types import Document


def test_squad_questions_point_at_the_paragraph_they_were_asked_about(tmp_path: Path) -> None:
    data = {
        "data": [
            {
                "title": "Super_Bowl_50",
                "paragraphs": [
                    {"context": "Denver won.", "qas": [{"id": "q1", "question": "Who won?", "answers": []}]},
                    {"context": "It was in Santa Clara.", "qas": [{"id": "q2", "question": "Where?", "answers": []}]},
                ],
            }
        ]
    }
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    squad = squad_set(path)
    assert [d.id for d in squad.corpus] == ["Super_Bowl_50#0", "Super_Bowl_50#1"]
    assert squad.corpus[0].title == "Super Bowl 50"
    assert squad.qrels == {"q1": {"Super_Bowl_50#0": 1}, "q2": {"Super_Bowl_50#1": 1}}


def test_hotpot_pools_every_questions_paragraphs_once_and_judges_the_supporting_two(tmp_path: Path) -> None:
    shared = {"title": "Guam", "paragraph_text": "Guam is an island.", "is_supporting": False}
    lines = [
        {
            "question_id": "a",
            "question_text": "Q a?",
            "contexts": [
                {**shared, "is_supporting": True},
                {"title": "X", "paragraph_text": "x", "is_supporting": True},
            ],
        },
        {
            "question_id": "b",
            "question_text": "Q b?",
            "contexts": [shared, {"title": "Y", "paragraph_text": "y", "is_supporting": True}],
        },
    ]
    path = tmp_path / "hotpot.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    hotpot = hotpot_set(path)
    assert [d.title for d in hotpot.corpus] == ["Guam", "X", "Y"]
    assert hotpot.qrels == {"a": {"p0": 1, "p1": 1}, "b": {"p2": 1}}


def test_known_item_queries_are_a_later_sentence_without_the_title_words_and_the_same_every_run(tmp_path: Path) -> None:
    records = [
        {
            "id": str(i),
            "title": f"Heron {i}",
            "text": f"The heron {i} is a bird of the marsh lands. It eats frogs and small fish in the water. "
            f"Many herons live near lakes and rivers in warm countries. Heron {i} nests are made of sticks.",
        }
        for i in range(5)
    ]
    path = tmp_path / "simplewiki.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in records))
    first, again = known_item_set(path, docs=3, seed=1), known_item_set(path, docs=3, seed=1)
    assert first.queries == again.queries and len(first.corpus) == 3
    for qid, query in first.queries.items():
        (doc_id,) = first.qrels[qid]
        doc = next(d for d in first.corpus if d.id == doc_id)
        assert "heron" not in query.lower().split() and query.split()[0] in doc.text
        assert not doc.text.startswith(query)


def test_paraphrase_queries_are_a_simple_wikipedia_first_sentence_that_finds_the_summary(tmp_path: Path) -> None:
    summaries = {
        "Grey heron": {
            "title": "Grey heron",
            "extract": "The grey heron is a long-legged wading bird of the heron family.",
        },
        "Otter": {"title": "Otter", "extract": "Otters are carnivorous mammals in the subfamily Lutrinae."},
        "Moss": {"title": "Moss", "extract": "Mosses are small, non-vascular flowerless plants."},
    }
    summaries_path = tmp_path / "summaries_en.json"
    summaries_path.write_text(json.dumps(summaries), encoding="utf-8")
    simple = [
        {
            "id": "1",
            "title": "Grey heron",
            "text": "Grey heron\nThe grey heron is a big bird that lives near water. It eats fish.",
        },
        {"id": "2", "title": "Otter", "text": "Otters are animals."},  # no first sentence of six words: no query
        {
            "id": "3",
            "title": "Badger",
            "text": "Badgers are short-legged animals that dig burrows in woods.",
        },  # no summary
    ]
    simple_path = tmp_path / "simplewiki.jsonl.gz"
    with gzip.open(simple_path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in simple))
    devset = paraphrase_set(summaries_path, simple_path)
    assert [d.title for d in devset.corpus] == ["Grey heron", "Moss", "Otter"]  # every summary, in title order
    heron = next(d.id for d in devset.corpus if d.title == "Grey heron")
    assert devset.queries == {f"p{heron}": "The is a big bird that lives near water"}  # title words removed
    assert devset.qrels == {f"p{heron}": {heron: 1}}


def test_the_two_splits_are_disjoint_stable_and_limited_by_a_seeded_sample() -> None:
    queries = {f"q{i}": f"text {i}" for i in range(40)}
    devset = DevSet("s", [Document(id="d", title="", text="t")], queries, {q: {"d": 1} for q in queries})
    tune, report = devset.limited("tune", None), devset.limited("report", None)
    assert set(tune.queries) | set(report.queries) == set(queries) and not set(tune.queries) & set(report.queries)
    assert all(split_of(q) == "tune" for q in tune.queries)
    assert devset.limited("all", 5).queries == devset.limited("all", 5).queries
    assert len(devset.limited("all", 5).queries) == 5


def test_an_unknown_set_or_a_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="unknown dev set"):
        load_dev_set("nope", tmp_path)
