"""The answer-reach measure: the gold answer in the top hits' snippets, by snippet length and hits."""

from __future__ import annotations

from pathlib import Path

from eval.qa.corpus import ensure_dataset_index
from eval.qa.datasets import QAQuestion, load_qa_dataset
from eval.qa.reach import answer_golds, measure_reach
from mcp_servers.index import open_local_index
from tests.eval.qa.fakes import FACTS, write_hotpotqa
from tests.fakes import HashingEmbedder

# A long gold paragraph: the answer sits far from the question's words, past a 40-character snippet.
FAR = (
    "Which lake feeds the Amber Canal?",
    "Lake Quorn",
    "Amber Canal",
    "The Amber Canal feeds on " + "reeds and wide slow water and old mills along its banks " * 3 + "from Lake Quorn.",
)


def test_the_answer_is_in_view_more_often_with_longer_snippets_and_more_hits(tmp_path: Path) -> None:
    dataset = load_qa_dataset(write_hotpotqa(tmp_path / "dev_subsampled.jsonl", [*FACTS, FAR]))
    embedder = HashingEmbedder()
    index = open_local_index(ensure_dataset_index(dataset, embedder=embedder).name, embedder=embedder)
    rows = measure_reach(dataset, index, limit=None, snippet_limits=(40, 10_000), hits=(1, 3))
    by = {(row["snippet_chars"], row["hits"]): row for row in rows}
    assert all(row["questions"] == len(FACTS) + 1 for row in rows)
    # Full passages: every answer of these facts is in its own paragraph, found first.
    assert by[(10_000, 1)]["answer_in_view"] == 1.0
    # 40 characters around the question's words miss the far answer (and the text costs fewer characters).
    assert by[(40, 1)]["answer_in_view"] < 1.0
    assert by[(40, 3)]["chars_per_question"] < by[(10_000, 3)]["chars_per_question"]


def test_yes_no_golds_are_not_looked_for_in_text() -> None:
    both = QAQuestion(index=0, problem="Are both birds?", answer="yes", answers=("yes", "Yes indeed"))
    assert answer_golds(both) == ["yes indeed"]  # normalised; the bare "yes" cannot be read off a passage
    assert answer_golds(QAQuestion(index=1, problem="Is it?", answer="no")) == []
