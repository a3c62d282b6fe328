"""How the BM25 and vector legs are combined into one ranking.

Two choices, both configurable:

- the candidate pool: ``bm25`` (vectors re-rank BM25's top ``depth``; needs no full vector scan, so it
  stays fast at a million chunks) or ``union`` (BM25's and the vectors' top ``depth`` together);
- the combiner: ``rrf`` (weighted reciprocal rank fusion) or ``convex`` (a weighted sum of each leg's
  scores min-max normalised over the pool).

The default (``DEFAULT_FUSION``) is chosen by its WORST case, not the mean: ``janagent bench search --suite dev
--split tune --limit 100000 --tune`` sweeps ``eval.fusion_sweep.sweep_grid`` (400 settings: min-max and
z-score mixes with vector weights 0.02-0.5, RRF with k 5-60, depths 10-100, re-ranking only BM25's top 3-20,
the margin gate) on the tune half of the six dev sets, and ``eval.fusion_sweep.choose`` takes the best mean
gain among the settings within 0.001 (the noise of a few hundred queries) of the best worst case. Re-ranking
BM25's top 50 by a min-max mix weighted 0.92 BM25 / 0.08 vectors won (worst gain -0.0008, on the known-item
set BM25 all but solves; mean +0.0015). The 0.98 / 0.02 before it only broke ties in BM25 (worst -0.0003,
mean +0.0002) and lost 0.009 to the vectors on dbpedia's report queries. The pool needs no full vector scan,
so a query stays fast at a million chunks.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

import numpy as np

from mcp_servers.index.bm25 import top_k
from mcp_servers.index.vectors import dot_rows, top_k_dot

Pool = Literal["bm25", "union"]
Combiner = Literal["rrf", "convex", "zscore"]
Mode = Literal["hybrid", "bm25", "vector"]
MODES: tuple[Mode, ...] = ("hybrid", "bm25", "vector")


@dataclass(frozen=True)
class FusionConfig:
    """The knobs of hybrid retrieval; every field can be overridden per index or per query."""

    pool: Pool = "bm25"
    combiner: Combiner = "convex"
    depth: int = 50
    bm25_weight: float = 0.92
    vector_weight: float = 0.08
    rrf_k: int = 60
    # The confidence gate: when fewer than this share of BM25's top GATE_K are also in the vectors' top
    # GATE_K, the legs disagree and the query gets BM25's ranking alone (0 turns the gate off).
    gate: float = 0.0
    # The margin gate: when BM25's best chunk leads its second by at least this share of its score, BM25 is
    # confident (a rare word, a quoted phrase) and its ranking is kept (0 turns the gate off).
    margin: float = 0.0
    # Re-rank only BM25's top ``rerank`` (0: the whole pool); the rest keep BM25's order below them.
    rerank: int = 0

    def with_overrides(self, **changes: object) -> FusionConfig:
        """A copy with the given (non-None) fields changed."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


DEFAULT_FUSION = FusionConfig()
GATE_K = 10


def legs_agree(bm25_ids: np.ndarray, vector_ids: np.ndarray, gate: float, k: int = GATE_K) -> bool:
    """Whether at least ``gate`` of BM25's top ``k`` are among the vectors' top ``k`` (always, gate 0)."""
    if gate <= 0:
        return True
    top = bm25_ids[:k]
    if len(top) == 0:
        return True
    return len(np.intersect1d(top, vector_ids[:k])) >= gate * len(top)


