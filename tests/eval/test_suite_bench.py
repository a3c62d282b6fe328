"""The dev-suite benchmark on a tiny set: every mode scored, the gain over the better leg, worst-case tuning."""

from __future__ import annotations

from eval.dev_suite import DevSet
from eval.fusion_sweep import choose, collect_all, format_sweep, setting_ndcg, sweep
from eval.suite_bench import format_table, suite_row
from mcp_servers.index.fusion import DEFAULT_FUSION, FusionConfig
from mcp_servers.types import Document
from tests.fakes import HashingEmbedder

CORPUS = [
    Document(id="seurat", title="Seurat", text="A pointillist painting of an island in the Seine."),
    Document(id="etna", title="Etna", text="An active volcano on the east coast of Sicily."),
    Document(id="heron", title="Heron", text="A wading bird that hunts frogs in the marsh."),
]
SET = DevSet(
    "tiny",
    CORPUS,
    {"q1": "volcano in Sicily", "q2": "pointillist island painting", "q3": "bird hunting frogs"},
    {"q1": {"etna": 1}, "q2": {"seurat": 1}, "q3": {"heron": 1}},
)


def test_a_row_scores_each_mode_and_the_gain_over_the_better_leg() -> None:
    row = suite_row(SET, HashingEmbedder(32))
    assert (row["set"], row["documents"], row["queries"]) == ("tiny", 3, 3)
    assert row["bm25"]["ndcg@10"] == 1.0
    best_leg = max(row["bm25"]["ndcg@10"], row["vector"]["ndcg@10"])
    assert row["gain"]["ndcg@10"] == round(row["hybrid"]["ndcg@10"] - best_leg, 4)
    table = format_table([row])
    assert "| tiny | 3 | 3 | 1.000 (1.000) |" in table


def test_the_sweep_ranks_settings_by_their_worst_gain_and_scores_what_search_returns() -> None:
    embedder = HashingEmbedder(32)
    bm25_only = FusionConfig(bm25_weight=1.0, vector_weight=0.0)
    vector_heavy = FusionConfig(bm25_weight=0.0, vector_weight=1.0)
    cands = collect_all([SET], embedder)
    legs, ranked = sweep(cands, [vector_heavy, bm25_only])
    assert [(r["worst_gain"], r["mean_gain"]) for r in ranked] == sorted(
        [(r["worst_gain"], r["mean_gain"]) for r in ranked], reverse=True
    )
    assert legs["tiny"]["bm25"] == 1.0
    by_weight = {r["vector_weight"]: r for r in ranked}
    assert by_weight[0.0]["worst_gain"] == 0.0  # BM25's own ranking: no gain, no loss
    assert any(r["default"] for r in ranked)  # the default is always scored, for comparison
    # The cached sweep gives the same figure as the full search path for the default.
    row = suite_row(SET, embedder, fusion=DEFAULT_FUSION)
    assert round(setting_ndcg(cands[0], DEFAULT_FUSION), 4) == row["hybrid"]["ndcg@10"]
    assert "(default)" in format_sweep(legs, ranked)


def test_the_chosen_setting_is_the_best_mean_among_those_within_noise_of_the_best_worst_case() -> None:
    def row(name: str, worst: float, mean: float) -> dict[str, object]:
        return {"name": name, "worst_gain": worst, "mean_gain": mean}

    ranked = [row("tie-breaker", -0.0003, 0.0002), row("helps", -0.0009, 0.0015), row("risky", -0.0030, 0.0060)]
    assert choose(ranked, noise=0.001)["name"] == "helps"  # within 0.001 of the best worst case, better mean
    assert choose(ranked, noise=0.0)["name"] == "tie-breaker"  # no tolerance: the worst case alone decides
    assert choose(ranked, noise=0.01)["name"] == "risky"
