from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eval.beir import judged_queries, load_qrels, load_queries, ndcg_at_k, recall_at_k
from eval.search_bench import RepeatCachingEmbedder, run_beir, run_scale
from mcp_servers.errors import JanagentError
from mcp_servers.types import Document
from tests.fakes import HashingEmbedder


def test_ndcg_uses_graded_gains_and_the_ideal_order_of_all_judgments() -> None:
    judgments = {"a": 2, "b": 1, "c": 0, "d": 1}
    ranking = ["c", "b", "a", "x"]
    # DCG = 0/log2(2) + 1/log2(3) + 2/log2(4) + 0 ; IDCG = 2/log2(2) + 1/log2(3) + 1/log2(4)
    dcg = 1 / math.log2(3) + 2 / 2
    idcg = 2 + 1 / math.log2(3) + 1 / 2
    assert ndcg_at_k(ranking, judgments, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["a", "b", "d"], judgments, 10) == pytest.approx(1.0)
    assert ndcg_at_k(["a"], judgments, 1) == pytest.approx(1.0)
    assert ndcg_at_k(["x"], {"x": 0}, 10) == 0.0


def test_recall_counts_only_relevant_documents_within_k() -> None:
    judgments = {"a": 2, "b": 1, "c": 0}
    assert recall_at_k(["c", "a", "z"], judgments, 100) == 0.5
    assert recall_at_k(["z", "a", "b"], judgments, 2) == 0.5


def test_qrels_are_read_with_or_without_the_beir_header(tmp_path: Path) -> None:
    with_header = tmp_path / "dbpedia.tsv"
    with_header.write_text("query-id\tcorpus-id\tscore\nq1\t<dbpedia:X>\t2\nq1\t<dbpedia:Y>\t0\n", encoding="utf-8")
    no_header = tmp_path / "msmarco.tsv"
    no_header.write_text("19335\t1720389\t1\n19335\t1729\t3\n", encoding="utf-8")
    assert load_qrels(with_header) == {"q1": {"<dbpedia:X>": 2, "<dbpedia:Y>": 0}}
    assert load_qrels(no_header) == {"19335": {"1720389": 1, "1729": 3}}


def test_a_malformed_qrels_line_is_an_error_with_its_line_number(tmp_path: Path) -> None:
    path = tmp_path / "qrels.tsv"
    path.write_text("q1\td1\t1\nq1\td2\n", encoding="utf-8")
    with pytest.raises(JanagentError, match=r"qrels.tsv:2"):
        load_qrels(path)


def test_only_queries_with_a_relevant_judgment_are_scored(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps({"_id": q, "text": q}) for q in ("q1", "q2", "q3")), encoding="utf-8")
    queries = load_queries(path)
    assert judged_queries(queries, {"q1": {"d": 1}, "q2": {"d": 0}}) == {"q1": "q1"}


def test_the_beir_run_reports_every_mode_and_the_build_rate() -> None:
    corpus = [
        Document(id="d1", title="Seurat", text="pointillist painting of an island"),
        Document(id="d2", title="Etna", text="a volcano in Sicily"),
    ]
    result = run_beir(corpus, {"q": "volcano Sicily"}, {"q": {"d2": 1}}, embedder=HashingEmbedder(16))
    assert result["documents"] == 2 and result["chunks"] == 2
    assert result["bm25"]["ndcg@10"] == 1.0 and result["bm25"]["recall@100"] == 1.0
    assert {"ndcg@10", "recall@100", "query_p50_ms", "query_p95_ms"} <= set(result["hybrid"])
    assert result["embed_model"] == "HashingEmbedder-16d"


def test_the_scale_run_repeats_a_small_corpus_to_reach_the_chunk_count(tmp_path: Path) -> None:
    source = tmp_path / "wiki.jsonl"
    source.write_text(
        "\n".join(
            json.dumps({"id": str(i), "title": f"T{i}", "text": f"topic{i} words about thing{i} and more filler"})
            for i in range(5)
        ),
        encoding="utf-8",
    )
    result = run_scale([source], 12, embedder=HashingEmbedder(16), queries=5)
    assert result["chunks"] == 12 and result["documents"] == 12
    assert result["chunks_embedded_distinct"] == 5
    assert set(result["hybrid"]) == {"query_p50_ms", "query_p95_ms"}


def test_the_repeat_cache_embeds_each_distinct_text_once() -> None:
    calls: list[list[str]] = []

    class Recording(HashingEmbedder):
        def encode(self, sentences, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(list(sentences))
            return super().encode(sentences, **kwargs)

    cached = RepeatCachingEmbedder(Recording(8))
    first = cached.encode(["a b", "c", "a b"])
    second = cached.encode(["c", "d"])
    assert calls == [["a b", "c"], ["d"]]
    assert (first[0] == first[2]).all() and (second[0] == first[1]).all()


def test_the_qdrant_backend_is_measured_in_hybrid_mode_only() -> None:
    pytest.importorskip("qdrant_client")
    corpus = [
        Document(id="d1", title="Seurat", text="pointillist painting of an island"),
        Document(id="d2", title="Etna", text="a volcano in Sicily"),
    ]
    result = run_beir(corpus, {"q": "volcano Sicily"}, {"q": {"d2": 1}}, embedder=HashingEmbedder(16), backend="qdrant")
    assert result["hybrid"]["ndcg@10"] == 1.0
    assert "bm25" not in result and "vector" not in result


def test_after_the_build_the_repeat_cache_encodes_every_query_afresh() -> None:
    calls: list[list[str]] = []

    class Recording(HashingEmbedder):
        def encode(self, sentences, **kwargs):  # type: ignore[no-untyped-def]
            calls.append(list(sentences))
            return super().encode(sentences, **kwargs)

    cached = RepeatCachingEmbedder(Recording(8))
    cached.encode(["a b"])
    cached.forget()
    cached.encode(["q"])
    cached.encode(["q"])
    assert calls == [["a b"], ["q"], ["q"]]