def rrf(rankings: list[tuple[np.ndarray, float]], rrf_k: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Weighted reciprocal rank fusion: each list adds ``weight / (rrf_k + rank)`` (rank from 1) to its ids."""
    parts = [(ids, weight / (rrf_k + np.arange(1, len(ids) + 1, dtype=np.float64))) for ids, weight in rankings]
    if not parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    all_ids = np.concatenate([ids for ids, _ in parts]).astype(np.int64)
    all_scores = np.concatenate([scores for _, scores in parts])
    unique, inverse = np.unique(all_ids, return_inverse=True)
    return unique, np.bincount(inverse, weights=all_scores, minlength=len(unique))


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scores mapped onto [0, 1] over the pool (all equal: all 1, so a single candidate keeps its weight)."""
    scores = np.asarray(scores, dtype=np.float64)
    if len(scores) == 0:
        return scores
    low, high = float(scores.min()), float(scores.max())
    if high - low <= 1e-12:
        return np.ones_like(scores)
    return (scores - low) / (high - low)


def convex(bm25_scores: np.ndarray, vector_scores: np.ndarray, bm25_weight: float, vector_weight: float) -> np.ndarray:
    """Weighted sum of the two legs' scores for the same pool, each min-max normalised over the pool."""
    return bm25_weight * minmax(bm25_scores) + vector_weight * minmax(vector_scores)


def zscore(scores: np.ndarray) -> np.ndarray:
    """Scores standardised over the pool (mean 0, deviation 1; a flat pool: all 0)."""
    scores = np.asarray(scores, dtype=np.float64)
    if len(scores) == 0:
        return scores
    spread = float(scores.std())
    if spread <= 1e-12:
        return np.zeros_like(scores)
    return (scores - scores.mean()) / spread


def rank_order(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ids, scores) best first; ties go to the smaller id so that results are deterministic."""
    order = np.lexsort((ids, -np.asarray(scores, dtype=np.float64)))
    return ids[order], np.asarray(scores, dtype=np.float64)[order]


def lookup_scores(sorted_ids: np.ndarray, scores: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The scores of ``wanted`` ids in (sorted_ids, scores); 0 for ids that are not there."""
    out = np.zeros(len(wanted), dtype=np.float64)
    if len(sorted_ids) == 0:
        return out
    where = np.minimum(np.searchsorted(sorted_ids, wanted), len(sorted_ids) - 1)
    found = sorted_ids[where] == wanted
    out[found] = scores[where[found]]
    return out


class LexicalLeg(Protocol):
    """What fusion needs from the BM25 leg: every chunk holding a query term, with its score."""

    def candidate_scores(self, query: str) -> tuple[np.ndarray, np.ndarray]: ...


def hybrid_rank(
    bm25: LexicalLeg, vectors: np.ndarray, query: str, query_vector: np.ndarray, depth: int, config: FusionConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Chunk ids and fused scores, best first, for one query (see the module docstring for the choices)."""
    all_ids, all_scores = bm25.candidate_scores(query)
    bm_ids, bm_scores = top_k(all_ids, all_scores, depth)
    confident = len(bm_scores) >= 2 and bm_scores[0] - bm_scores[1] >= config.margin * bm_scores[0] > 0
    if config.margin > 0 and confident:
        return bm_ids, bm_scores.astype(np.float64)
    if config.pool == "bm25" and len(bm_ids):
        return fuse_bm25_pool(bm_ids, bm_scores, dot_rows(vectors, query_vector, bm_ids), config)
    # The union pool (also the fallback when no query term is in the BM25 vocabulary).
    vec_ids, _ = top_k_dot(vectors, query_vector, depth)
    if len(bm_ids) and not legs_agree(bm_ids, vec_ids, config.gate):
        return bm_ids, bm_scores.astype(np.float64)
    if config.combiner == "rrf":
        return rank_order(*rrf([(bm_ids, config.bm25_weight), (vec_ids, config.vector_weight)], config.rrf_k))
    pool = np.union1d(bm_ids, vec_ids)
    pool_bm25 = lookup_scores(all_ids, all_scores, pool)
    pool_vec = dot_rows(vectors, query_vector, pool)
    return rank_order(pool, convex(pool_bm25, pool_vec, config.bm25_weight, config.vector_weight))


def fuse_bm25_pool(
    bm_ids: np.ndarray, bm_scores: np.ndarray, pool_vec: np.ndarray, config: FusionConfig
) -> tuple[np.ndarray, np.ndarray]:
    """BM25's top chunks (best first) re-ranked with their vector scores ``pool_vec``, by ``config``.

    The whole of hybrid search over the ``bm25`` pool once the candidates are scored; the dev-suite sweep
    calls it on cached candidates, so what it tunes is exactly what a query runs.
    """
    bm_scores = np.asarray(bm_scores, dtype=np.float64)
    confident = len(bm_scores) >= 2 and bm_scores[0] - bm_scores[1] >= config.margin * bm_scores[0] > 0
    if config.margin > 0 and confident:
        return bm_ids, bm_scores
    if config.rerank > 0 and len(bm_ids) > config.rerank:
        # Only the head is re-ordered; the tail keeps BM25's order, below every head score.
        head_ids, head_scores = fuse_bm25_pool(
            bm_ids[: config.rerank], bm_scores[: config.rerank], pool_vec[: config.rerank], replace(config, rerank=0)
        )
        tail = np.arange(len(bm_ids) - config.rerank, 0, -1, dtype=np.float64) / (len(bm_ids) + 1)
        return np.concatenate([head_ids, bm_ids[config.rerank :]]), np.concatenate(
            [head_scores - head_scores.min() + 1.0, tail]
        )
    vec_order = bm_ids[np.lexsort((bm_ids, -pool_vec))]
    if not legs_agree(bm_ids, vec_order, config.gate):
        return bm_ids, bm_scores
    if config.combiner == "rrf":
        return rank_order(*rrf([(bm_ids, config.bm25_weight), (vec_order, config.vector_weight)], config.rrf_k))
    if config.combiner == "zscore":
        return rank_order(bm_ids, config.bm25_weight * zscore(bm_scores) + config.vector_weight * zscore(pool_vec))
    return rank_order(bm_ids, convex(bm_scores, pool_vec, config.bm25_weight, config.vector_weight))


def one_per_document(documents: Iterable[Hashable], k: int) -> list[int]:
    """Positions of the first (best-ranked) passage of each document in a ranking, at most ``k`` of them.

    The rule every index applies: a document appears once, with the passage that ranked it highest.
    """
    seen: set[Hashable] = set()
    keep: list[int] = []
    for position, document in enumerate(documents):
        if len(keep) == k:
            break
        if document in seen:
            continue
        seen.add(document)
        keep.append(position)
    return keep
