from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tokenizers import Tokenizer

from mcp_servers.embeddings.distilling import distill, folder_size, save_static_model
from mcp_servers.embeddings.teachers import check_round_trip, load_teacher, looks_like_path
from mcp_servers.errors import JanagentError


def test_a_tiny_random_teacher_distills_into_a_static_model_of_the_requested_width(tiny_teacher_dir: Path) -> None:
    model = distill(str(tiny_teacher_dir), dims=8, pooling="mean")
    vectors = model.encode(["the island", "python language"])
    assert vectors.shape == (2, 8)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_last_token_pooling_for_decoder_style_teachers_also_distills(tiny_teacher_dir: Path) -> None:
    model = distill(str(tiny_teacher_dir), dims=8, pooling="last")
    assert model.encode(["seurat"]).shape == (1, 8)


def test_more_dims_than_the_teacher_has_keeps_the_teacher_width(tiny_teacher_dir: Path) -> None:
    assert distill(str(tiny_teacher_dir), dims=4096).dim == 32


def test_corpus_words_join_the_vocabulary_as_whole_tokens(tiny_teacher_dir: Path) -> None:
    model = distill(str(tiny_teacher_dir), dims=8, vocabulary=["xylophone", "island"])
    assert "xylophone" in model.tokens
    assert model.tokenize(["xylophone"]) == [[model.tokens.index("xylophone")]]


def test_saving_never_overwrites_an_existing_folder(tiny_static_dir: Path, tmp_path: Path) -> None:
    from model2vec import StaticModel

    model = StaticModel.from_pretrained(tiny_static_dir, force_download=False)
    out = tmp_path / "taken"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(JanagentError, match="already exists"):
        save_static_model(model, out)
    assert (out / "notes.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]  # no staging folder left behind


def test_a_saved_model_reports_its_size_on_disk(tiny_static_dir: Path) -> None:
    assert folder_size(tiny_static_dir) > 1000


def test_a_missing_teacher_folder_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="does not exist"):
        load_teacher(str(tmp_path / "no-such-model"))


def test_a_missing_gguf_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="GGUF file"):
        load_teacher(str(tmp_path / "model.gguf"))


def test_an_uncached_hub_id_is_a_one_line_error_offline() -> None:
    with pytest.raises(JanagentError, match="local Hugging Face cache"):
        load_teacher("nobody-here/no-such-model-xyz")


def test_paths_and_hub_ids_are_told_apart() -> None:
    assert looks_like_path("./model") and looks_like_path("/abs/model") and looks_like_path("m.gguf")
    assert looks_like_path("a/b/c")
    assert not looks_like_path("sentence-transformers/all-MiniLM-L6-v2")


def _byte_level_tokenizer(with_decoder: bool) -> Tokenizer:
    from tokenizers import decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(["Seurat painted an island in the Seine. Café naïve!"], trainer=trainer)
    if with_decoder:
        tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def test_a_byte_level_tokenizer_that_decodes_to_markers_is_refused() -> None:
    # The GGUF pitfall: without its byte-level decoder, text comes back full of 'Ġ' and 'Ã©'.
    with pytest.raises(JanagentError, match="round-trip"):
        check_round_trip(_byte_level_tokenizer(with_decoder=False))
    check_round_trip(_byte_level_tokenizer(with_decoder=True))


def test_loading_the_minilm_teacher_prints_no_load_report(capfd: pytest.CaptureFixture[str]) -> None:
    from transformers.utils import logging as hf_logging

    from mcp_servers.embeddings.teachers import minilm_teacher_dir

    before = hf_logging.get_verbosity()
    teacher = load_teacher(str(minilm_teacher_dir()))
    assert teacher.tokenizer.is_fast
    # MiniLM's checkpoint has a key its architecture lacks: transformers reports it unless told not to.
    assert "LOAD REPORT" not in capfd.readouterr().err
    assert hf_logging.get_verbosity() == before  # set back for whatever loads next
