"""The one rule for cutting a passage down to a snippet a small model reads.

``SNIPPET_CHARS`` and ``cut_snippet`` are the only snippet length and cut in the project: the local and
Qdrant indexes, the search server (for web hits too) and the agent loop's result cap use them.
"""

from __future__ import annotations

import re

# A small model's context is short: a few hundred characters per hit is enough to judge what to fetch.
SNIPPET_CHARS = 300
ELLIPSIS = "…"

_WORD = re.compile(r"\w\w+")
_SENTENCE_START = re.compile(r"(?<=[.!?])\s+")


def _best_window_start(text: str, query: str, limit: int) -> int:
    """Where the window of ``limit`` characters holding the most distinct query words starts (0 if none)."""
    terms = {w.lower() for w in _WORD.findall(query)}
    if not terms:
        return 0
    # Only the query words' positions matter: slide over them, counting distinct words in the window.
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(terms))) + r")\b", re.IGNORECASE)
    hits = [(m.start(), m.group().lower()) for m in pattern.finditer(text)]
    best, start = 0, 0
    for i, (position, _) in enumerate(hits):
        shared = {word for p, word in hits[i:] if p < position + limit - 20}
        if len(shared) > best:
            best, start = len(shared), position
    if start > 0:
        # Start at the sentence when one starts shortly before the first matching word.
        sentence_starts = [m.end() for m in _SENTENCE_START.finditer(text, max(0, start - 80), start + 1)]
        start = sentence_starts[-1] if sentence_starts and sentence_starts[-1] <= start else start
    return start


def cut_snippet(text: str, query: str | None = None, limit: int = SNIPPET_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters (plus an ellipsis) at word boundaries.

    With a ``query``, the window is the one holding the most distinct query words, so a match at the end
    of a long passage is still what the model sees. A cut is marked with "…" at the end (and "… " at the
    start when the window does not begin the text); the result is never longer than ``limit + 2``.
    """
    if len(text) <= limit:
        return text
    start = _best_window_start(text, query or "", limit)
    start = min(start, max(0, len(text) - limit))
    if start > 0 and not text[start - 1].isspace():
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 40 else start
    # A leading "… " takes two characters of the window, so the whole stays within limit + 2.
    width = limit - 2 if start > 0 else limit
    end = start + width
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start + width // 2 else end
    body = text[start:end].strip()
    if end < len(text):
        body = body.rstrip(" ,;:") + " " + ELLIPSIS
    return (ELLIPSIS + " " if start > 0 else "") + body
