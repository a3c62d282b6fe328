"""``bench search --suite dev``: BM25, vectors and hybrid on every dev set, and and (``--tune``, in ``fusion_sweep``) the
fusion sweep behind the default.

Each set gets a throwaway index built once; every retrieval mode and fusion setting is then scored on it
(only queries are re-run). A row holds nDCG@10 and recall@100 per mode and hybrid's gain over the better
of its two legs, the figure the default must keep at or above zero on every set.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from eval.beir import ndcg_at_k, recall_at_k
from eval.dev_suite import DevSet
from mcp_servers.errors import JanagentError
from mcp_servers.home import cache_dir
from mcp_servers.index.bm25 import Bm25Settings
from mcp_servers.index.fusion import DEFAULT_FUSION, FusionConfig, Mode
from mcp_servers.index.local_index import LocalIndex
from mcp_servers.index.vectors import Embedder


def score_mode(index: LocalIndex, devset: DevSet, mode: Mode, fusion: FusionConfig | None = None) -> dict[str, float]:
    """Mean nDCG@10 (from a top-10 search, as the agent asks) and recall@100 (from a top-100 search)."""

    def ids(query: str, k: int) -> list[str]:
        return [hit.doc_id or "" for hit in index.search(query, k, mode=mode, fusion=fusion)]

    ndcg = recall = 0.0
    for qid, text in devset.queries.items():
        ndcg += ndcg_at_k(ids(text, 10), devset.qrels[qid], 10)
        recall += recall_at_k(ids(text, 100), devset.qrels[qid], 100)
    n = max(len(devset.queries), 1)
    return {"ndcg@10": round(ndcg / n, 4), "recall@100": round(recall / n, 4)}


def with_index(
    devset: DevSet, embedder: Embedder, bm25: Bm25Settings | None, use: Callable[[LocalIndex], dict[str, Any]]
) -> dict[str, Any]:
    """Build a throwaway index of the set's corpus and return what ``use`` measures on it."""
    with tempfile.TemporaryDirectory(prefix="suite-", dir=cache_dir()) as tmp:
        index = LocalIndex(devset.name, Path(tmp) / "index", embedder, bm25=bm25)
        index.add_documents(devset.corpus)
        return use(index)


def suite_row(
    devset: DevSet, embedder: Embedder, *, fusion: FusionConfig = DEFAULT_FUSION, bm25: Bm25Settings | None = None
) -> dict[str, Any]:
    """One table row: the set's size and each mode's scores, with hybrid's gain over the better leg."""

    def measure(index: LocalIndex) -> dict[str, Any]:
        row: dict[str, Any] = {"set": devset.name, "documents": len(devset.corpus), "queries": len(devset.queries)}
        for mode in ("bm25", "vector", "hybrid"):
            row[mode] = score_mode(index, devset, mode, fusion)
        row["gain"] = {
            metric: round(row["hybrid"][metric] - max(row["bm25"][metric], row["vector"][metric]), 4)
            for metric in ("ndcg@10", "recall@100")
        }
        return row

    return with_index(devset, embedder, bm25, measure)


def run_suite(
    devsets: Iterable[DevSet],
    embedder: Embedder,
    *,
    fusion: FusionConfig = DEFAULT_FUSION,
    bm25: Bm25Settings | None = None,
) -> list[dict[str, Any]]:
    """A row per dev set (see ``suite_row``)."""
    return [suite_row(devset, embedder, fusion=fusion, bm25=bm25) for devset in devsets]


def format_table(rows: Sequence[dict[str, Any]]) -> str:
    """The suite as a markdown table: nDCG@10 (recall@100) per mode, and hybrid's gain."""
    lines = [
        "| set | docs | queries | BM25 | vectors | hybrid | hybrid gain over the better leg |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [f"{row[m]['ndcg@10']:.3f} ({row[m]['recall@100']:.3f})" for m in ("bm25", "vector", "hybrid")]
        gain = row["gain"]
        lines.append(
            f"| {row['set']} | {row['documents']:,} | {row['queries']:,} | {' | '.join(cells)} | "
            f"{gain['ndcg@10']:+.3f} ({gain['recall@100']:+.3f}) |"
        )
    lines.append("")
    lines.append("nDCG@10 (recall@100 in brackets).")
    return "\n".join(lines)


def run_dev_suite(
    suite: str,
    data_dir: Path,
    embedder: Embedder,
    fusion: FusionConfig,
    limit: int,
    split: str,
    tune: bool,
    as_json: bool,
    no_stem: bool = False,
) -> str:
    """What ``bench search --suite`` prints: the table (or JSON), or with ``tune`` the best fusion settings."""
    from eval.dev_suite import dev_sets

    if suite != "dev":
        raise JanagentError(f"unknown suite {suite!r}: use dev")
    if split not in ("tune", "report", "all"):
        raise JanagentError(f"unknown split {split!r}: use report, tune or all")
    sets = dev_sets(data_dir, split=split, limit=limit)  # type: ignore[arg-type]
    bm25 = Bm25Settings(stemmed=False) if no_stem else None
    if tune:
        from eval.fusion_sweep import collect_all, format_sweep, sweep

        legs, ranked = sweep(collect_all(sets, embedder, bm25))
        return json.dumps(ranked[:20], indent=2) if as_json else format_sweep(legs, ranked)
    rows = run_suite(sets, embedder, fusion=fusion, bm25=bm25)
    return json.dumps(rows, indent=2) if as_json else format_table(rows)
