"""``bench search --suite dev --tune``: fusion settings swept over cached candidates, ranked by their worst case.

Re-running every search per setting took minutes per set. Instead each query is run once: BM25's top
``CANDIDATES`` chunks with their BM25 scores and vector cosines, and the vector leg's own top chunks.
Every setting is then ``fusion.fuse_bm25_pool`` on those arrays (the very function a query runs), cut to
one hit per document as ``LocalIndex.search_documents`` does, and scored; a few hundred settings take
seconds. A setting's worst case is its smallest nDCG@10 gain over the better leg across the sets.

The default is chosen by ``choose``: the best worst case first, but among the settings whose worst case is
within ``NOISE`` of the best one, the best mean gain. Differences of 0.001 nDCG@10 are the noise of a few
hundred queries (a first sweep on 200 tune queries per set and the larger tune half disagreed by more than
that), so ranking by the worst case alone picks among ties by chance: a setting that only breaks ties in BM25
(0.98 / 0.02) won that way, and on dbpedia's report queries, where the vectors are the better leg, it was
0.009 below them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from eval.beir import ndcg_at_k
from eval.dev_suite import DevSet
from mcp_servers.index.bm25 import Bm25Settings
from mcp_servers.index.fusion import DEFAULT_FUSION, FusionConfig, fuse_bm25_pool, one_per_document
from mcp_servers.index.local_index import LocalIndex
from mcp_servers.index.vectors import Embedder, dot_rows, embed_texts, top_k_dot

CANDIDATES = 200
K = 10
NOISE = 0.001


@dataclass
class QueryCandidates:
    """One query's cached legs: BM25's top chunks (best first), their cosines, and the vector leg's top."""

    judgments: dict[str, int]
    bm_ids: np.ndarray
    bm_scores: np.ndarray
    cosines: np.ndarray
    vector_ids: np.ndarray


@dataclass
class SetCandidates:
    name: str
    doc_of_chunk: np.ndarray  # chunk -> document row
    doc_ids: list[str]  # document row -> doc id
    queries: list[QueryCandidates]

    def ndcg(self, ids: np.ndarray, judgments: dict[str, int]) -> float:
        """nDCG@10 of a chunk ranking after the one-hit-per-document cut (as ``search`` returns it)."""
        rows = self.doc_of_chunk[ids].tolist()
        return ndcg_at_k([self.doc_ids[rows[i]] for i in one_per_document(rows, K)], judgments, K)


def collect(index: LocalIndex, devset: DevSet, embedder: Embedder, depth: int = CANDIDATES) -> SetCandidates:
    """Run each query of ``devset`` once against ``index`` and keep what every fusion setting needs."""
    generation = index.rank_chunks("warm up", 1, "bm25")[0]
    if generation is None:
        return SetCandidates(devset.name, np.empty(0, dtype=np.int64), [], [])
    queries: list[QueryCandidates] = []
    for qid, text in devset.queries.items():
        vector = embed_texts(embedder, [text])[0]
        bm_ids, bm_scores = generation.bm25.top(text, depth)
        vector_ids, _ = top_k_dot(generation.vectors, vector, 3 * K)
        cosines = dot_rows(generation.vectors, vector, bm_ids) if len(bm_ids) else np.empty(0)
        queries.append(QueryCandidates(devset.qrels[qid], bm_ids, bm_scores.astype(np.float64), cosines, vector_ids))
    return SetCandidates(devset.name, np.asarray(generation.chunk_doc), list(generation.docs.ids), queries)


def setting_ndcg(cands: SetCandidates, config: FusionConfig) -> float:
    """Mean nDCG@10 of hybrid search with ``config`` (the ``bm25`` pool) over the cached queries."""
    total = 0.0
    depth = max(config.depth, 3 * K)  # as LocalIndex.search_documents asks hybrid_rank for k=10
    for q in cands.queries:
        if len(q.bm_ids) == 0:
            total += cands.ndcg(q.vector_ids, q.judgments)  # no query term known: the vector fallback
            continue
        ids, _ = fuse_bm25_pool(q.bm_ids[:depth], q.bm_scores[:depth], q.cosines[:depth], config)
        total += cands.ndcg(ids, q.judgments)
    return total / max(len(cands.queries), 1)


def leg_ndcg(cands: SetCandidates) -> dict[str, float]:
    """Mean nDCG@10 of BM25 alone and of the vectors alone."""
    n = max(len(cands.queries), 1)
    bm25 = sum(cands.ndcg(q.bm_ids, q.judgments) for q in cands.queries) / n
    vector = sum(cands.ndcg(q.vector_ids, q.judgments) for q in cands.queries) / n
    return {"bm25": bm25, "vector": vector}


