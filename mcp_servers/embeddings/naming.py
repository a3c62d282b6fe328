"""A stable identifier for an embedding model, so that an index never mixes vectors from two models."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

# Hashing every row of a 60k x 512 matrix on each index open is wasted work; a strided sample of rows,
# together with the shape and the vocabulary, tells models apart just as well.
_SAMPLED_ROWS = 512


def model_id(model: Any) -> str:
    """Return ``m2v-<dims>d-<digest>`` for a Model2Vec StaticModel, derived from its vectors and vocabulary.

    The same vectors give the same id whether the model was just distilled or loaded from disk, so
    reloading a saved model keeps an index usable while any other model is told apart. Other embedders
    (test fakes) get ``<ClassName>-<dims>d``, or their own ``model_id`` attribute when they carry one.
    """
    embedding = getattr(model, "embedding", None)
    if not isinstance(embedding, np.ndarray):
        own = getattr(model, "model_id", None)
        if isinstance(own, str):
            return own
        return f"{type(model).__name__}-{getattr(model, 'dim', '?')}d"

    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{embedding.shape}:{embedding.dtype}".encode())
    step = max(1, len(embedding) // _SAMPLED_ROWS)
    digest.update(np.ascontiguousarray(embedding[::step]).tobytes())
    weights = getattr(model, "weights", None)
    if isinstance(weights, np.ndarray):
        digest.update(np.ascontiguousarray(weights[::step]).tobytes())
    tokens = getattr(model, "tokens", ())
    digest.update("\x00".join(tokens[::step]).encode())
    return f"m2v-{embedding.shape[1]}d-{digest.hexdigest()}"
