"""Documents of a local index as fetch can read them: by doc id, or as the offline copy of a URL.

Search results from the local index carry a URL or a doc id, and the search tool tells the model to fetch a
result to read all of it. Offline the URL cannot be fetched, and a doc id is no URL at all, so without this
the model's natural next step fails (measured: the quickstart's 0.5B fetched its top hit's Wikipedia URL and
got a DNS error). The index holds each document's whole text, so fetch reads it from there.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from mcp_servers.errors import JanagentError
from mcp_servers.types import Document

if TYPE_CHECKING:
    from mcp_servers.index.local_index import LocalIndex

logger = logging.getLogger(__name__)


class DocumentSource(Protocol):
    """Where fetch finds a document by id or URL; ``name`` is said in the result, so the model knows."""

    name: str

    def find(self, reference: str) -> Document | None: ...


class IndexDocuments:
    """The documents of one local index; the index is opened on the first lookup, not at server start."""

    def __init__(self, index_name: str | None = None) -> None:
        from mcp_servers.index.registry import resolve_name

        self.name = resolve_name(index_name)
        self._index: LocalIndex | None = None

    def find(self, reference: str) -> Document | None:
        if "://" in self.name:  # a Qdrant collection keeps no whole documents
            return None
        from mcp_servers.index.registry import open_local_index

        try:
            if self._index is None:
                self._index = open_local_index(self.name)
            return self._index.find_document(reference)
        except (JanagentError, OSError, ValueError) as exc:
            # A broken index must not break fetch: the lookup is a fallback, so its failure is logged, not raised.
            logger.warning("cannot read index %r: %s", self.name, exc)
            return None
