"""The vector leg: unit-length float32 rows, memory-mapped, searched exactly by dot product in blocks."""

from __future__ import annotations

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


def embed_texts(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Unit-length float32 embeddings of ``texts``, one row each."""
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return normalize_rows(embedder.encode(texts))


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
