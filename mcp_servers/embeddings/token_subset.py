"""Distill only part of a teacher's vocabulary: its first N token ids, as a pattern Model2Vec understands.

Every vocabulary token costs one forward pass of the teacher; an LLM's 151k tokens through a 0.5B model
take hours on two CPU cores. A BPE vocabulary is numbered in merge order, roughly by frequency, and every
token is merged from lower-numbered ones, so the first N ids are a coherent smaller vocabulary.
Model2Vec 0.10 removes tokens only by a regex it ``match``es against each token, so the kept set is
written as one regex (a trie, so that matching stays linear in the token's length).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any


def _trie_pattern(words: Iterable[str]) -> str:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # end of a word

    def render(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        ends = "" in node
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and not ends else "(?:" + "|".join(branches) + ")"
        return body + "?" if ends else body

    return render(trie)


def keep_only_pattern(kept: Iterable[str]) -> re.Pattern[str]:
    """A regex that matches (and so makes Model2Vec remove) every token that is not in ``kept``."""
    words = sorted(set(kept))
    if not words:
        raise ValueError("keep at least one token")
    return re.compile(f"(?!(?:{_trie_pattern(words)})\\Z)", re.DOTALL)


def first_token_ids(tokenizer: Any, count: int) -> list[str]:
    """The tokens numbered below ``count`` in a transformers tokenizer's vocabulary (special tokens too)."""
    vocab: dict[str, int] = tokenizer.get_vocab()
    return [token for token, token_id in vocab.items() if token_id < count]
