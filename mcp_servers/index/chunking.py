"""Split documents into passages that each carry their document's title.

A passage is what BM25 and the vectors score and what the model sees as a snippet, so it has to stand
on its own: the title goes in front of every passage's indexed text ("Seurat\\nHe painted..."), while
the snippet shown to the model is the passage alone (the hit already carries the title).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mcp_servers.types import Document

# About a paragraph or two: long enough for context, short enough that one passage is about one thing
# and a small model's context holds ten of them.
MAX_WORDS = 160
MIN_WORDS = 40

# Lines are packing units: hard-wrapped text is packed back together, paragraphs stay whole when they fit.
_LINE_BREAKS = re.compile(r"\n+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


@dataclass(frozen=True, slots=True)
class Chunk:
    """One passage of a document: ``text`` is the passage, ``indexed_text`` adds the title in front."""

    doc_id: str
    ordinal: int
    title: str
    text: str

    @property
    def indexed_text(self) -> str:
        return f"{self.title}\n{self.text}" if self.title else self.text


def _split_long(paragraph: str, max_words: int) -> list[str]:
    """Split an over-long paragraph at sentence ends, and a run-on sentence at word boundaries."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(paragraph):
        words = sentence.split()
        if len(words) <= max_words:
            pieces.append(sentence)
            continue
        pieces.extend(" ".join(words[i : i + max_words]) for i in range(0, len(words), max_words))
    return pieces


def split_passages(text: str, max_words: int = MAX_WORDS, min_words: int = MIN_WORDS) -> list[str]:
    """Pack paragraphs (and, for long ones, sentences) greedily into passages of at most ``max_words``.

    A passage shorter than ``min_words`` at the end is merged into the previous one when it fits, so
    section headings and one-line paragraphs do not become passages of their own.
    """
    units: list[str] = []
    for paragraph in _LINE_BREAKS.split(text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph.split()) > max_words:
            units.extend(_split_long(paragraph, max_words))
        else:
            units.append(paragraph)

    passages: list[str] = []
    current: list[str] = []
    current_words = 0
    for unit in units:
        n = len(unit.split())
        if current and current_words + n > max_words:
            passages.append(" ".join(current))
            current, current_words = [], 0
        current.append(unit)
        current_words += n
    if current:
        tail = " ".join(current)
        if passages and current_words < min_words and len(passages[-1].split()) + current_words <= max_words * 1.25:
            passages[-1] = f"{passages[-1]} {tail}"
        else:
            passages.append(tail)
    return passages


def chunk_document(doc: Document, max_words: int = MAX_WORDS) -> list[Chunk]:
    """The passages of one document, in order; a document with no text yields its title as one chunk."""
    passages = split_passages(doc.text, max_words=max_words)
    if not passages:
        passages = [doc.title] if doc.title.strip() else []
    return [Chunk(doc_id=doc.id, ordinal=i, title=doc.title, text=p) for i, p in enumerate(passages)]
