"""Test doubles for the search server: recorded-shape fixtures, an httpx MockTransport client, a fake index."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import httpx

from mcp_servers.types import Document, IndexStats, SearchHit

FIXTURES = Path(__file__).parent / "fixtures"

Handler = Callable[[httpx.Request], httpx.Response]


def fixture_text(name: str) -> str:
    """A recorded-shape response body from fixtures/."""
    return (FIXTURES / name).read_text(encoding="utf-8")


def mock_client(handler: Handler) -> httpx.AsyncClient:
    """An httpx client whose every request is answered by ``handler``; nothing leaves the process."""
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def respond(status: int = 200, *, text: str = "", content_type: str = "application/json") -> Handler:
    """A handler that records nothing and always answers the same response."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text=text, headers={"Content-Type": content_type})

    return handler


def refuse_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def time_out(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


class FakeIndex:
    """A SearchIndex over a few in-memory documents: hits are the documents sharing a word with the query."""

    name = "fake"

    def __init__(self, docs: list[Document]) -> None:
        self.docs = docs
        self.calls: list[tuple[str, int]] = []
        self.threads: list[int] = []

    def add_documents(self, docs: object) -> int:
        raise NotImplementedError

    def remove(self, doc_ids: object) -> int:
        raise NotImplementedError

    def stats(self) -> IndexStats:
        return IndexStats(name=self.name, backend="fake", documents=len(self.docs), chunks=len(self.docs))

    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        self.calls.append((query, k))
        self.threads.append(threading.get_ident())
        words = set(query.lower().split())
        scored = [(len(words & set(doc.text.lower().split())), doc) for doc in self.docs]
        ranked = sorted((pair for pair in scored if pair[0]), key=lambda pair: -pair[0])
        return [
            SearchHit(title=doc.title, doc_id=doc.id, url=doc.url, snippet=doc.text, score=float(score))
            for score, doc in ranked[:k]
        ]


def demo_docs() -> list[Document]:
    return [
        Document(
            id="seurat-jatte",
            title="A Sunday Afternoon on the Island of La Grande Jatte",
            text="A pointillist painting by Georges Seurat of Parisians on an island in the Seine.",
        ),
        Document(
            id="monet-water-lilies",
            title="Water Lilies",
            text="A series of impressionist paintings by Claude Monet of his flower garden at Giverny.",
        ),
        Document(
            id="long-doc",
            title="Long document",
            text="zebra " * 200,
            url="https://example.org/long",
        ),
    ]
