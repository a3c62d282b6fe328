"""Which references an answer rests on."""

from __future__ import annotations

from agent.sources import SourcePassage, new_items_only, passages_from_result, pick_sources
from mcp_servers.search.server import SearchResults, format_results
from mcp_servers.types import SearchHit

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


def test_a_later_search_keeps_only_the_hits_the_earlier_ones_did_not_bring() -> None:
    hits = [SearchHit(title=f"T{i}", doc_id=f"d{i}", snippet=f"text {i}", score=1.0 / i) for i in range(1, 6)]
    text = format_results(SearchResults(query="q", source="local", hits=hits))
    narrowed = new_items_only(text, {"d1", "d3"}, limit=2)
    assert narrowed.startswith('Results for "q" from local:')
    assert "2. T2" in narrowed and "4. T4" in narrowed
    assert "T1" not in narrowed and "T3" not in narrowed and "T5" not in narrowed
    assert [p.ref for p in passages_from_result(narrowed)] == ["d2", "d4"]
    assert new_items_only(text, {f"d{i}" for i in range(1, 6)}, limit=2) == ""
