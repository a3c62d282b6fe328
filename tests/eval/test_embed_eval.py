"""embed eval: static models and their teacher on BEIR sets, scored by bench search's own code path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from agent.cli import app
from eval import dev_suite
from eval.dev_suite import DevSet
from eval.embed_eval import Candidate, report_rows, run_embed_eval
from eval.embed_eval_inputs import cut_corpus, load_sets, static_candidate
from eval.embed_eval_report import build_table
from eval.suite_bench import suite_row
from mcp_servers.errors import JanagentError
from mcp_servers.types import Document
from tests.fakes import HashingEmbedder
from tests.mcp_servers.embeddings.conftest import build_tiny_teacher

DOCS = [
    ("jatte", "La Grande Jatte", "a pointillist painting by seurat of an island in the seine"),
    ("lilies", "Water Lilies", "oil paintings by monet of his garden pond"),
    ("etna", "Mount Etna", "an active volcano on the coast of sicily"),
    ("python", "Python", "a programming language and a snake"),
    ("paris", "Paris", "the capital of france on the river seine"),
    ("vesuvius", "Vesuvius", "a volcano near naples that buried pompeii"),
]
QUERIES = {"q1": "seurat island painting", "q2": "volcano sicily", "q3": "river seine capital", "q4": "unjudged"}
QRELS = [("q1", "jatte", 2), ("q2", "etna", 2), ("q2", "vesuvius", 1), ("q3", "paris", 1), ("q3", "jatte", 0)]


def _tiny_static(folder: Path, dims: int, seed: int) -> Path:
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    texts = [f"{t} {x}" for _, t, x in DOCS] + list(QUERIES.values())
    words = sorted({w for text in texts for w in re.findall(r"\w+", text.lower())})
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(seed).standard_normal((len(vocab), dims)).astype(np.float32)
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def statics(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("statics")
    return _tiny_static(root / "alpha-static", 16, 0), _tiny_static(root / "beta-static", 24, 1)


@pytest.fixture
def beir_set(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny-set"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": i, "title": t, "text": x}) for i, t, x in DOCS), encoding="utf-8"
    )
    (folder / "queries.jsonl").write_text(
        "\n".join(json.dumps({"_id": q, "text": t}) for q, t in QUERIES.items()), encoding="utf-8"
    )
    lines = ["query-id\tcorpus-id\tscore", *(f"{q}\t{d}\t{g}" for q, d, g in QRELS)]
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines), encoding="utf-8")
    return folder


def _json(runner: CliRunner, args: list[str]) -> dict[str, object]:
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def test_vectors_only_ndcg_equals_what_bench_search_reports(statics: tuple[Path, Path], beir_set: Path) -> None:
    runner = CliRunner()
    report = _json(
        runner,
        ["embed", "eval", str(statics[0]), str(statics[1]), "--suite", str(beir_set), "--split", "all", "--json"],
    )
    rows = {row["name"]: row for row in report["models"]}  # type: ignore[attr-defined]
    for folder in statics:
        bench = _json(
            runner,
            [
                "bench", "search", "--corpus", str(beir_set / "corpus.jsonl"), "--queries",
                str(beir_set / "queries.jsonl"), "--qrels", str(beir_set / "qrels" / "test.tsv"),
                "--embed-model", str(folder),
            ],
        )  # fmt: skip
        scores = rows[folder.name]["per_set"]["tiny-set"]
        assert scores["ndcg@10"] == bench["vector"]["ndcg@10"]  # type: ignore[index]
        assert scores["recall@100"] == bench["vector"]["recall@100"]  # type: ignore[index]
        assert scores["queries"] == bench["queries"] == 3
        assert rows[folder.name]["model_id"] == bench["embed_model"]


def test_the_teacher_is_scored_too_and_quality_is_relative_to_it(
    statics: tuple[Path, Path], beir_set: Path, tmp_path: Path
) -> None:
    teacher = build_tiny_teacher(tmp_path / "tiny-teacher")
    out = tmp_path / "out"
    report = _json(
        CliRunner(),
        ["embed", "eval", str(statics[0]), "--teacher", str(teacher), "--suite", str(beir_set), "--split", "all", "--json",
         "--out", str(out), "--device", "cpu"],
    )  # fmt: skip
    static_row, teacher_row = report["models"]  # type: ignore[misc]
    assert teacher_row["kind"] == "teacher" and teacher_row["dims"] == 32
    assert teacher_row["vocabulary"] == 93 and teacher_row["memory_bytes"] > 0
    if teacher_row["ndcg@10"]:
        assert static_row["ndcg_vs_teacher"] == round(static_row["ndcg@10"] / teacher_row["ndcg@10"], 4)
    assert static_row["speedup_vs_teacher"] == round(static_row["sentences_per_s"] / teacher_row["sentences_per_s"], 1)
    from model2vec import StaticModel

    assert static_row["vocabulary"] == len(StaticModel.from_pretrained(statics[0]).tokens)
    assert (out / "embed_eval.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "embed_eval.json").read_text()) == report


def test_the_table_shows_every_model_with_its_figures(statics: tuple[Path, Path], beir_set: Path) -> None:
    result = CliRunner().invoke(app, ["embed", "eval", str(statics[0]), "--suite", str(beir_set)])
    assert result.exit_code == 0, result.output
    assert "alpha-static" in result.stdout and "nDCG@10" in result.stdout and "sent/s" in result.stdout


def test_the_scores_are_bench_search_suite_rows_for_the_same_set(statics: tuple[Path, Path], beir_set: Path) -> None:
    [devset] = load_sets([str(beir_set)], beir_set.parent, split="all", limit=200)
    candidate = static_candidate(str(statics[0]))
    report = run_embed_eval([candidate], [devset])
    row = suite_row(beir_set_of(beir_set), candidate.embedder)
    assert report["models"][0]["per_set"]["tiny-set"]["ndcg@10"] == row["vector"]["ndcg@10"]
    assert report["models"][0]["per_set"]["tiny-set"]["recall@100"] == row["vector"]["recall@100"]


def beir_set_of(folder: Path) -> DevSet:
    return dev_suite.beir_set(folder.name, folder).limited("all", 200)


def test_a_cut_corpus_keeps_the_judged_documents_first(beir_set: Path) -> None:
    devset = beir_set_of(beir_set).limited("all", 1)
    cut = cut_corpus(devset, 2)
    assert next(doc.id for doc in cut.corpus) in devset.qrels[next(iter(devset.queries))]
    assert len(cut.corpus) == 2 and cut.name == "tiny-set[2d]"


def test_a_folder_without_qrels_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match=r"no qrels/test\.tsv"):
        (tmp_path / "corpus.jsonl").write_text("")
        (tmp_path / "queries.jsonl").write_text("")
        load_sets([str(tmp_path)], tmp_path)


def test_speed_and_scores_come_from_the_same_run_for_every_candidate() -> None:
    docs = [Document(id=i, title=t, text=x) for i, t, x in DOCS]
    qrels = {q: {} for q in QUERIES}
    for q, d, g in QRELS:
        qrels[q][d] = g
    devset = DevSet("mem", docs, QUERIES, qrels).limited("all", None)
    fake = Candidate("fake", "static", HashingEmbedder(dim=32), 1, 2, 3, 32)
    report = run_embed_eval([fake], [devset])
    [row] = report["models"]
    assert row["sentences_per_s"] > 0 and row["speed_sample"] == 3 + len(DOCS)
    assert row["per_set"]["mem"]["queries"] == 3 and 0 <= row["ndcg@10"] <= 1
    assert "ndcg_vs_teacher" not in row
    assert report_rows([fake])[0]["name"] == "fake"
    assert build_table(report).row_count == 1
