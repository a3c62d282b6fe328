"""A tiny random-weight BERT teacher (built from a config, no download) and its distilled static model."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

# Every character of the round-trip sample is covered, so the tiny tokenizer never needs [UNK].
_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
_WORDS = ["the", "island", "painting", "seurat", "sunday", "river", "python", "language", "snake", "paris"]


def _vocabulary() -> list[str]:
    chars = list(string.ascii_lowercase + string.digits + ".,!?'-")
    return _SPECIALS + chars + [f"##{c}" for c in string.ascii_lowercase + string.digits] + _WORDS


def build_tiny_teacher(folder: Path) -> Path:
    """Save a 1-layer, 32-wide BERT with a 100-token WordPiece tokenizer to ``folder``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    vocab = {token: i for i, token in enumerate(_vocabulary())}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])]
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    fast.save_pretrained(folder)

    config = BertConfig(
        vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64
    )
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_teacher_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_teacher(tmp_path_factory.mktemp("tiny_teacher"))


@pytest.fixture(scope="session")
def tiny_static_dir(tiny_teacher_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A static model distilled from the tiny teacher (seconds, not the real MiniLM's minute)."""
    from mcp_servers.embeddings.distilling import distill, save_static_model

    model = distill(str(tiny_teacher_dir), dims=16)
    return save_static_model(model, tmp_path_factory.mktemp("tiny_static") / "model")
