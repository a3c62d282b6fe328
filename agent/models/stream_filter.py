"""Streamed text as a person should see it: no ``<think>`` reasoning, no raw ``<tool_call>`` JSON.

Text arrives in arbitrary pieces, so a tag may be split across pieces; the filter holds back a tail
that could still become a tag and releases it once it cannot.
"""

from __future__ import annotations

# Hidden spans: opening tag -> closing tag ("" means hidden to the end: an invented tool result).
_HIDDEN = {"<think>": "</think>", "<tool_call>": "</tool_call>", "<tool_response>": ""}


class VisibleTextFilter:
    """Feed streamed pieces in, get back only the visible text."""

    def __init__(self) -> None:
        self._pending = ""
        self._closing: str | None = None  # the closing tag awaited while inside a hidden span

    def feed(self, piece: str) -> str:
        """Add ``piece``; return the text that is now safe to show."""
        self._pending += piece
        shown: list[str] = []
        while self._pending:
            if self._closing is None:
                start, tag = self._first_tag()
                if tag is None:
                    keep = self._partial_tag_length(self._pending, _HIDDEN)
                    shown.append(self._pending[: len(self._pending) - keep])
                    self._pending = self._pending[len(self._pending) - keep :]
                    break
                shown.append(self._pending[:start])
                self._pending = self._pending[start + len(tag) :]
                self._closing = _HIDDEN[tag]
            elif self._closing == "":
                self._pending = ""
            else:
                end = self._pending.find(self._closing)
                if end < 0:
                    keep = self._partial_tag_length(self._pending, {self._closing: ""})
                    self._pending = self._pending[len(self._pending) - keep :]
                    break
                self._pending = self._pending[end + len(self._closing) :]
                self._closing = None
        return "".join(shown)

    def flush(self) -> str:
        """The held-back tail at the end of the stream (shown unless inside a hidden span)."""
        tail, self._pending = self._pending, ""
        return tail if self._closing is None else ""

    def _first_tag(self) -> tuple[int, str | None]:
        found = [(self._pending.find(tag), tag) for tag in _HIDDEN if tag in self._pending]
        return min(found) if found else (-1, None)

    @staticmethod
    def _partial_tag_length(text: str, tags: dict[str, str]) -> int:
        """Length of the longest tail of ``text`` that is a proper prefix of one of ``tags``."""
        best = 0
        for tag in tags:
            for size in range(1, len(tag)):
                if text.endswith(tag[:size]):
                    best = max(best, size)
        return best
