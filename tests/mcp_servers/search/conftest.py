"""A real local index for the search server's tests, embedded with a tiny random static model (no distilling)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest

from tests.mcp_servers.search.doubles import demo_docs

_WORDS = ["the", "island", "painting", "pointillist", "seurat", "sunday", "seine", "monet", "water", "lilies"]


@pytest.fixture(scope="session")
def tiny_static_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Model2Vec folder with a 100-token WordPiece vocabulary and seeded random vectors: loads in milliseconds.

    Its vectors mean nothing, so ranking in tests that use it rests on the BM25 leg; that is enough to prove
    the server reaches a real index through ``open_index``.
    """
    import numpy as np
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    chars = list(string.ascii_lowercase + string.digits)
    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", *chars, *(f"##{c}" for c in chars), *_WORDS])}
    tokenizer = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True, strip_accents=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    vectors = np.random.default_rng(0).standard_normal((len(vocab), 16)).astype(np.float32)
    folder = tmp_path_factory.mktemp("tiny_static") / "model"
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(folder)
    return folder


@pytest.fixture
def demo_index(tiny_static_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The name of a real local index (under this test's JANAGENT_HOME) holding the demo documents."""
    from mcp_servers.index import open_index

    monkeypatch.setenv("JANAGENT_EMBED_MODEL", str(tiny_static_model_dir))
    open_index("demo").add_documents(demo_docs())
    return "demo"
