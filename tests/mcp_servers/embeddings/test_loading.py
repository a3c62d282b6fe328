from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from mcp_servers.embeddings import DEFAULT_MODEL, load_static_model, model_id, resolve_model_folder
from mcp_servers.errors import JanagentError
from mcp_servers.home import models_dir
from tests.fakes import HashingEmbedder


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a socket fails the test (a network guard, not a fake of our code)."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the network was touched")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture
def empty_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "hf-cache"
    cache.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


def _put_in_hf_cache(cache: Path, repo_id: str, model_dir: Path) -> Path:
    """Lay a model out the way huggingface_hub caches a download (refs/main -> snapshots/<rev>)."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo / "snapshots" / "0123abcd"
    shutil.copytree(model_dir, snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    return snapshot


def test_a_local_folder_loads_without_touching_the_network(tiny_static_dir: Path, no_network: None) -> None:
    model = load_static_model(str(tiny_static_dir))
    vectors = model.encode(["the island", "a painting by seurat"])
    assert vectors.shape == (2, 16)


def test_loading_the_same_folder_twice_returns_the_same_object(tiny_static_dir: Path) -> None:
    assert load_static_model(str(tiny_static_dir)) is load_static_model(str(tiny_static_dir) + "/")


def test_the_default_spec_comes_from_the_environment(tiny_static_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_EMBED_MODEL", str(tiny_static_dir))
    assert load_static_model() is load_static_model(str(tiny_static_dir))


def test_a_missing_folder_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="does not exist"):
        load_static_model(str(tmp_path / "nowhere"))


def test_a_folder_that_is_not_a_static_model_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="janagent embed distill"):
        load_static_model(str(tmp_path))


def test_a_hub_id_in_the_local_cache_is_loaded_from_there(
    tiny_static_dir: Path, empty_hf_cache: Path, no_network: None
) -> None:
    snapshot = _put_in_hf_cache(empty_hf_cache, "someone/static-model", tiny_static_dir)
    folder, how = resolve_model_folder("someone/static-model")
    assert (folder, how) == (snapshot, "Hugging Face cache")
    assert model_id(load_static_model("someone/static-model")) == model_id(load_static_model(str(tiny_static_dir)))


def test_an_uncached_hub_id_distills_the_stand_in_once_and_says_so(
    tiny_teacher_dir: Path,
    empty_hf_cache: Path,
    no_network: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The tiny teacher stands in for all-MiniLM-L6-v2 so that the test takes seconds, not a minute.
    monkeypatch.setenv("JANAGENT_EMBED_TEACHER", str(tiny_teacher_dir))
    model = load_static_model(DEFAULT_MODEL)
    note = capsys.readouterr().err
    assert "potion-retrieval-32M not available offline; distilled a static model from" in note
    folder, how = resolve_model_folder(DEFAULT_MODEL)
    assert folder.parent == models_dir() and "not cached" in how

    again = load_static_model(DEFAULT_MODEL)
    assert again is model
    assert "not available offline" not in capsys.readouterr().err


def test_model_id_is_the_same_for_a_distilled_model_and_its_saved_copy(tiny_teacher_dir: Path, tmp_path: Path) -> None:
    from mcp_servers.embeddings.distilling import distill, save_static_model

    distilled = distill(str(tiny_teacher_dir), dims=16)
    saved = save_static_model(distilled, tmp_path / "copy")
    assert model_id(distilled) == model_id(load_static_model(str(saved)))
    assert model_id(distilled).startswith("m2v-16d-")


def test_model_id_tells_two_models_apart(tiny_teacher_dir: Path, tiny_static_dir: Path) -> None:
    from mcp_servers.embeddings.distilling import distill

    narrower = distill(str(tiny_teacher_dir), dims=8)
    assert model_id(narrower) != model_id(load_static_model(str(tiny_static_dir)))


def test_model_id_of_a_fake_embedder_names_its_class_and_width() -> None:
    assert model_id(HashingEmbedder(dim=32)) == "HashingEmbedder-32d"


@pytest.mark.slow
def test_the_real_minilm_stand_in_puts_a_paraphrase_above_an_unrelated_sentence(static_model_dir: Path) -> None:
    model = load_static_model(str(static_model_dir))
    query, paraphrase, unrelated = model.encode(
        ["pointillist painting of an island", "Seurat's dotted picture of La Grande Jatte", "tax law of Norway"]
    )
    assert model.dim == 256 and len(model.tokens) > 20_000
    assert float(query @ paraphrase) > float(query @ unrelated)
