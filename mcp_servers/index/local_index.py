"""The embedded default index: documents -> passages -> BM25 + Model2Vec vectors, fused, on local disk.

This module is the index's face: ranking one query over the live generation and turning the ranking into
hits. Reading generations is in ``generations``, writing them in ``incremental``, the fusion maths in
``fusion`` and the snippet cut in ``snippets``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from mcp_servers.errors import JanagentError
from mcp_servers.index.bm25 import Bm25Settings
from mcp_servers.index.embedder import LazyEmbedder, check_same_model, resolve_embedder
from mcp_servers.index.fusion import DEFAULT_FUSION, FusionConfig, Mode, hybrid_rank, one_per_document
from mcp_servers.index.generations import LiveGeneration
from mcp_servers.index.incremental import AddReport, add_documents, remove_documents
from mcp_servers.index.loaders import load_documents
from mcp_servers.index.progress import AddProgress, progress_sink
from mcp_servers.index.snippets import cut_snippet
from mcp_servers.index.store import Generation
from mcp_servers.index.vectors import Embedder, embed_texts, top_k_dot
from mcp_servers.types import Document, IndexStats, SearchHit

__all__ = ["AddReport", "LocalIndex"]


class LocalIndex:
    """A named index under JANAGENT_HOME/indexes; see ``store`` for the on-disk layout and atomicity."""

    backend = "local"

    def __init__(
        self,
        name: str,
        path: Path,
        embedder: Embedder | None = None,
        *,
        embed_model: str | None = None,
        fusion: FusionConfig = DEFAULT_FUSION,
        bm25: Bm25Settings | None = None,
    ) -> None:
        """``embedder`` is used as given; otherwise ``embed_model`` (a Model2Vec spec) or the spec the index
        was built with, else the default static model, is loaded on first need. ``bm25`` sets how adds build
        the BM25 leg (default: English stemming at the default k1, b); queries follow what the index records."""
        self.name = name
        self.path = path
        self.fusion = fusion
        self.bm25 = bm25
        self._embed_spec = embed_model
        self._embedder = LazyEmbedder((lambda: embedder) if embedder is not None else self._load_embedder)
        self._live = LiveGeneration(name, path)
        self.last_report: AddReport | None = None

    def _load_embedder(self) -> Embedder:
        generation = self._live.get()
        recorded = generation.meta.get("embed_spec") if generation is not None else None
        return resolve_embedder(self._embed_spec or (str(recorded) if recorded else None))

    # -- reading -----------------------------------------------------------------------------------

    def generation(self) -> Generation | None:
        """The live generation (None before the first add)."""
        return self._live.get()

    def exists(self) -> bool:
        return self._live.exists()

    def _query_vector(self, generation: Generation, query: str) -> np.ndarray:
        if generation.num_chunks:
            check_same_model(self.name, generation.embed_model, self._embedder.id)
        vector = embed_texts(self._embedder.model, [query])[0]
        if vector.shape[0] != generation.dim:
            raise JanagentError(
                f"the query vector has {vector.shape[0]} dims but index '{self.name}' has {generation.dim}"
            )
        return vector

    def rank_chunks(
        self, query: str, depth: int, mode: Mode = "hybrid", fusion: FusionConfig | None = None
    ) -> tuple[Generation | None, np.ndarray, np.ndarray]:
        """Chunk indices and scores, best first, for one query: the core of ``search``."""
        try:
            return self._rank_chunks(query, depth, mode, fusion)
        except FileNotFoundError:
            # A generation's BM25 files are opened on its first query; if writers published two newer
            # generations since this one was opened, its folder is gone: reopen the live one, once.
            self._live.forget()
            return self._rank_chunks(query, depth, mode, fusion)

    def _rank_chunks(
        self, query: str, depth: int, mode: Mode, fusion: FusionConfig | None
    ) -> tuple[Generation | None, np.ndarray, np.ndarray]:
        empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
        generation = self._live.get()
        if generation is None or generation.num_chunks == 0 or not query.strip():
            return generation, *empty
        config = fusion or self.fusion
        if mode == "bm25":
            ids, scores = generation.bm25.top(query, depth)
            return generation, ids, scores.astype(np.float64)
        vector = self._query_vector(generation, query)
        if mode == "vector":
            ids, scores = top_k_dot(generation.vectors, vector, depth)
            return generation, ids, scores.astype(np.float64)
        ranked = hybrid_rank(generation.bm25, generation.vectors, query, vector, max(depth, config.depth), config)
        return generation, *ranked

    def search_documents(
        self, query: str, k: int = 10, *, mode: Mode = "hybrid", fusion: FusionConfig | None = None
    ) -> tuple[Generation | None, list[tuple[int, int, float]]]:
        """The generation searched and its ``k`` best documents as (document row, best chunk, score)."""
        depth = max((fusion or self.fusion).depth, 3 * k)
        generation, ids, scores = self.rank_chunks(query, depth, mode, fusion)
        if generation is None or len(ids) == 0:
            return generation, []
        rows = np.asarray(generation.chunk_doc[ids]).tolist()
        chunks, values = ids.tolist(), scores.tolist()
        return generation, [(rows[i], chunks[i], values[i]) for i in one_per_document(rows, k)]

    def search(
        self, query: str, k: int = 10, *, mode: Mode = "hybrid", fusion: FusionConfig | None = None
    ) -> list[SearchHit]:
        """The ``k`` best documents for ``query``, each with its best-matching passage as the snippet."""
        # Rows and chunks are read from the generation they were ranked in, even if a writer swapped
        # in a newer one meanwhile (the search server runs searches in worker threads).
        generation, found = self.search_documents(query, k, mode=mode, fusion=fusion)
        if generation is None:
            return []
        docs = generation.docs
        return [
            SearchHit(
                title=docs.titles[row] or docs.ids[row],
                url=docs.urls[row],
                doc_id=docs.ids[row],
                snippet=cut_snippet(generation.passage(chunk), query),
                score=round(score, 6),
                source="local",
            )
            for row, chunk, score in found
        ]

    def find_document(self, reference: str) -> Document | None:
        """The indexed document whose id or URL is ``reference``, its text rebuilt from its passages."""
        generation = self._live.get()
        if generation is None:
            return None
        row = generation.document_row(reference)
        if row is None:
            return None
        docs = generation.docs
        return Document(
            id=docs.ids[row],
            title=docs.titles[row],
            text=generation.document_text(row),
            url=docs.urls[row],
            source_path=docs.sources[row],
        )

    def stats(self) -> IndexStats:
        generation = self._live.get()
        if generation is None:
            return IndexStats(name=self.name, backend=self.backend, documents=0, chunks=0)
        return IndexStats(
            name=self.name,
            backend=self.backend,
            documents=len(generation.docs),
            chunks=generation.num_chunks,
            embed_model=generation.embed_model,
            size_bytes=generation.size_bytes(),
        )

    # -- writing (see ``incremental``) ---------------------------------------------------------------

    def add_paths(self, paths: Iterable[str | Path], progress: bool | AddProgress = False) -> int:
        """Index files and folders (see ``loaders``); returns the number of chunks of those documents."""
        documents = load_documents(list(paths))
        with progress_sink(progress) as sink:
            return self.add_documents(documents, progress=sink)

    def add_documents(self, docs: Iterable[Document], progress: AddProgress | None = None) -> int:
        """Index or replace documents (by id, and every document of a re-added source file).

        Unchanged documents are carried over without re-embedding. The new generation is published only
        when everything was read, embedded and indexed; any exception (a bad file, Ctrl-C) leaves the
        index exactly as it was. Returns the number of chunks of the given documents.
        """
        self.last_report = add_documents(self._live, docs, self._embedder, self._embed_spec, progress, self.bm25)
        return self.last_report.incoming_chunks

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id (atomically, like an add); returns how many were removed."""
        return remove_documents(self._live, doc_ids)
