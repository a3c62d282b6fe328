"""`embed use` and `index reembed` through typer's CliRunner, with two tiny real Model2Vec models."""

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
    ("jatte", "La Grande Jatte", "A pointillist painting by Seurat of an island in the Seine."),
    ("lilies", "Water Lilies", "Oil paintings by Claude Monet of his garden pond at Giverny."),
    ("etna", "Mount Etna", "An active volcano on the east coast of Sicily."),
]


def _tiny_model(folder: Path, dims: int, seed: int) -> Path:
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    words = sorted({w for _, title, text in DOCS for w in re.findall(r"\w+", f"{title} {text}".lower())})
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(seed).standard_normal((len(vocab), dims)).astype(np.float32)
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("tiny_models")
    return _tiny_model(root / "first", 16, 0), _tiny_model(root / "second", 24, 1)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("JANAGENT_EMBED_MODEL", raising=False)
    monkeypatch.delenv("JANAGENT_INDEX", raising=False)
    return CliRunner()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "docs.jsonl"
    path.write_text("\n".join(json.dumps({"id": i, "title": t, "text": x}) for i, t, x in DOCS), encoding="utf-8")
    return path


def _stats(runner: CliRunner) -> dict[str, object]:
    result = runner.invoke(app, ["index", "stats", "--json"])
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def test_embed_use_sets_the_model_new_indexes_are_built_with(
    runner: CliRunner, models: tuple[Path, Path], corpus: Path, janagent_home: Path
) -> None:
    first, _ = models
    used = runner.invoke(app, ["embed", "use", str(first)])
    assert used.exit_code == 0, used.output
    assert json.loads((janagent_home / "config.json").read_text())["embed_model"] == str(first.resolve())

    assert runner.invoke(app, ["index", "add", str(corpus)]).exit_code == 0
    assert str(_stats(runner)["embed_model"]).startswith("m2v-16d-")
    shown = runner.invoke(app, ["embed", "use"])
    assert json.loads(shown.stdout)["configured"] == str(first.resolve())


def test_embed_use_keeps_the_other_settings_in_the_config(
    runner: CliRunner, models: tuple[Path, Path], janagent_home: Path
) -> None:
    (janagent_home / "config.json").write_text('{"model": "smollm2"}')
    assert runner.invoke(app, ["embed", "use", str(models[0])]).exit_code == 0
    assert json.loads((janagent_home / "config.json").read_text())["model"] == "smollm2"
    assert runner.invoke(app, ["embed", "use", "--clear"]).exit_code == 0
    assert json.loads((janagent_home / "config.json").read_text()) == {"model": "smollm2"}


def test_embed_use_of_a_missing_model_is_one_line_and_changes_nothing(runner: CliRunner, janagent_home: Path) -> None:
    with pytest.raises(JanagentError, match="neither a Model2Vec folder nor in the local Hugging Face cache"):
        runner.invoke(app, ["embed", "use", "someone/not-cached"], catch_exceptions=False)
    assert not (janagent_home / "config.json").exists()


def test_reembed_switches_the_index_and_searches_follow_the_recorded_model(
    runner: CliRunner, models: tuple[Path, Path], corpus: Path
) -> None:
    first, second = models
    assert runner.invoke(app, ["index", "add", str(corpus), "--embed-model", str(first)]).exit_code == 0
    assert str(_stats(runner)["embed_model"]).startswith("m2v-16d-")

    done = runner.invoke(app, ["index", "reembed", "--embed-model", str(second), "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["documents"], report["chunks"], report["dims"]) == (3, 3, 24)
    assert report["old_model"].startswith("m2v-16d-") and report["new_model"].startswith("m2v-24d-")
    assert _stats(runner)["embed_model"] == report["new_model"]

    # No --embed-model: the search loads the model the index now records.
    found = runner.invoke(app, ["search", "Seurat island Seine", "--mode", "vector", "--json"])
    assert found.exit_code == 0, found.output
    assert len(json.loads(found.stdout)) == 3
    # The model it was built with before is refused, in one line.
    with pytest.raises(JanagentError, match="was built with embedding model m2v-24d-"):
        runner.invoke(
            app, ["search", "Seurat", "--mode", "vector", "--embed-model", str(first)], catch_exceptions=False
        )


def test_embed_use_names_indexes_built_with_the_previous_default(
    runner: CliRunner, models: tuple[Path, Path], corpus: Path
) -> None:
    first, second = models
    assert runner.invoke(app, ["embed", "use", str(first)]).exit_code == 0
    assert runner.invoke(app, ["index", "add", str(corpus)]).exit_code == 0
    moved = runner.invoke(app, ["embed", "use", str(second)])
    assert moved.exit_code == 0
    assert "index 'default' was built with the previous default" in moved.output
    assert "index reembed --index default" in moved.output


def test_reembed_of_a_missing_index_is_one_line(runner: CliRunner, models: tuple[Path, Path]) -> None:
    with pytest.raises(JanagentError, match="no index named 'nope'"):
        runner.invoke(
            app, ["index", "reembed", "--index", "nope", "--embed-model", str(models[1])], catch_exceptions=False
        )
