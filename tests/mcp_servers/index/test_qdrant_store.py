from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_servers.errors import JanagentError
from mcp_servers.index.qdrant_store import (
    QdrantIndex,
    open_qdrant_index,
    parse_qdrant_url,
    sparse_document_vector,
    sparse_query_vector,
)
from mcp_servers.types import Document
from tests.fakes import HashingEmbedder

DOCS = [
    Document(
        id="seurat",
        title="A Sunday Afternoon on the Island of La Grande Jatte",
        text="A pointillist painting by Georges Seurat of Parisians relaxing on an island in the Seine.",
        url="https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte",
    ),
    Document(
        id="monet", title="Water Lilies", text="Claude Monet painted the water lily pond of his garden at Giverny."
    ),
    Document(id="python", title="Python", text="Python is a programming language that reads like pseudocode."),
]


@pytest.fixture
def index() -> Iterator[QdrantIndex]:
    with open_qdrant_index("qdrant+memory:///test", HashingEmbedder()) as idx:
        idx.add_documents(DOCS)
        yield idx


def test_hybrid_search_puts_the_matching_document_first_with_its_passage_as_snippet(index: QdrantIndex) -> None:
    hits = index.search("pointillist painting of an island in the Seine", k=2)
    assert hits[0].doc_id == "seurat"
    assert hits[0].title == DOCS[0].title and hits[0].url == DOCS[0].url
    assert hits[0].snippet == DOCS[0].text  # the passage alone; the title travels separately
    assert hits[0].source == "qdrant" and len(hits) == 2


def test_stats_count_documents_and_passages(index: QdrantIndex) -> None:
    stats = index.stats()
    assert (stats.documents, stats.chunks, stats.backend) == (3, 3, "qdrant")
    assert stats.embed_model == "HashingEmbedder-64d"


def test_a_long_document_becomes_several_passages_but_one_hit(index: QdrantIndex) -> None:
    long_text = "\n\n".join(f"Paragraph {i} about gardens and water lilies. " + "filler words " * 60 for i in range(4))
    assert index.add_documents([Document(id="long", title="Gardens", text=long_text)]) > 1
    hits = index.search("gardens water lilies", k=10)
    assert [h.doc_id for h in hits].count("long") == 1
    assert index.stats().documents == 4


def test_re_adding_a_document_replaces_its_passages(index: QdrantIndex) -> None:
    index.add_documents([Document(id="monet", title="Water Lilies", text="A series of about 250 oil paintings.")])
    assert index.stats().documents == 3
    hits = index.search("oil paintings series", k=1)
    assert hits[0].doc_id == "monet" and hits[0].snippet == "A series of about 250 oil paintings."
    assert all("Giverny" not in h.snippet for h in index.search("Giverny garden pond", k=3))


def test_re_adding_a_changed_file_replaces_the_documents_it_held(index: QdrantIndex) -> None:
    index.add_documents(
        [Document(id="notes.md#1", title="Notes", text="old draft about ferns", source_path="notes.md")]
    )
    index.add_documents(
        [Document(id="notes.md#2", title="Notes", text="new text about mosses", source_path="notes.md")]
    )
    assert index.stats().documents == 4
    assert "notes.md#1" not in {h.doc_id for h in index.search("ferns draft", k=5)}


def test_remove_deletes_documents_and_counts_only_those_present(index: QdrantIndex) -> None:
    assert index.remove(["python", "not-there"]) == 1
    assert index.remove([]) == 0
    assert index.stats().documents == 2
    assert "python" not in {h.doc_id for h in index.search("programming language", k=5)}


def test_an_empty_query_or_zero_k_returns_nothing(index: QdrantIndex) -> None:
    assert index.search("   ", k=5) == []
    assert index.search("painting", k=0) == []


def test_a_local_collection_persists_and_refuses_another_embedding_model(tmp_path: Path) -> None:
    url = f"qdrant+local://{tmp_path}/store/papers"
    with open_qdrant_index(url, HashingEmbedder()) as idx:
        idx.add_documents(DOCS)
    with open_qdrant_index(url, HashingEmbedder()) as idx:
        assert idx.stats().documents == 3
        assert idx.search("Giverny", k=1)[0].doc_id == "monet"
    with pytest.raises(JanagentError, match="built with embedding model HashingEmbedder-64d"):
        open_qdrant_index(url, HashingEmbedder(dim=32))


def test_sparse_vectors_weight_repeated_terms_with_saturation() -> None:
    indices, values = sparse_document_vector("seine seine seine island")
    weights = dict(zip(indices, values, strict=True))
    seine, island = sparse_query_vector("seine")[0][0], sparse_query_vector("island")[0][0]
    assert island < 2**32 and weights[seine] > weights[island]
    assert weights[seine] < 3 * weights[island]  # BM25 saturation, not raw counts
    assert sparse_query_vector("Seine seine") == ([seine], [1.0])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("qdrant://db.internal:7000/wiki", ("wiki", "server", "db.internal", 7000, False, None)),
        ("qdrant://db.internal/wiki", ("wiki", "server", "db.internal", 6333, False, None)),
        ("qdrants://cluster.example.com:443/wiki", ("wiki", "server", "cluster.example.com", 443, True, None)),
        ("qdrant+memory:///scratch", ("scratch", "memory", None, None, False, None)),
        ("qdrant+local:///var/lib/qdrant/wiki", ("wiki", "local", None, None, False, "/var/lib/qdrant")),
    ],
)
def test_index_urls_name_the_server_and_collection(url: str, expected: tuple[object, ...]) -> None:
    t = parse_qdrant_url(url)
    assert (t.collection, t.mode, t.host, t.port, t.https, t.path) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://localhost:6333/wiki", "unsupported index URL"),
        ("qdrant://localhost:6333", "names no collection"),
        ("qdrant://localhost:6333/a/b", "extra path segments"),
        ("qdrant://:6333/wiki", "has no host"),
        ("qdrant://localhost:port/wiki", "invalid port"),
        ("qdrant://localhost/bad name!", "may only use"),
        ("qdrant+memory://host/wiki", "three slashes"),
        ("qdrant+local:///wiki", "ABS/PATH/COLLECTION"),
    ],
)
def test_bad_index_urls_are_one_line_errors_that_show_the_right_form(url: str, message: str) -> None:
    with pytest.raises(JanagentError, match=message):
        parse_qdrant_url(url)


def test_an_unreachable_server_is_a_one_line_error() -> None:
    # Port 9 on loopback (discard) is closed on test machines: the connection is refused at once.
    with pytest.raises(JanagentError, match=r"cannot reach Qdrant at http://127\.0\.0\.1:9"):
        open_qdrant_index("qdrant://127.0.0.1:9/wiki", HashingEmbedder())
