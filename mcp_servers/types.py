"""Types shared by the index, the search backends and the search server."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from pydantic import BaseModel, Field


class SearchHit(BaseModel):
    """One search result as the model sees it."""

    title: str
    url: str | None = Field(default=None, description="Web URL, when the document has one")
    doc_id: str | None = Field(default=None, description="Document id in a local index")
    snippet: str = Field(description="The passage that matched, trimmed for a small model's context")
    score: float
    source: str = Field(default="local", description="Which backend produced the hit")

    @property
    def reference(self) -> str:
        """What an answer cites: the URL when there is one, else the document id."""
        return self.url or self.doc_id or self.title


class Document(BaseModel):
    """A document to index: a file's text, a JSONL record, a Wikipedia summary."""

    id: str
    title: str
    text: str
    url: str | None = None
    # The file the document came from; re-adding a changed file replaces all of its chunks.
    source_path: str | None = None


class IndexStats(BaseModel):
    name: str
    backend: str
    documents: int
    chunks: int
    embed_model: str | None = None
    size_bytes: int = 0


class SearchIndex(Protocol):
    """What every index backend offers (the embedded local index, Qdrant)."""

    name: str

    def add_documents(self, docs: Iterable[Document]) -> int:
        """Index (or replace, by id / source_path) documents; returns the number of chunks written."""
        ...

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many were removed."""
        ...

    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        """Hybrid search; hits carry the matching passage as snippet."""
        ...

    def stats(self) -> IndexStats: ...
