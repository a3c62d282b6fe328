"""KV-cache reuse across the turns of one run.

Each agent turn's prompt is the previous prompt plus the model's reply plus tool results, so most of
it was already processed. transformers' ``generate`` accepts a ``DynamicCache`` holding the first N
tokens of ``input_ids`` and only runs the rest; this keeps the cache of the last call together with the
token ids it holds, and hands it back cropped to the longest prefix shared with the next prompt.
Re-tokenised replies can differ from the generated tokens, so the shared prefix is computed, never assumed.
"""

from __future__ import annotations

from typing import Any


class PrefixCache:
    """The KV cache of the last generation and the token ids it covers."""

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._cache: Any = None
        self._ids: list[int] = []
        self.reused_tokens = 0  # of the last ``take``, for usage reports and benchmarks

    def take(self, prompt_ids: list[int]) -> Any:
        """A cache holding the longest reusable prefix of ``prompt_ids``, or None to start fresh.

        At least one prompt token is always left to run: ``generate`` needs logits for the last one.
        """
        self.reused_tokens = 0
        cache, self._cache = self._cache, None
        if not self.enabled or cache is None:
            return None
        common = _common_prefix_length(self._ids, prompt_ids)
        reuse = min(common, len(prompt_ids) - 1)
        if reuse <= 0:
            return None
        cache.crop(reuse)
        self.reused_tokens = reuse
        return cache

    def store(self, cache: Any, sequence_ids: list[int]) -> None:
        """Keep ``cache`` (returned by ``generate``) and the ids of the sequence it was built from."""
        if not self.enabled or not is_reusable(cache):
            self.clear()
            return
        self._cache = cache
        self._ids = list(sequence_ids[: cache.get_seq_length()])

    def clear(self) -> None:
        self._cache = None
        self._ids = []


def is_reusable(cache: Any) -> bool:
    """True for a DynamicCache whose every layer can be cropped (no sliding-window or quantized layers)."""
    layers = getattr(cache, "layers", None)
    if not layers or not hasattr(cache, "crop") or type(cache).__name__ != "DynamicCache":
        return False
    return all(type(layer).__name__ == "DynamicLayer" for layer in layers)


def _common_prefix_length(a: list[int], b: list[int]) -> int:
    limit = min(len(a), len(b))
    i = 0
    while i < limit and a[i] == b[i]:
        i += 1
    return i
