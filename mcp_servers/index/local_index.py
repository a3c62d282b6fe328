"""The embedded default index: documents -> passages -> BM25 + Model2Vec vectors, fused, on local disk."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mcp_servers.errors import JanagentError
from mcp_servers.index.bm25 import stemming_available, top_k
from mcp_servers.index.chunking import MAX_WORDS, chunk_document
from mcp_servers.index.embedder import LazyEmbedder, default_embedder
from mcp_servers.index.fusion import DEFAULT_FUSION, FusionConfig, Mode, convex, rank_order, rrf
from mcp_servers.index.loaders import load_documents
from mcp_servers.index.progress import AddProgress, NoProgress, RichProgress
from mcp_servers.index.store import Generation, GenerationWriter, collect_garbage, read_pointer, writer_lock
from mcp_servers.index.vectors import Embedder, dot_rows, embed_texts, top_k_dot
from mcp_servers.types import Document, IndexStats, SearchHit

# Chunks embedded per encode call: large enough for the static model's batching, small enough to stream.
EMBED_BATCH = 4096
SNIPPET_CHARS = 600
# Bump when chunking changes, so that re-adding unchanged files re-chunks them.
CHUNKER_VERSION = f"words{MAX_WORDS}-v1"


@dataclass
class AddReport:
    """What one add did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: int = 0
    duplicates: int = 0
    chunks_embedded: int = 0
    incoming_chunks: int = 0
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0


