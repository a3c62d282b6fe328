from __future__ import annotations

from mcp_servers.index.chunking import chunk_document, split_passages
from mcp_servers.types import Document


def test_every_passage_is_indexed_with_its_title_in_front() -> None:
    doc = Document(id="d", title="Seurat", text="First paragraph.\n\nSecond paragraph.")
    chunks = chunk_document(doc)
    assert chunks
    assert all(c.indexed_text.startswith("Seurat\n") for c in chunks)
    assert all(not c.text.startswith("Seurat") for c in chunks)


def test_long_text_is_split_into_passages_of_at_most_max_words() -> None:
    paragraphs = [" ".join(f"w{p}x{i}." if i % 12 == 11 else f"w{p}x{i}" for i in range(70)) for p in range(6)]
    passages = split_passages("\n".join(paragraphs), max_words=100)
    assert len(passages) >= 4
    assert all(len(p.split()) <= 100 for p in passages)
    # Nothing is lost or duplicated.
    assert " ".join(passages).split() == " ".join(paragraphs).split()


def test_a_run_on_sentence_longer_than_a_passage_is_cut_at_word_boundaries() -> None:
    words = [f"word{i}" for i in range(350)]
    passages = split_passages(" ".join(words), max_words=100)
    assert [len(p.split()) for p in passages] == [100, 100, 100, 50]


def test_a_short_last_paragraph_joins_the_previous_passage() -> None:
    body = " ".join(f"a{i}" for i in range(90))
    passages = split_passages(f"{body}\nSee also.", max_words=100, min_words=40)
    assert passages == [f"{body} See also."]


def test_a_document_without_text_becomes_one_chunk_holding_its_title() -> None:
    chunks = chunk_document(Document(id="d", title="Only a title", text="  \n "))
    assert [(c.ordinal, c.text) for c in chunks] == [(0, "Only a title")]
