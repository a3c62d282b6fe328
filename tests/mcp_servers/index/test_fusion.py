from __future__ import annotations

import numpy as np
import pytest

from mcp_servers.index.fusion import (
    DEFAULT_FUSION,
    FusionConfig,
    convex,
    fuse_bm25_pool,
    hybrid_rank,
    legs_agree,
    lookup_scores,
    minmax,
    one_per_document,
    rank_order,
    rrf,
    zscore,
)


def test_rrf_adds_weight_over_k_plus_rank_for_each_list() -> None:
    ids, scores = rrf([(np.array([7, 3]), 1.0), (np.array([3, 9]), 0.5)], rrf_k=60)
    got = dict(zip(ids.tolist(), scores.tolist(), strict=True))
    assert got[7] == pytest.approx(1 / 61)
    assert got[3] == pytest.approx(1 / 62 + 0.5 / 61)
    assert got[9] == pytest.approx(0.5 / 62)


def test_minmax_maps_the_pool_onto_zero_to_one_and_a_flat_pool_onto_one() -> None:
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([5.0, 5.0])).tolist() == [1.0, 1.0]


def test_convex_fusion_lets_a_strong_vector_score_overturn_a_small_bm25_lead() -> None:
    bm25 = np.array([10.0, 9.5, 1.0])
    cosine = np.array([0.1, 0.9, 0.2])
    fused = convex(bm25, cosine, bm25_weight=0.4, vector_weight=0.6)
    assert int(np.argmax(fused)) == 1
    only_bm25 = convex(bm25, cosine, bm25_weight=1.0, vector_weight=0.0)
    assert int(np.argmax(only_bm25)) == 0


def test_ranking_ties_go_to_the_smaller_id() -> None:
    ids, scores = rank_order(np.array([5, 2, 9]), np.array([1.0, 1.0, 2.0]))
    assert ids.tolist() == [9, 2, 5]
    assert scores.tolist() == [2.0, 1.0, 1.0]


def test_overrides_change_only_the_given_fields() -> None:
    config = DEFAULT_FUSION.with_overrides(depth=7, pool=None)
    assert config.depth == 7
    assert config.pool == DEFAULT_FUSION.pool


def test_one_per_document_keeps_each_documents_best_ranked_passage() -> None:
    assert one_per_document(["a", "b", "a", "c", "b", "d"], k=3) == [0, 1, 3]
    assert one_per_document([5, 5, 5], k=10) == [0]
    assert one_per_document([], k=2) == []


def test_lookup_scores_reads_known_ids_and_gives_zero_to_the_rest() -> None:
    got = lookup_scores(np.array([2, 5, 9]), np.array([1.0, 2.0, 3.0]), np.array([9, 3, 2, 11]))
    assert got.tolist() == [3.0, 0.0, 1.0, 0.0]


class _Leg:
    def __init__(self, ids: list[int], scores: list[float]) -> None:
        self.ids, self.scores = np.array(ids), np.array(scores, dtype=np.float32)

    def candidate_scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        return self.ids, self.scores


def test_the_gates_keep_bm25s_ranking_when_it_is_confident_or_the_legs_disagree() -> None:
    vectors = np.eye(4, dtype=np.float32)
    query = np.array([0.0, 0.0, 0.0, 1.0], dtype=np.float32)  # the vectors like chunk 3 only
    leg = _Leg([0, 1, 2, 3], [10.0, 4.0, 3.9, 3.8])
    mixed = hybrid_rank(leg, vectors, "q", query, 4, FusionConfig(bm25_weight=0.3, vector_weight=0.7))[0]
    assert mixed.tolist()[0] == 3
    by_margin = hybrid_rank(leg, vectors, "q", query, 4, FusionConfig(bm25_weight=0.3, vector_weight=0.7, margin=0.5))
    assert by_margin[0].tolist() == [0, 1, 2, 3]
    assert legs_agree(np.array([0, 1, 2, 3]), np.array([3, 9, 8, 7]), gate=0.5) is False
    assert legs_agree(np.array([0, 1]), np.array([1, 0]), gate=0.5) is True


def test_the_default_is_bm25_dominant_and_is_what_a_hybrid_query_uses() -> None:
    assert (DEFAULT_FUSION.pool, DEFAULT_FUSION.combiner, DEFAULT_FUSION.depth) == ("bm25", "convex", 50)
    assert (DEFAULT_FUSION.bm25_weight, DEFAULT_FUSION.vector_weight) == (0.92, 0.08)
    vectors = np.eye(4, dtype=np.float32)
    query = np.array([0.0, 0.0, 1.0, 0.0], dtype=np.float32)
    # Chunks 1 and 2 tie in BM25: the vectors break the tie; they cannot overturn chunk 0's clear lead.
    leg = _Leg([0, 1, 2, 3], [10.0, 5.0, 5.0, 1.0])
    ids, _ = hybrid_rank(leg, vectors, "q", query, 4, DEFAULT_FUSION)
    assert ids.tolist() == [0, 2, 1, 3]
    same = fuse_bm25_pool(
        np.array([0, 1, 2, 3]), np.array([10.0, 5.0, 5.0, 1.0]), np.array([0.0, 0, 1, 0]), DEFAULT_FUSION
    )
    assert same[0].tolist() == ids.tolist()


def test_zscore_standardises_the_pool() -> None:
    assert zscore(np.array([1.0, 3.0])).tolist() == [-1.0, 1.0]
    assert zscore(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]


def test_rerank_reorders_only_bm25s_head() -> None:
    ids = np.array([0, 1, 2, 3])
    config = FusionConfig(bm25_weight=0.0, vector_weight=1.0, rerank=2)
    got, scores = fuse_bm25_pool(ids, np.array([4.0, 3.0, 2.0, 1.0]), np.array([0.0, 0.5, 0.9, 1.0]), config)
    assert got.tolist() == [1, 0, 2, 3]  # chunks 2 and 3 like the vectors best but stay below the head
    assert list(scores) == sorted(scores, reverse=True)