def fingerprint(doc: Document) -> str:
    """Content hash of what the index stores for a document; an unchanged document is not re-embedded."""
    digest = hashlib.blake2b(digest_size=12)
    for part in (CHUNKER_VERSION, doc.title, doc.text, doc.url or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def _lookup(sorted_ids: np.ndarray, scores: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The scores of ``wanted`` ids in (sorted_ids, scores); 0 for ids that are not there."""
    out = np.zeros(len(wanted), dtype=np.float64)
    if len(sorted_ids) == 0:
        return out
    where = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
    found = sorted_ids[where] == wanted
    out[found] = scores[where[found]]
    return out


_WORD = re.compile(r"\w\w+")
_SENTENCE_START = re.compile(r"(?<=[.!?])\s+")


def trim_snippet(text: str, query: str = "", limit: int = SNIPPET_CHARS) -> str:
    """The passage cut to about ``limit`` characters at word boundaries, around the part that matches.

    The window is the one holding the most distinct query words (starting at a sentence when one starts
    shortly before), so a match at the end of a long passage is still what the model sees.
    """
    if len(text) <= limit:
        return text
    start = 0
    terms = {w.lower() for w in _WORD.findall(query)}
    if terms:
        # Only the query words' positions matter: slide over them, counting distinct words in the window.
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(terms))) + r")\b", re.IGNORECASE)
        hits = [(m.start(), m.group().lower()) for m in pattern.finditer(text)]
        best = 0
        for i, (position, _) in enumerate(hits):
            shared = {word for p, word in hits[i:] if p < position + limit - 20}
            if len(shared) > best:
                best, start = len(shared), position
        if start > 0:
            sentence_starts = [m.end() for m in _SENTENCE_START.finditer(text, max(0, start - 80), start + 1)]
            start = sentence_starts[-1] if sentence_starts and sentence_starts[-1] <= start else start
    start = min(start, max(0, len(text) - limit))
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 40 else start
    end = start + limit
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start + limit // 2 else end
    return ("… " if start > 0 else "") + text[start:end].strip() + (" …" if end < len(text) else "")


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
    ) -> None:
        """``embedder`` is used as given; otherwise ``embed_model`` (a Model2Vec spec) or the spec the index
        was built with, else the default static model, is loaded on first need."""
        self.name = name
        self.path = path
        self.fusion = fusion
        self._embed_spec = embed_model
        self._embedder = LazyEmbedder((lambda: embedder) if embedder is not None else self._load_embedder)
        self._generation: Generation | None = None
        self._embed_lock = threading.Lock()
        self.last_report: AddReport | None = None

    def _recorded_spec(self) -> str | None:
        generation = self._live()
        spec = generation.meta.get("embed_spec") if generation is not None else None
        return str(spec) if spec else None

    def _load_embedder(self) -> Embedder:
        spec = self._embed_spec or self._recorded_spec()
        if spec is None:
            return default_embedder()
        from mcp_servers.embeddings import load_static_model

        return load_static_model(spec)

    # -- reading -----------------------------------------------------------------------------------

    def _live(self) -> Generation | None:
        """The published generation, reopened when a writer has swapped in a newer one."""
        for _ in range(3):
            pointer = read_pointer(self.path)
            if pointer is None:
                return None
            if self._generation is not None and self._generation.path == pointer:
                return self._generation
            try:
                self._generation = Generation(pointer)
                return self._generation
            except FileNotFoundError:
                continue  # swapped and collected between reading the pointer and opening: read it again
        raise JanagentError(f"index '{self.name}' changed while being opened; try again")

    def generation(self) -> Generation | None:
        """The live generation (None before the first add)."""
        return self._live()

    def exists(self) -> bool:
        return read_pointer(self.path) is not None

    def _check_model(self, generation: Generation | None) -> None:
        if generation is None or generation.num_chunks == 0 or generation.embed_model is None:
            return
        if generation.embed_model != self._embedder.id:
            raise JanagentError(
                f"index '{self.name}' was built with embedding model {generation.embed_model} but this run uses "
                f"{self._embedder.id}; use the same model or rebuild it (janagent index remove {self.name})"
            )

    def _query_vector(self, generation: Generation, query: str) -> np.ndarray:
        self._check_model(generation)
        # A Hugging Face tokenizer fails when two threads encode at once ("Already borrowed").
        with self._embed_lock:
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
            self._generation = None
            return self._rank_chunks(query, depth, mode, fusion)

    def _rank_chunks(
        self, query: str, depth: int, mode: Mode, fusion: FusionConfig | None
    ) -> tuple[Generation | None, np.ndarray, np.ndarray]:
        empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
        generation = self._live()
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
        return generation, *self._hybrid(generation, query, vector, max(depth, config.depth), config)

    @staticmethod
    def _hybrid(
        generation: Generation, query: str, vector: np.ndarray, depth: int, config: FusionConfig
    ) -> tuple[np.ndarray, np.ndarray]:
        all_ids, all_scores = generation.bm25.candidate_scores(query)
        bm_ids, bm_scores = top_k(all_ids, all_scores, depth)
        if config.pool == "bm25" and len(bm_ids):
            pool = bm_ids
            pool_bm25 = bm_scores
            pool_vec = dot_rows(generation.vectors, vector, pool)
            if config.combiner == "rrf":
                vec_order = pool[np.lexsort((pool, -pool_vec))]
                return rank_order(*rrf([(bm_ids, config.bm25_weight), (vec_order, config.vector_weight)], config.rrf_k))
            return rank_order(pool, convex(pool_bm25, pool_vec, config.bm25_weight, config.vector_weight))
        # The union pool (also the fallback when no query term is in the BM25 vocabulary).
        vec_ids, _ = top_k_dot(generation.vectors, vector, depth)
        if config.combiner == "rrf":
            return rank_order(*rrf([(bm_ids, config.bm25_weight), (vec_ids, config.vector_weight)], config.rrf_k))
        pool = np.union1d(bm_ids, vec_ids)
        pool_bm25 = _lookup(all_ids, all_scores, pool)
        pool_vec = dot_rows(generation.vectors, vector, pool)
        return rank_order(pool, convex(pool_bm25, pool_vec, config.bm25_weight, config.vector_weight))

    def search_documents(
        self, query: str, k: int = 10, *, mode: Mode = "hybrid", fusion: FusionConfig | None = None
    ) -> tuple[Generation | None, list[tuple[int, int, float]]]:
        """The generation searched and its ``k`` best documents as (document row, best chunk, score)."""
        depth = max((fusion or self.fusion).depth, 3 * k)
        generation, ids, scores = self.rank_chunks(query, depth, mode, fusion)
        if generation is None:
            return None, []
        seen: set[int] = set()
        out: list[tuple[int, int, float]] = []
        rows = np.asarray(generation.chunk_doc[ids]).tolist() if len(ids) else []
        for chunk, score, row in zip(ids.tolist(), scores.tolist(), rows, strict=True):
            if row in seen:
                continue
            seen.add(row)
            out.append((row, chunk, score))
            if len(out) == k:
                break
        return generation, out

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
                snippet=trim_snippet(generation.passage(chunk), query),
                score=round(score, 6),
                source="local",
            )
            for row, chunk, score in found
        ]

    def stats(self) -> IndexStats:
        generation = self._live()
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

    # -- writing -----------------------------------------------------------------------------------

    def add_paths(self, paths: Iterable[str | Path], progress: bool | AddProgress = False) -> int:
        """Index files and folders (see ``loaders``); returns the number of chunks of those documents."""
        paths = list(paths)
        documents = load_documents(paths)
        if progress is True:
            with RichProgress("indexing") as bar:
                return self.add_documents(documents, progress=bar)
        return self.add_documents(documents, progress=progress or None)

    def add_documents(self, docs: Iterable[Document], progress: AddProgress | None = None) -> int:
        """Index or replace documents (by id, and every document of a re-added source file).

        Unchanged documents are carried over without re-embedding. The new generation is published only
        when everything was read, embedded and indexed; any exception (a bad file, Ctrl-C) leaves the
        index exactly as it was. Returns the number of chunks of the given documents.
        """
        sink = progress or NoProgress()
        started = time.perf_counter()
        with writer_lock(self.path):
            collect_garbage(self.path)
            old = self._live()
            self._check_model(old)
            writer = GenerationWriter(self.path, stemmed=stemming_available())
            try:
                report = self._write_incoming(docs, old, writer, sink)
                sink.phase("building BM25")
                meta = {"name": self.name, "embed_model": self._embedder.id, "embed_spec": self._embed_spec}
                if meta["embed_spec"] is None and old is not None:
                    meta["embed_spec"] = old.meta.get("embed_spec")
                writer.commit(meta)
            except BaseException:
                writer.abort()
                raise
            collect_garbage(self.path)
        report.documents, report.chunks = len(writer.docs), writer.num_chunks
        report.seconds = time.perf_counter() - started
        self.last_report = report
        sink.phase("done")
        return report.incoming_chunks

    def _write_incoming(
        self, docs: Iterable[Document], old: Generation | None, writer: GenerationWriter, sink: AddProgress
    ) -> AddReport:
        report = AddReport()
        old_rows = {doc_id: row for row, doc_id in enumerate(old.docs.ids)} if old is not None else {}
        incoming: set[str] = set()
        sources: set[str] = set()
        unchanged_rows: list[int] = []
        model = self._embedder.model
        # The static model embeds a batch (its Rust tokenizer releases the GIL) while this thread
        # tokenizes the same batch for BM25: on two cores that overlaps the two biggest costs.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed") as pool:
            for batch in self._batches(docs, incoming, sources, report):
                texts: list[str] = []
                fresh: list[tuple[Document, str, list[str]]] = []
                counted_chunks = 0
                for doc in batch:
                    fp = fingerprint(doc)
                    row = old_rows.get(doc.id)
                    if old is not None and row is not None and old.docs.fingerprints[row] == fp:
                        unchanged_rows.append(row)
                        report.unchanged += 1
                        counted_chunks += old.docs.chunk_counts[row]
                        continue
                    chunks = chunk_document(doc)
                    if row is not None:
                        report.updated += 1
                    else:
                        report.added += 1
                    fresh.append((doc, fp, [c.text for c in chunks]))
                    texts.extend(c.indexed_text for c in chunks)
                pending = pool.submit(self._embed_locked, model, texts) if texts else None
                writer.tokenize(texts)
                vectors = pending.result() if pending is not None else np.zeros((0, 0), dtype=np.float32)
                start = 0
                for doc, fp, passages in fresh:
                    end = start + len(passages)
                    writer.add_document(doc.id, doc.title, doc.url, doc.source_path, fp, passages, vectors[start:end])
                    start = end
                report.chunks_embedded += len(texts)
                report.incoming_chunks += len(texts) + counted_chunks
                sink.advance(len(batch), len(texts) + counted_chunks)
        if old is not None:
            kept = [
                row
                for row, doc_id in enumerate(old.docs.ids)
                if doc_id not in incoming and (old.docs.sources[row] is None or old.docs.sources[row] not in sources)
            ]
            report.dropped = len(old.docs) - len(kept) - report.updated - report.unchanged
            writer.copy_documents(old, sorted(kept + unchanged_rows))
        return report

    def _embed_locked(self, model: Embedder, texts: list[str]) -> np.ndarray:
        with self._embed_lock:
            return embed_texts(model, texts)

    @staticmethod
    def _batches(
        docs: Iterable[Document], incoming: set[str], sources: set[str], report: AddReport
    ) -> Iterator[list[Document]]:
        """Documents in batches of about EMBED_BATCH chunks; repeated ids after the first are skipped."""
        batch: list[Document] = []
        budget = 0
        for doc in docs:
            if doc.id in incoming:
                report.duplicates += 1
                continue
            incoming.add(doc.id)
            if doc.source_path is not None:
                sources.add(doc.source_path)
            batch.append(doc)
            budget += 1 + len(doc.text) // 1000  # about one chunk per thousand characters
            if budget >= EMBED_BATCH:
                yield batch
                batch, budget = [], 0
        if batch:
            yield batch

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id (atomically, like an add); returns how many were removed."""
        wanted = set(doc_ids)
        with writer_lock(self.path):
            old = self._live()
            if old is None:
                return 0
            kept = [row for row, doc_id in enumerate(old.docs.ids) if doc_id not in wanted]
            removed = len(old.docs) - len(kept)
            if removed == 0:
                return 0
            writer = GenerationWriter(self.path, stemmed=bool(old.meta.get("stemmed")))
            try:
                writer.copy_documents(old, kept)
                meta = {"name": self.name, "embed_model": old.embed_model, "embed_spec": old.meta.get("embed_spec")}
                writer.commit(meta)
            except BaseException:
                writer.abort()
                raise
            collect_garbage(self.path)
        return removed
