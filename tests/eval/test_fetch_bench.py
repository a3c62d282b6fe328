"""The extraction benchmark's metrics match their definitions, and a small run reports every extractor."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.fetch_bench import (
    PEER_NAME,
    run_benchmark,
    shingle_metrics,
    shingle_tp_fp_fn,
    snippet_rate,
    timing,
    word_prf,
)


def test_identical_texts_score_one_and_disjoint_texts_zero() -> None:
    text = "one two three four five six"
    assert shingle_tp_fp_fn(text, text) == (1.0, 0.0, 0.0)
    assert shingle_metrics([shingle_tp_fp_fn(text, text)])["f1"] == 1.0
    assert shingle_metrics([shingle_tp_fp_fn(text, "seven eight nine ten eleven")])["f1"] == 0.0


def test_shingles_are_word_4_grams_normalised_per_page() -> None:
    # truth has 3 shingles (a b c d, b c d e, c d e f); pred has 2, one shared.
    tp, fp, fn = shingle_tp_fp_fn("a b c d e f", "a b c d x")
    assert (tp, fp, fn) == pytest.approx((1 / 4, 1 / 4, 2 / 4))
    metrics = shingle_metrics([(tp, fp, fn)])
    assert metrics["precision"] == pytest.approx(0.5)
    assert metrics["recall"] == pytest.approx(1 / 3)
    assert metrics["f1"] == pytest.approx(0.4)


def test_precision_and_recall_are_averaged_over_pages_before_f1() -> None:
    pages = [shingle_tp_fp_fn("a b c d e", "a b c d e"), shingle_tp_fp_fn("a b c d e", "")]
    metrics = shingle_metrics(pages)
    # The empty prediction has no precision to average (tp + fp == 0) but recall 0.
    assert metrics["precision"] == 1.0
    assert metrics["recall"] == 0.5


def test_word_f1_counts_words_as_a_bag_ignoring_case() -> None:
    assert word_prf("The cat sat", "the CAT sat") == (1.0, 1.0, 1.0)
    p, r, f1 = word_prf("a b c d", "a b x")
    assert (p, r) == pytest.approx((2 / 3, 2 / 4))
    assert f1 == pytest.approx(2 * p * r / (p + r))
    assert word_prf("a b", "") == (0.0, 0.0, 0.0)


def test_snippets_match_with_spaces_collapsed_and_case_ignored() -> None:
    assert snippet_rate(["Hello   World", "missing bit", ""], "say hello world\nnow") == (1, 2)


def test_timing_reports_median_and_p95() -> None:
    stats = timing([float(x) for x in range(1, 101)])
    assert stats == {"ms_median": 50.5, "ms_p95": 95.0}


def test_a_small_run_reports_ours_and_trafilatura_and_says_how_to_add_the_peer(shared_data: Path) -> None:
    report = run_benchmark(
        article_dir=shared_data / "article-extraction-dev",
        wcxb_dir=shared_data / "wcxb-web-content-extraction",
        peer_python=Path("/no/such/python"),
        limit=3,
    )
    assert PEER_NAME in report["peer"] and "--peer-python" in report["peer"]
    articles = report["article_extraction"]
    assert articles["pages"] == 3
    assert set(articles["extractors"]) == {"janagent", "trafilatura"}
    ours = articles["extractors"]["janagent"]
    assert 0.5 < ours["f1"] <= 1.0
    assert ours["ms_median"] > 0 and ours["cpu_ms_median"] > 0 and ours["errors"] == 0
    wcxb = report["wcxb"]["extractors"]["janagent"]
    assert 0.0 < wcxb["word_f1"] <= 1.0
    assert sum(t["pages"] for t in wcxb["by_page_type"].values()) == report["wcxb"]["pages"] == 3
