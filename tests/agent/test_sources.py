"""Which references an answer rests on."""

from __future__ import annotations

from agent.sources import SourcePassage, passages_from_result, pick_sources

SEARCH_TEXT = """Results for "la grande jatte" from local:

1. Georges Seurat
   doc: wiki/Georges_Seurat
   Georges Seurat was a French post-Impressionist artist, best known for A Sunday Afternoon on the Island of La Grande Jatte.
   score: 0.912

2. Impressionism
   url: https://en.wikipedia.org/wiki/Impressionism
   Impressionism is a 19th-century art movement.
   score: 0.512
"""


def test_text_results_give_one_passage_per_numbered_hit_with_its_url_or_doc_id() -> None:
    passages = passages_from_result(SEARCH_TEXT)
    assert [p.ref for p in passages] == ["wiki/Georges_Seurat", "https://en.wikipedia.org/wiki/Impressionism"]
    assert "post-Impressionist" in passages[0].text


def test_structured_results_are_preferred_over_the_text() -> None:
    structured = {
        "query": "q",
        "source": "local",
        "hits": [
            {"title": "Seurat", "url": None, "doc_id": "seurat-1", "snippet": "pointillism", "score": 1.0},
            {"title": "Monet", "url": "https://example.org/monet", "doc_id": None, "snippet": "water lilies"},
        ],
    }
    passages = passages_from_result("ignored text https://not-this.example/", structured)
    assert [p.ref for p in passages] == ["seurat-1", "https://example.org/monet"]
    assert passages[0].text == "Seurat pointillism"


def test_a_fetch_call_cites_its_url_argument() -> None:
    passages = passages_from_result("Page text about Seurat", None, {"url": "https://example.org/seurat"})
    assert passages == [SourcePassage(ref="https://example.org/seurat", text="Page text about Seurat")]


def test_the_answer_cites_the_passages_it_shares_words_with_not_the_question() -> None:
    passages = passages_from_result(SEARCH_TEXT)
    question = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
    assert pick_sources("Georges Seurat painted it.", passages, question=question) == ["wiki/Georges_Seurat"]
    # Words the answer only repeats from the question do not make Impressionism a source.
    answer = "Georges Seurat painted A Sunday Afternoon on the Island of La Grande Jatte."
    assert pick_sources(answer, passages, question=question) == ["wiki/Georges_Seurat"]


def test_a_reference_quoted_in_the_answer_comes_first() -> None:
    passages = passages_from_result(SEARCH_TEXT)
    answer = "Seurat (see https://en.wikipedia.org/wiki/Impressionism)"
    assert pick_sources(answer, passages)[0] == "https://en.wikipedia.org/wiki/Impressionism"


def test_an_answer_sharing_nothing_with_the_results_cites_nothing() -> None:
    assert pick_sources("I do not know.", passages_from_result(SEARCH_TEXT)) == []
    assert pick_sources("", passages_from_result(SEARCH_TEXT)) == []
