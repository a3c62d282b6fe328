"""The index commands through typer's CliRunner, with a tiny real Model2Vec model (no distilling)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agent.cli import app
from mcp_servers.errors import JanagentError

DOCS = [
    (
        "jatte",
        "A Sunday Afternoon on the Island of La Grande Jatte",
        "A pointillist painting by Seurat of an island in the Seine.",
    ),
    ("lilies", "Water Lilies", "Oil paintings by Claude Monet of his garden pond at Giverny."),
    ("etna", "Mount Etna", "An active volcano on the east coast of Sicily."),
]


@pytest.fixture(scope="module")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A word-level Model2Vec model over the test documents' words: loads in milliseconds, offline."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    words = sorted({w for _, title, text in DOCS for w in re.findall(r"\w+", f"{title} {text}".lower())})
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(0).standard_normal((len(vocab), 16)).astype(np.float32)
    folder = tmp_path_factory.mktemp("tiny_model") / "model"
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(folder)
    return folder


@pytest.fixture
def runner(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("JANAGENT_EMBED_MODEL", str(tiny_model_dir))
    monkeypatch.delenv("JANAGENT_INDEX", raising=False)
    return CliRunner()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps({"id": i, "title": t, "text": x}) for i, t, x in DOCS), encoding="utf-8")
    return path


def test_add_then_search_prints_the_best_hit_first_with_its_passage(runner: CliRunner, corpus: Path) -> None:
    added = runner.invoke(app, ["index", "add", str(corpus)])
    assert added.exit_code == 0, added.output
    assert "index 'default': 3 documents, 3 chunks (3 added" in added.stdout

    found = runner.invoke(app, ["search", "pointillist painting island Seine", "-k", "2"])
    assert found.exit_code == 0, found.output
    lines = found.stdout.splitlines()
    assert lines[0].startswith("1. A Sunday Afternoon on the Island of La Grande Jatte")
    assert lines[1].strip() == "jatte"
    assert "pointillist painting by Seurat" in lines[2]


def test_search_json_lists_hits_with_every_field(runner: CliRunner, corpus: Path) -> None:
    runner.invoke(app, ["index", "add", str(corpus), "--index", "art"])
    result = runner.invoke(app, ["search", "Monet garden pond", "--index", "art", "--json", "--mode", "bm25"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert hits[0]["doc_id"] == "lilies"
    assert set(hits[0]) == {"title", "url", "doc_id", "snippet", "score", "source"}


def test_stats_list_and_remove_manage_named_indexes(runner: CliRunner, corpus: Path) -> None:
    runner.invoke(app, ["index", "add", str(corpus), "--index", "art"])
    stats = json.loads(runner.invoke(app, ["index", "stats", "--index", "art", "--json"]).stdout)
    assert (stats["name"], stats["documents"], stats["chunks"]) == ("art", 3, 3)
    assert [s["name"] for s in json.loads(runner.invoke(app, ["index", "list", "--json"]).stdout)] == ["art"]

    removed_doc = runner.invoke(app, ["index", "remove", "art", "--doc", "etna"])
    assert "removed 1 of 1 documents" in removed_doc.stdout
    assert runner.invoke(app, ["index", "remove", "art"]).stdout.strip() == "removed index 'art'"
    assert "no indexes yet" in runner.invoke(app, ["index", "list"]).stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "anything", "--index", "missing"], "no index named 'missing'"),
        (["index", "add"], "nothing to add"),
        (["index", "add", "/no/such/path"], "no such file or folder"),
        (["index", "remove", "missing"], "no index named 'missing'"),
        (["index", "stats", "--index", "bad/name"], "invalid index name"),
        (["search", "x", "--mode", "fuzzy"], "--mode must be one of"),
        (["bench", "search", "--corpus", "c.jsonl"], "give --corpus, --queries and --qrels"),
    ],
)
def test_user_mistakes_are_one_line_errors(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert isinstance(result.exception, JanagentError)
    assert message in str(result.exception)
    assert "\n" not in str(result.exception)


def test_bench_search_prints_quality_and_speed_for_each_mode(runner: CliRunner, corpus: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        json.dumps({"_id": "q1", "text": "Seurat island painting"})
        + "\n"
        + json.dumps({"_id": "q2", "text": "no judgments"}),
        encoding="utf-8",
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text("query-id\tcorpus-id\tscore\nq1\tjatte\t2\nq1\tetna\t0\n", encoding="utf-8")

    result = runner.invoke(
        app, ["bench", "search", "--corpus", str(corpus), "--queries", str(queries), "--qrels", str(qrels)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["queries"], report["queries_skipped_unjudged"], report["documents"]) == (1, 1, 3)
    assert report["bm25"]["ndcg@10"] == 1.0
    for mode in ("bm25", "vector", "hybrid"):
        assert set(report[mode]) == {"ndcg@10", "recall@100", "query_p50_ms", "query_p95_ms"}
    assert report["build_chunks_per_s"] > 0
