"""Query-focused reading: split a page into passages and put the ones that answer the query first.

Ranking fuses BM25 (exact words: names, numbers) with Model2Vec embeddings (meaning) by a convex combination
of min-max normalised scores. Unlike rank fusion it keeps how far ahead a passage is: a passage that holds the
query's exact words scores far above the rest in BM25 and should not lose to one that is merely similar
(Bruch et al. 2022, "An Analysis of Fusion Functions for Hybrid Retrieval"). Each passage keeps its character span in the page, so the model can tell
where it came from and read around it with start_index.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from mcp_servers.index.vectors import Embedder, encode

TARGET_PASSAGE_CHARS = 700
LEXICAL_WEIGHT = 0.5
_BLOCK_SEP = re.compile(r"\n[ \t]*\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Passage:
    """A stretch of the page: its order among the passages and its [start, end) character span."""

    index: int
    start: int
    end: int
    text: str


def _blocks(text: str) -> list[tuple[int, int]]:
    """Spans of the non-blank blocks (paragraphs, headings, list runs, tables) of a text."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for sep in _BLOCK_SEP.finditer(text):
        if text[pos : sep.start()].strip():
            spans.append((pos, sep.start()))
        pos = sep.end()
    if text[pos:].strip():
        spans.append((pos, len(text)))
    return spans


def _split_long(text: str, start: int, end: int, target: int) -> list[tuple[int, int]]:
    """Cut one over-long block at sentence ends (or, failing that, at spaces) into pieces of about target chars."""
    pieces: list[tuple[int, int]] = []
    piece_start = start
    while end - piece_start > target * 3 // 2:
        window_end = piece_start + target
        cut = -1
        for m in _SENTENCE_END.finditer(text, piece_start + target // 2, window_end + target // 4):
            cut = m.start()
        if cut <= piece_start:
            cut = text.rfind(" ", piece_start + target // 2, window_end)
        if cut <= piece_start:
            cut = window_end
        pieces.append((piece_start, cut))
        piece_start = cut
        while piece_start < end and text[piece_start].isspace():
            piece_start += 1
    if piece_start < end:
        pieces.append((piece_start, end))
    return pieces


def split_passages(text: str, target_chars: int = TARGET_PASSAGE_CHARS) -> list[Passage]:
    """Split text into passages of about target_chars, at block boundaries where possible.

    A heading starts a new passage and stays with the text under it, so each passage carries its topic.
    """
    spans: list[tuple[int, int]] = []
    for start, end in _blocks(text):
        if end - start > target_chars * 3 // 2:
            spans.extend(_split_long(text, start, end, target_chars))
        else:
            spans.append((start, end))
    passages: list[tuple[int, int]] = []
    for start, end in spans:
        is_heading = text[start:end].lstrip().startswith("#")
        if passages and not is_heading and end - passages[-1][0] <= target_chars:
            passages[-1] = (passages[-1][0], end)
        elif passages and _is_heading_only(text, *passages[-1]) and end - passages[-1][0] <= target_chars * 3 // 2:
            passages[-1] = (passages[-1][0], end)  # a heading never stands alone when its text follows
        else:
            passages.append((start, end))
    return [Passage(i, s, e, text[s:e].strip()) for i, (s, e) in enumerate(passages)]


def _is_heading_only(text: str, start: int, end: int) -> bool:
    lines = [line for line in text[start:end].splitlines() if line.strip()]
    return bool(lines) and all(line.lstrip().startswith("#") for line in lines)


def bm25_scores(passages: list[Passage], query: str) -> np.ndarray:
    """BM25 score of each passage for the query (bm25s, English stopwords removed)."""
    import bm25s

    texts = [p.text for p in passages]
    corpus_tokens = bm25s.tokenize(texts, stopwords="en", show_progress=False)
    query_tokens = bm25s.tokenize(query, stopwords="en", return_ids=False, show_progress=False)
    words = [w for w in (query_tokens[0] if query_tokens else []) if w in corpus_tokens.vocab]
    if not words:
        return np.zeros(len(passages), dtype=np.float32)
    retriever = bm25s.BM25()
    retriever.index(corpus_tokens, show_progress=False)
    scores: np.ndarray = np.asarray(retriever.get_scores(words), dtype=np.float32)
    return scores


def embedding_scores(passages: list[Passage], query: str, embedder: Embedder) -> np.ndarray:
    """Cosine similarity of each passage to the query."""
    # ``encode`` holds the one lock that keeps the (not thread-safe) HF tokenizer to one thread at a time.
    vectors = np.asarray(encode(embedder, [query] + [p.text for p in passages]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1.0, norms)
    return np.asarray(unit[1:] @ unit[0], dtype=np.float32)


def _min_max(scores: np.ndarray) -> np.ndarray:
    low, high = float(scores.min()), float(scores.max())
    if high - low <= 1e-12:
        return np.zeros(len(scores), dtype=np.float64)
    return (scores.astype(np.float64) - low) / (high - low)


def rank_passages(passages: list[Passage], query: str, embedder: Embedder | None = None) -> list[Passage]:
    """Passages ordered by relevance to the query: BM25 and (when an embedder is given) embedding scores, fused.

    Ties, and a query that matches nothing, keep page order.
    """
    if len(passages) <= 1:
        return list(passages)
    fused = np.zeros(len(passages), dtype=np.float64)
    lexical = bm25_scores(passages, query)
    if lexical.any():
        fused += LEXICAL_WEIGHT * _min_max(lexical)
    if embedder is not None:
        fused += (1 - LEXICAL_WEIGHT) * _min_max(embedding_scores(passages, query, embedder))
    order = np.argsort(-fused, kind="stable")
    return [passages[i] for i in order]


def render_ranked(ranked: list[Passage], total_chars: int) -> str:
    """The ranked passages as one text, each under a marker that gives its place in the page."""
    count = len(ranked)
    parts = [
        f"[passage {p.index + 1} of {count}, characters {p.start}-{p.end} of {total_chars}]\n{p.text}" for p in ranked
    ]
    return "\n\n".join(parts)


_default_lock = threading.Lock()
_default_state: dict[str, Any] = {}


def default_embedder() -> Embedder | None:
    """The project's static embedding model, loaded once; None (with one note on stderr) when it cannot load."""
    with _default_lock:
        if "model" not in _default_state:
            try:
                from mcp_servers.index.embedder import default_embedder as load_default_embedder

                _default_state["model"] = load_default_embedder()
            except Exception as exc:  # any failure to load only costs ranking quality, never the fetch
                _default_state["model"] = None
                print(
                    f"note: fetch ranks passages with BM25 only (embedding model unavailable: {exc})",
                    file=sys.stderr,
                )
        model: Embedder | None = _default_state["model"]
        return model
