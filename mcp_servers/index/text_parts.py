"""Big texts as several documents ("parts") of bounded size, so one file never becomes one giant batch.

A 55 MB single-line file read whole became one document whose chunks were split, tokenized and embedded
in one go: 2.66 GB peak RSS, 48x its size. Cut into parts of at most ``PART_CHARS`` characters (read from
disk a part at a time for text files), every batch the index builds stays about the same size, whatever the
file. The first part keeps the file's own id, so small files are indexed exactly as before; later parts are
``<id>#part2``, ``<id>#part3``... with the same title and source, so re-adding the file replaces them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from mcp_servers.types import Document

# About a thousand passages: big enough that ordinary files are one part, small enough to bound a batch.
PART_CHARS = 1_000_000


def part_id(base: str, ordinal: int) -> str:
    """The id of part ``ordinal`` (0-based) of document ``base``: the first part is the document itself."""
    return base if ordinal == 0 else f"{base}#part{ordinal + 1}"


def _cut_point(text: str, limit: int) -> int:
    """Where to end a part of ``text`` (longer than ``limit``): at a paragraph, line or word break if one is late
    enough (in the second half), else at ``limit``."""
    floor = limit // 2
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, floor, limit)
        if at >= 0:
            return at + len(separator)
    return limit


def cut_text(text: str, part_chars: int = PART_CHARS) -> Iterator[str]:
    """``text`` in pieces of at most ``part_chars`` characters, cut at breaks where it can be."""
    start = 0
    while len(text) - start > part_chars:
        cut = start + _cut_point(text[start : start + part_chars], part_chars)
        yield text[start:cut]
        start = cut
    if start < len(text):
        yield text[start:]


def read_parts(handle: TextIO, part_chars: int = PART_CHARS) -> Iterator[str]:
    """The text of ``handle`` in pieces of at most ``part_chars``, read from it one piece at a time."""
    carry = ""
    while True:
        text = carry + handle.read(part_chars - len(carry))
        if len(text) < part_chars:  # a text file's read(n) is short only at the end
            if text:
                yield text
            return
        cut = _cut_point(text, part_chars)
        yield text[:cut]
        carry = text[cut:]


def split_document(doc: Document, part_chars: int = PART_CHARS) -> Iterator[Document]:
    """``doc`` itself when it is small, else its parts (see the module docstring)."""
    if len(doc.text) <= part_chars:
        yield doc
        return
    for ordinal, text in enumerate(cut_text(doc.text, part_chars)):
        yield doc.model_copy(update={"id": part_id(doc.id, ordinal), "text": text})