def sweep_grid() -> list[FusionConfig]:
    """The settings swept: score normalisations, RRF k, vector weights, pool depth, head re-ranking, the gates."""
    grid: list[FusionConfig] = []
    for depth in (10, 30, 50, 100):
        for w in (0.02, 0.05, 0.08, 0.1, 0.12, 0.15, 0.2, 0.3, 0.5):
            for combiner in ("convex", "zscore"):
                for margin in (0.0, 0.1, 0.2, 0.3):
                    grid.append(
                        FusionConfig(combiner=combiner, depth=depth, bm25_weight=1 - w, vector_weight=w, margin=margin)
                    )
        for w in (0.1, 0.2, 0.3, 0.5, 1.0):
            for k in (5, 10, 30, 60):
                grid.append(FusionConfig(combiner="rrf", depth=depth, bm25_weight=1.0, vector_weight=w, rrf_k=k))
    for rerank in (3, 5, 10, 20):
        for w in (0.1, 0.2, 0.3, 0.5):
            for margin in (0.0, 0.2):
                grid.append(FusionConfig(depth=50, bm25_weight=1 - w, vector_weight=w, rerank=rerank, margin=margin))
    return grid


def sweep(
    sets: Iterable[SetCandidates], grid: Sequence[FusionConfig] | None = None
) -> tuple[dict[str, dict[str, float]], list[dict[str, Any]]]:
    """The legs per set, and every setting with its per-set gains over the better leg, best worst case first."""
    sets = list(sets)
    grid = list(grid if grid is not None else sweep_grid())
    if DEFAULT_FUSION not in grid:
        grid.append(DEFAULT_FUSION)
    legs = {s.name: leg_ndcg(s) for s in sets}
    ranked: list[dict[str, Any]] = []
    for config in grid:
        gains = {s.name: round(setting_ndcg(s, config) - max(legs[s.name].values()), 4) for s in sets}
        ranked.append(
            {
                **asdict(config),
                "default": config == DEFAULT_FUSION,
                "worst_gain": min(gains.values()),
                "mean_gain": round(sum(gains.values()) / max(len(gains), 1), 4),
                "gains": gains,
            }
        )
    ranked.sort(key=lambda r: (-r["worst_gain"], -r["mean_gain"]))
    if ranked:
        chosen = choose(ranked)
        for row in ranked:
            row["chosen"] = row is chosen
    return legs, ranked


def choose(ranked: Sequence[dict[str, Any]], noise: float = NOISE) -> dict[str, Any]:
    """The setting to make the default: the best mean gain among those within ``noise`` of the best worst case."""
    best_worst = max(row["worst_gain"] for row in ranked)
    close = [row for row in ranked if row["worst_gain"] >= best_worst - noise - 1e-12]
    return max(close, key=lambda row: (row["mean_gain"], row["worst_gain"]))


def describe(row: dict[str, Any]) -> str:
    """A setting in one short phrase."""
    if row["combiner"] == "rrf":
        mix = f"rrf k={row['rrf_k']} vec {row['vector_weight']:g}"
    else:
        mix = f"{row['combiner']} {row['bm25_weight']:.2f}/{row['vector_weight']:.2f}"
    extras = [f"depth {row['depth']}"]
    if row["margin"]:
        extras.append(f"margin {row['margin']:g}")
    if row["rerank"]:
        extras.append(f"top {row['rerank']}")
    marks = [word for word, on in (("default", row["default"]), ("chosen", row.get("chosen"))) if on]
    return f"{mix}, {', '.join(extras)}" + (f" ({', '.join(marks)})" if marks else "")


def format_sweep(legs: dict[str, dict[str, float]], ranked: Sequence[dict[str, Any]], top: int = 15) -> str:
    """The best ``top`` settings (and the default wherever it ranks) as a markdown table of gains."""
    names = list(legs)
    lines = [
        "| setting | worst gain | mean gain | " + " | ".join(names) + " |",
        "|---|---:|---:|" + "---:|" * len(names),
        "| (BM25 / vectors) | | | "
        + " | ".join(f"{legs[n]['bm25']:.3f} / {legs[n]['vector']:.3f}" for n in names)
        + " |",
    ]
    shown = [r for i, r in enumerate(ranked) if i < top or r["default"] or r.get("chosen")]
    for row in shown:
        cells = " | ".join(f"{row['gains'][n]:+.4f}" for n in names)
        lines.append(f"| {describe(row)} | {row['worst_gain']:+.4f} | {row['mean_gain']:+.4f} | {cells} |")
    lines.append("")
    lines.append(
        f"nDCG@10 gain of hybrid over the better leg; {len(ranked)} settings, best worst case first. Chosen: the best "
        f"mean gain among the settings within {NOISE:g} of the best worst case."
    )
    return "\n".join(lines)


def collect_all(devsets: Iterable[DevSet], embedder: Embedder, bm25: Bm25Settings | None = None) -> list[SetCandidates]:
    """``collect`` on a throwaway index of each set."""
    from eval.suite_bench import with_index

    out: list[SetCandidates] = []

    def keep(index: LocalIndex, devset: DevSet) -> dict[str, Any]:
        out.append(collect(index, devset, embedder))
        return {}

    for devset in devsets:
        with_index(devset, embedder, bm25, lambda index, d=devset: keep(index, d))  # type: ignore[misc]
    return out
