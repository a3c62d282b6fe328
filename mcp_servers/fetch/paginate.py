"""Cutting long content into pages a small model can hold, with the exact start_index of the next page."""

from __future__ import annotations

from dataclasses import dataclass

# A page may end up to this fraction of max_length early so that it ends on whitespace, not inside a word.
SOFT_CUT_FRACTION = 0.2


@dataclass(frozen=True)
class Page:
    """content[start_index:start_index + len(text)]; next_start_index is None when nothing is left."""

    text: str
    start_index: int
    next_start_index: int | None
    total_length: int


def paginate(content: str, start_index: int, max_length: int) -> Page:
    """The page of content starting at start_index, at most max_length characters long.

    The arithmetic is exact: ``next_start_index == start_index + len(text)``, so pages tile the content with
    no gap and no overlap. Past the end the page is empty and next_start_index is None.
    """
    if start_index < 0 or max_length < 1:
        raise ValueError("start_index must be >= 0 and max_length >= 1")
    total = len(content)
    if start_index >= total:
        return Page("", start_index, None, total)
    end = start_index + max_length
    if end >= total:
        return Page(content[start_index:], start_index, None, total)
    # Prefer a paragraph break, then a line break, then a space, in the last part of the window.
    floor = end - int(max_length * SOFT_CUT_FRACTION)
    for sep in ("\n\n", "\n", " "):
        cut = content.rfind(sep, floor, end)
        if cut > start_index:
            end = cut + len(sep)
            break
    return Page(content[start_index:end], start_index, end, total)
