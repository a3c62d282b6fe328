"""Search benchmarks: retrieval quality on BEIR data, and query latency at a given number of chunks.

Both build a throwaway index, time the build, and time queries one at a time (as the agent issues them)
for each retrieval mode: BM25 alone, vectors alone, and hybrid. They return plain dicts that the CLI
prints as JSON.
"""

from __future__ import annotations

import itertools
import random
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from eval.beir import Qrels, judged_queries, ndcg_at_k, recall_at_k
from mcp_servers.errors import JanagentError
from mcp_servers.home import cache_dir
from mcp_servers.index.chunking import chunk_document
from mcp_servers.index.embedder import embedder_id
from mcp_servers.index.fusion import DEFAULT_FUSION, MODES, FusionConfig, Mode
from mcp_servers.index.loaders import load_documents
from mcp_servers.index.local_index import LocalIndex
from mcp_servers.index.vectors import Embedder, encode
from mcp_servers.types import Document, SearchIndex

# Fusion settings tried by ``--sweep`` on the same built index (cheap: only queries are re-run).
SWEEP: tuple[FusionConfig, ...] = (
    FusionConfig(pool="union", combiner="rrf", bm25_weight=1.0, vector_weight=1.0, depth=100),
    FusionConfig(pool="union", combiner="rrf", bm25_weight=1.0, vector_weight=0.5, depth=100),
    FusionConfig(pool="union", combiner="rrf", bm25_weight=0.5, vector_weight=1.0, depth=100),
    FusionConfig(pool="bm25", combiner="rrf", bm25_weight=1.0, vector_weight=1.0, depth=100),
    FusionConfig(pool="bm25", combiner="rrf", bm25_weight=1.0, vector_weight=0.5, depth=100),
    *(
        FusionConfig(pool=pool, combiner="convex", bm25_weight=1 - w, vector_weight=w, depth=depth)
        for pool in ("bm25", "union")
        for w in (0.3, 0.5, 0.6, 0.7, 0.8)
        for depth in (20, 50, 100)
    ),
)


def percentile_ms(seconds: Sequence[float], q: float) -> float:
    return round(float(np.percentile(np.asarray(seconds) * 1000.0, q)), 3) if seconds else 0.0


def _timed_build(index: SearchIndex, docs: Iterable[Document]) -> dict[str, float]:
    counted = _Counter(docs)
    started = time.perf_counter()
    chunks = index.add_documents(counted)
    seconds = time.perf_counter() - started
    return {
        "documents": counted.n,
        "chunks": chunks,
        "build_seconds": round(seconds, 2),
        "build_docs_per_s": round(counted.n / seconds, 1),
        "build_chunks_per_s": round(chunks / seconds, 1),
    }


class _Counter:
    """Passes documents through and counts them."""

    def __init__(self, docs: Iterable[Document]) -> None:
        self._docs = docs
        self.n = 0

    def __iter__(self) -> Iterator[Document]:
        for doc in self._docs:
            self.n += 1
            yield doc


def _evaluate(search: Callable[[str, int], list[str]], queries: dict[str, str], qrels: Qrels) -> dict[str, float]:
    """nDCG@10 from a timed top-10 search per query (as the agent asks), recall@100 from an untimed top-100."""
    for text in queries.values():
        search(text, 10)  # warm-up pass: lazy loads and first page faults are not query latency
    latencies: list[float] = []
    ndcg = recall = 0.0
    for qid, text in queries.items():
        started = time.perf_counter()
        top10 = search(text, 10)
        latencies.append(time.perf_counter() - started)
        ndcg += ndcg_at_k(top10, qrels[qid], 10)
        recall += recall_at_k(search(text, 100), qrels[qid], 100)
    n = max(len(queries), 1)
    return {
        "ndcg@10": round(ndcg / n, 4),
        "recall@100": round(recall / n, 4),
        "query_p50_ms": percentile_ms(latencies, 50),
        "query_p95_ms": percentile_ms(latencies, 95),
    }


def _local_searcher(index: LocalIndex, mode: Mode, fusion: FusionConfig | None) -> Callable[[str, int], list[str]]:
    def search(query: str, k: int) -> list[str]:
        return [hit.doc_id or "" for hit in index.search(query, k, mode=mode, fusion=fusion)]

    return search


