"""The one snippet cut: word boundaries, the window around the query's words, the length bound."""

from __future__ import annotations

from mcp_servers.index.snippets import SNIPPET_CHARS, cut_snippet


def test_snippets_are_cut_at_a_word_boundary() -> None:
    text = "word " * 200
    snippet = cut_snippet(text.strip(), limit=50)
    assert snippet.endswith(" …") and len(snippet) <= 52
    assert cut_snippet("short", limit=50) == "short"


def test_a_cut_at_the_end_drops_the_partial_word() -> None:
    assert cut_snippet("short text") == "short text"
    assert cut_snippet("one two three four", limit=10) == "one two …"


def test_a_long_passage_is_trimmed_around_the_sentence_that_matches() -> None:
    text = "Filler sentence number one. " * 30 + "The heron hunts frogs in the marsh. " + "More filler here. " * 10
    snippet = cut_snippet(text.strip(), "heron marsh", limit=120)
    assert snippet.startswith("… The heron hunts frogs in the marsh.")
    assert len(snippet) <= 125


def test_a_snippet_is_never_longer_than_the_limit_plus_an_ellipsis() -> None:
    text = " ".join(f"filler{i}" for i in range(300)) + " the zebra grazes " + " ".join(f"more{i}" for i in range(300))
    for query in (None, "zebra", "filler5 zebra more299"):
        snippet = cut_snippet(text, query)
        assert len(snippet) <= SNIPPET_CHARS + 2
    assert "zebra" in cut_snippet(text, "zebra")
