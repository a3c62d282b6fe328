"""The vector leg: unit-length float32 rows, memory-mapped, searched exactly by dot product in blocks."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any, Protocol

import numpy as np


# einsum instead of ``matrix @ query``: OpenBLAS runs a matrix-vector product on all its threads, which on a
# busy machine made a 5,000-row product take 40 ms instead of 0.1 ms; einsum's single-threaded SIMD loop
# is as fast as BLAS here (the product is memory-bound) and never waits on other threads.
def _dot(rows: np.ndarray, query: np.ndarray) -> np.ndarray:
    return np.einsum("ij,j->i", rows, query)


# Rows per block: the block's scores stay in cache-friendly sizes and the top-k of each block is kept,
# so a million-row scan never allocates more than one block of scores.
BLOCK_ROWS = 131_072


class Embedder(Protocol):
    """What the index needs from a Model2Vec ``StaticModel`` (or a test double)."""

    def encode(self, sentences: list[str], **kwargs: Any) -> np.ndarray: ...


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length as float32 (all-zero rows, e.g. texts of unknown words, stay zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(vectors / norms, dtype=np.float32)


# Rows gathered at once in the static-model fast path: 128 x 512 tokens x 256 dims x 4 bytes = 64 MiB at most.
GATHER_ROWS = 128

# float32 copies of float16 embedding tables, keyed by the table's id (the table is kept alive with it).
_FLOAT32_TABLES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _float32_table(embedding: np.ndarray) -> np.ndarray:
    if embedding.dtype == np.float32:
        return embedding
    cached = _FLOAT32_TABLES.get(id(embedding))
    if cached is None or cached[0] is not embedding:
        cached = _FLOAT32_TABLES[id(embedding)] = (embedding, embedding.astype(np.float32))
    return cached[1]


def _static_encode(model: Any, texts: list[str]) -> np.ndarray | None:
    """``model.encode(texts)`` for a plain Model2Vec ``StaticModel``, bit for bit, or None.

    model2vec averages each text's token rows with ``mean`` over float16 rows, which converts every
    gathered half-float on the way and took most of the time that tokenizing takes. The same means
    over a float32 copy of the table give the same float32 sums (``mean`` sums float16 in float32),
    so after the same casts and normalisation the vectors are identical, in well under half the time.
    Models with token weights or a token mapping, int8 tables, and test doubles return None and go
    through ``encode``.
    """
    required = ("tokenize", "embedding", "max_length", "median_token_length", "normalize", "dim")
    if not all(hasattr(model, name) for name in required) or not hasattr(model, "_set_max_length_in_tokenizer"):
        return None
    if getattr(model, "token_mapping", None) is not None or getattr(model, "weights", None) is not None:
        return None
    embedding = model.embedding
    if not isinstance(embedding, np.ndarray) or embedding.ndim != 2 or embedding.dtype not in (np.float16, np.float32):
        return None
    table = _float32_table(embedding)
    max_length = model.max_length
    if max_length is not None:
        cut = max_length * model.median_token_length
        texts = [text[:cut] for text in texts]
    model._set_max_length_in_tokenizer(max_length)
    try:
        ids = model.tokenize(texts)
    finally:
        model._set_max_length_in_tokenizer(model.max_length)
    out = np.zeros((len(ids), model.dim), dtype=embedding.dtype)
    buckets: dict[int, list[int]] = defaultdict(list)
    for i, token_ids in enumerate(ids):
        if token_ids:
            buckets[len(token_ids)].append(i)
    for rows in buckets.values():
        # A block of rows at a time: the gathered (rows, tokens, dim) float32 array of a whole batch of
        # 512-token chunks is gigabytes (4,096 x 512 x 256 x 4 bytes = 2 GiB); each row's mean is the same.
        for start in range(0, len(rows), GATHER_ROWS):
            block = rows[start : start + GATHER_ROWS]
            out[block] = table[np.array([ids[i] for i in block], dtype=np.int64)].mean(axis=1)
    if model.normalize:
        out32 = out.astype(np.float32)
        norm = np.linalg.norm(out32, axis=1, keepdims=True) + 1e-32
        out = (out32 / norm).astype(out.dtype)
    return out


# A Hugging Face ``tokenizers`` object fails with "Already borrowed" when two threads encode at once. Every
# encode in mcp_servers (index builds and queries, the search server's worker threads, fetch's passage
# ranking) goes through ``encode`` below, so this one lock is the only guard that is needed. Reentrant,
# because a wrapping embedder (a cache, a counter) may call ``encode`` on the model it wraps.
_ENCODE_LOCK = threading.RLock()


def encode(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """``embedder.encode(texts)``, the same result, through the faster path for a plain ``StaticModel``.

    Thread-safe: calls are serialised (see ``_ENCODE_LOCK``).
    """
    with _ENCODE_LOCK:
        fast = _static_encode(embedder, texts)
        return embedder.encode(texts) if fast is None else fast


def embed_texts(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts``, one row each."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return normalize_rows(encode(embedder, texts))


def top_k_dot(
    matrix: np.ndarray, query: np.ndarray, k: int, block_rows: int = BLOCK_ROWS
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` rows of ``matrix`` by dot product with ``query``, best first: (row indices, scores)."""
    n = matrix.shape[0]
    if n == 0 or k <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
    best_ids: list[np.ndarray] = []
    best_scores: list[np.ndarray] = []
    for start in range(0, n, block_rows):
        scores = _dot(matrix[start : start + block_rows], query)
        keep = np.argpartition(-scores, k - 1)[:k] if len(scores) > k else np.arange(len(scores))
        best_ids.append(keep.astype(np.int64) + start)
        best_scores.append(scores[keep].astype(np.float32))
    ids = np.concatenate(best_ids)
    scores = np.concatenate(best_scores)
    if len(ids) > k:
        keep = np.argpartition(-scores, k - 1)[:k]
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]


def dot_rows(matrix: np.ndarray, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Dot products of ``query`` with the given rows only (how vectors re-rank BM25's candidates)."""
    if len(rows) == 0:
        return np.empty(0, dtype=np.float32)
    # Sorted access reads the memory map front to back; scores are put back in the caller's order.
    order = np.argsort(rows)
    scores = np.empty(len(rows), dtype=np.float32)
    scores[order] = _dot(matrix[rows[order]], query)
    return scores
