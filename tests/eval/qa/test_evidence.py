from __future__ import annotations

from eval.qa.evidence import evidence_hits, seen_evidence
from eval.qa.solvers import format_hits
from mcp_servers.types import SearchHit


def hit(title: str, doc_id: str | None = None, url: str | None = None) -> SearchHit:
    return SearchHit(title=title, doc_id=doc_id, url=url, snippet=f"{title} text", score=1.0)


def test_a_gold_paragraph_counts_when_its_id_was_in_a_result_the_model_saw() -> None:
    text = format_hits("q", [hit("Fredville", "hotpotqa-aaa"), hit("Harbor Lights", "hotpotqa-bbb")])
    seen = seen_evidence([{"name": "search", "arguments": {"query": "q"}, "text": text, "is_error": False}])
    assert evidence_hits(seen, ["hotpotqa-aaa", "hotpotqa-ccc"], []) == (1, 2)
    assert evidence_hits(seen, ["hotpotqa-ccc"], []) == (0, 1)


def test_error_results_show_the_model_nothing() -> None:
    text = format_hits("q", [hit("Fredville", "hotpotqa-aaa")])
    seen = seen_evidence([{"name": "search", "arguments": {}, "text": text, "is_error": True}])
    assert evidence_hits(seen, ["hotpotqa-aaa"], []) == (0, 1)


def test_a_simpleqa_article_counts_by_title_in_another_wikipedia_copy_or_by_url() -> None:
    text = format_hits("q", [hit("Raúl Alfonsín", url="https://simple.wikipedia.org/wiki?curid=5")])
    seen = seen_evidence([{"name": "search", "arguments": {}, "text": text}])
    gold = ["https://en.wikipedia.org/wiki/Ra%C3%BAl_Alfons%C3%ADn", "https://www.example.org/bio"]
    assert evidence_hits(seen, [], gold) == (1, 2)
    fetched = seen_evidence([{"name": "fetch", "arguments": {"url": "https://www.example.org/bio/"}, "text": "Bio"}])
    assert evidence_hits(fetched, [], gold) == (1, 2)
    assert evidence_hits(seen_evidence([]), [], gold) == (0, 2)
