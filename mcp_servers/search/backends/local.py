"""The local index (BM25 + Model2Vec, offline): opened on first use and kept for the server's life."""

from __future__ import annotations

import logging

import anyio
import anyio.to_thread

from mcp_servers.search.backends.base import SearchError
from mcp_servers.types import SearchHit, SearchIndex

logger = logging.getLogger(__name__)


class LocalBackend:
    """Searches a local index by name; its blocking search runs in a worker thread."""

    name = "local"

    def __init__(self, index_name: str | None = None, index: SearchIndex | None = None) -> None:
        self.index_name = index_name
        self._index = index
        self._opening = anyio.Lock()

    async def index(self) -> SearchIndex:
        """The opened index; the first call opens it (loading an embedding model can take seconds)."""
        async with self._opening:
            if self._index is None:
                self._index = await anyio.to_thread.run_sync(self._open)
            return self._index

    def _open(self) -> SearchIndex:
        from mcp_servers.index import open_index  # heavy: model2vec, bm25s

        label = self.index_name or "default"
        try:
            return open_index(self.index_name)
        except Exception as exc:
            # Whatever the cause (missing index, unreadable files), the model can only switch source;
            # the person running the server sees the full error in the log.
            logger.exception("could not open local index %r", label)
            raise SearchError(
                f"local index '{label}' is not available ({exc}); use source=wikipedia, "
                "or build it with `janagent index add PATH`"
            ) from exc

    async def search(self, query: str, k: int) -> list[SearchHit]:
        """Hybrid search over the local index; an empty index says so rather than "no results"."""
        index = await self.index()
        # Searches run in worker threads side by side; the one encode lock in mcp_servers.index.vectors keeps
        # the embedding model's tokenizer (not thread-safe) to one thread at a time.
        hits = await anyio.to_thread.run_sync(self._search, index, query, k)
        if not hits and await anyio.to_thread.run_sync(self._is_empty, index):
            raise SearchError(
                f"local index '{index.name}' is empty; use source=wikipedia, or build it with `janagent index add PATH`"
            )
        return hits

    @staticmethod
    def _search(index: SearchIndex, query: str, k: int) -> list[SearchHit]:
        try:
            return index.search(query, k)
        except Exception as exc:
            # The index's own errors are one-line messages (a model mismatch, a concurrent rebuild): pass
            # them on so the model can retry or switch source; the log keeps the traceback.
            logger.exception("local index search failed")
            raise SearchError(f"local index search failed ({exc}); try again or use source=wikipedia") from exc

    @staticmethod
    def _is_empty(index: SearchIndex) -> bool:
        return index.stats().chunks == 0
