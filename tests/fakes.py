"""Test doubles shared across the test packages (fakes, not mocks)."""

from __future__ import annotations

import hashlib
import re

import numpy as np

_WORD = re.compile(r"\w+")


class HashingEmbedder:
    """A deterministic bag-of-words embedder: each lowercase word hashes to a fixed random direction.

    Texts that share words get similar vectors, which is enough to test ranking and fusion logic without
    loading a model. It has the ``encode`` method of model2vec's StaticModel that the code relies on.
    """

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim

    def _word_vector(self, word: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")
        return np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)

    def encode(self, sentences: list[str] | str, **_: object) -> np.ndarray:
        single = isinstance(sentences, str)
        texts = [sentences] if isinstance(sentences, str) else sentences
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[i] += self._word_vector(word)
        return out[0] if single else out