def run_beir(
    corpus: Iterable[Document],
    queries: dict[str, str],
    qrels: Qrels,
    *,
    embedder: Embedder,
    backend: str = "local",
    qdrant_url: str = "qdrant+memory:///janagent-bench",
    fusion: FusionConfig = DEFAULT_FUSION,
    sweep: bool = False,
) -> dict[str, Any]:
    """Build an index of ``corpus``, run the judged queries in every mode, return the metrics as a dict."""
    judged = judged_queries(queries, qrels)
    if not judged:
        raise JanagentError("no query has a relevant judgment in the qrels - check that the files belong together")
    result: dict[str, Any] = {
        "backend": backend,
        "embed_model": embedder_id(embedder),
        "queries": len(judged),
        "queries_skipped_unjudged": len(queries) - len(judged),
    }
    with tempfile.TemporaryDirectory(prefix="bench-", dir=cache_dir()) as tmp:
        if backend == "qdrant":
            from mcp_servers.index.registry import open_index

            index = open_index(qdrant_url, embedder=embedder)
            result.update(_timed_build(index, corpus))

            def hybrid(query: str, k: int) -> list[str]:
                return [hit.doc_id or "" for hit in index.search(query, k)]

            result["hybrid"] = _evaluate(hybrid, judged, qrels)
            result["note"] = "the Qdrant backend fuses on the server; only hybrid is measured"
            return result
        if backend != "local":
            raise JanagentError(f"unknown index backend {backend!r}: use local or qdrant")
        local = LocalIndex("bench", Path(tmp) / "bench", embedder, fusion=fusion)
        result.update(_timed_build(local, corpus))
        result["fusion"] = asdict(fusion)
        for mode in MODES:
            result[mode] = _evaluate(_local_searcher(local, mode, fusion), judged, qrels)
        if sweep:
            result["sweep"] = []
            for config in SWEEP:
                scores = _evaluate(_local_searcher(local, "hybrid", config), judged, qrels)
                result["sweep"].append({**asdict(config), **scores})
    return result


class RepeatCachingEmbedder:
    """Embeds each distinct text once: the scale benchmark repeats a corpus to reach its chunk count."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id = embedder_id(inner)
        self._cache: dict[str, np.ndarray] = {}
        self.caching = True

    def encode(self, sentences: list[str], **kwargs: Any) -> np.ndarray:
        if not self.caching:
            return self.inner.encode(sentences, **kwargs) if kwargs else encode(self.inner, sentences)
        missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if missing:
            # The index's fast path for plain StaticModels gives the same vectors as model.encode.
            vectors = self.inner.encode(missing, **kwargs) if kwargs else encode(self.inner, missing)
            for text, row in zip(missing, np.asarray(vectors), strict=True):
                self._cache[text] = row.astype(np.float32)
        return np.stack([self._cache[s] for s in sentences])

    def forget(self) -> None:
        """Drop the cache and encode every later text afresh (queries must be timed with their encoding)."""
        self._cache.clear()
        self.caching = False


def repeated_documents(source: Iterable[str | Path], chunks: int) -> Iterator[Document]:
    """Documents from ``source`` (repeated with new ids if needed) until they make ``chunks`` chunks."""
    made = 0
    for round_no in itertools.count():
        produced_any = False
        for doc in load_documents(source):
            if not doc.text.strip():
                continue
            n = len(chunk_document(doc))
            produced_any = True
            suffix = f"#r{round_no}" if round_no else ""
            yield doc.model_copy(update={"id": doc.id + suffix, "source_path": None})
            made += n
            if made >= chunks:
                return
        if not produced_any:
            raise JanagentError("the scale corpus has no text")


def sample_queries(index: LocalIndex, n: int, seed: int = 0) -> list[str]:
    """Keyword-style queries: three to seven consecutive words from random passages of the index."""
    generation = index.generation()
    if generation is None or generation.num_chunks == 0:
        return []
    rng = random.Random(seed)
    out: list[str] = []
    for _ in range(n * 20):  # bounded: a corpus of one-word passages gives fewer queries, never a hang
        words = generation.passage(rng.randrange(generation.num_chunks)).split()
        if len(words) >= 3:
            length = rng.randint(3, min(7, len(words)))
            start = rng.randrange(len(words) - length + 1)
            out.append(" ".join(words[start : start + length]))
            if len(out) == n:
                break
    return out


def run_scale(
    source: Sequence[str | Path],
    chunks: int,
    *,
    embedder: Embedder,
    queries: int = 200,
    fusion: FusionConfig = DEFAULT_FUSION,
) -> dict[str, Any]:
    """Build an index of ``chunks`` chunks from ``source`` and time queries in each mode at that size.

    A corpus smaller than ``chunks`` is repeated; repeated passages are embedded once (the build rate
    reported is for the whole build including that shortcut, and for the first pass alone).
    """
    caching = RepeatCachingEmbedder(embedder)
    result: dict[str, Any] = {"target_chunks": chunks, "embed_model": caching.model_id}
    with tempfile.TemporaryDirectory(prefix="scale-", dir=cache_dir()) as tmp:
        index = LocalIndex("scale", Path(tmp) / "scale", caching, fusion=fusion)
        result.update(_timed_build(index, repeated_documents(source, chunks)))
        report = index.last_report
        if report is not None:
            result["chunks_embedded_distinct"] = len(caching._cache)
        # From here on every text is encoded afresh: the warm-up pass must not cache the query vectors,
        # or the timed pass would never encode a query.
        caching.forget()
        result["fusion"] = asdict(fusion)
        texts = sample_queries(index, queries)
        if not texts:
            raise JanagentError("the scale corpus has no passage of three words or more to make queries from")
        for mode in MODES:
            latencies: list[float] = []
            for text in texts:
                index.search(text, 10, mode=mode)  # warm-up pass, as in the BEIR run
            for text in texts:
                started = time.perf_counter()
                index.search(text, 10, mode=mode)
                latencies.append(time.perf_counter() - started)
            result[mode] = {"query_p50_ms": percentile_ms(latencies, 50), "query_p95_ms": percentile_ms(latencies, 95)}
    return result
