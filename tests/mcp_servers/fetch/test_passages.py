"""Passages keep their place in the page, and the ones that answer the query come first."""

from __future__ import annotations

import itertools

from mcp_servers.fetch.passages import rank_passages, render_ranked, split_passages
from tests.fakes import HashingEmbedder

PAGE = """# Volcanoes of Iceland

Iceland sits on the Mid-Atlantic Ridge, where the North American and Eurasian plates pull apart.

## Eyjafjallajökull

The 2010 eruption of Eyjafjallajökull sent an ash cloud across Europe and closed airspace for six days,
stranding about ten million travellers.

## Hekla

Hekla has erupted more than twenty times since 874 and was once called the gateway to hell.

## Geothermal energy

Nine in ten Icelandic homes are heated with geothermal water piped from boreholes near volcanic areas."""


def test_each_passage_is_the_text_at_its_span() -> None:
    passages = split_passages(PAGE, target_chars=200)
    assert len(passages) >= 3
    for p in passages:
        assert PAGE[p.start : p.end].strip() == p.text
    assert [p.index for p in passages] == list(range(len(passages)))
    assert all(a.end <= b.start for a, b in itertools.pairwise(passages))


def test_a_heading_stays_with_the_text_under_it() -> None:
    passages = split_passages(PAGE, target_chars=200)
    hekla = next(p for p in passages if "## Hekla" in p.text)
    assert "gateway to hell" in hekla.text
    assert not any(p.text.strip().startswith("#") and "\n" not in p.text.strip() for p in passages)


def test_a_long_paragraph_is_cut_at_sentence_ends() -> None:
    sentence = "This sentence is about tidal energy and it goes on for a while. "
    passages = split_passages(sentence * 60, target_chars=300)
    assert len(passages) > 5
    assert all(len(p.text) <= 450 for p in passages)
    assert all(p.text.endswith(".") for p in passages)


def test_the_passage_that_answers_the_query_comes_first() -> None:
    passages = split_passages(PAGE, target_chars=200)
    for embedder in (HashingEmbedder(), None):
        ranked = rank_passages(passages, "how long was European airspace closed by the ash cloud", embedder)
        assert "ash cloud" in ranked[0].text
        assert sorted(p.index for p in ranked) == [p.index for p in passages]
    ranked = rank_passages(passages, "home heating from boreholes", HashingEmbedder())
    assert "geothermal water" in ranked[0].text


def test_a_query_with_no_known_words_keeps_page_order() -> None:
    passages = split_passages(PAGE, target_chars=200)
    assert rank_passages(passages, "zzzz qqqq", None) == passages


def test_markers_give_each_passage_its_place_in_the_page() -> None:
    passages = split_passages(PAGE, target_chars=200)
    ranked = rank_passages(passages, "Hekla eruptions", None)
    text = render_ranked(ranked, len(PAGE))
    first = ranked[0]
    assert text.startswith(
        f"[passage {first.index + 1} of {len(passages)}, characters {first.start}-{first.end} of {len(PAGE)}]\n"
    )
