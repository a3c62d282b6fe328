"""What the loaders check before a file becomes documents: is it text at all, is it empty, what was skipped.

A file named ``.txt`` may be an ELF binary or random bytes; read with ``errors="replace"`` it becomes dozens
of chunks of garbage that outrank real text for unrelated queries. So the first bytes of every text-like file
are looked at: NUL bytes, or a high share of bytes that are neither UTF-8 nor ordinary text controls, mean
binary, and the file is skipped with a warning line that names it. Empty files are skipped and counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger("janagent.index")

# How much of a file's start is sniffed; enough for any text format's header, cheap for any file.
SNIFF_BYTES = 64 * 1024
# Binary when more than this share of the sniffed start is undecodable as UTF-8: random bytes are about 50%,
# while text in a legacy 8-bit encoding stays below it even when dense with accents (French: 2-5%, and a
# line of nothing but accented words 17%).
MAX_UNDECODABLE_SHARE = 0.30
# ...or when more than this share is control characters, which text never has many of (random bytes: 11%).
MAX_CONTROL_SHARE = 0.05
# Controls that occur in real text: tab, newline, vertical tab, form feed, carriage return, escape.
_TEXT_CONTROLS = frozenset("\t\n\v\f\r\x1b")


def binary_reason(head: bytes) -> str | None:
    """Why ``head`` (a file's first bytes) looks binary, or None when it looks like text."""
    if not head:
        return None
    if b"\x00" in head:
        return "binary (NUL bytes in its first bytes)"
    text = head.decode("utf-8", errors="replace")
    if len(head) == SNIFF_BYTES:
        text = text[:-1]  # a multi-byte character cut at the sniff boundary is not a decoding error
    if not text:
        return None
    undecodable = text.count("\ufffd") / len(text)
    if undecodable > MAX_UNDECODABLE_SHARE:
        return f"binary ({undecodable:.0%} of its first bytes are not UTF-8)"
    controls = sum(1 for ch in text if (ch < " " or ch == "\x7f") and ch not in _TEXT_CONTROLS) / len(text)
    if controls > MAX_CONTROL_SHARE:
        return f"binary ({controls:.0%} of its first characters are control characters)"
    return None


def sniff(path: Path) -> str | None:
    """Why ``path`` should not be read as text (binary), or None; an empty file is not binary."""
    with path.open("rb") as handle:
        return binary_reason(handle.read(SNIFF_BYTES))


def _log_warning(line: str) -> None:
    logger.warning("%s", line)


@dataclass
class LoadReport:
    """What loading skipped. ``warn`` gets each line as it happens (default: the ``janagent.index`` logger)."""

    warn: Callable[[str], None] = _log_warning
    skipped: list[tuple[str, str]] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)

    def skip(self, path: Path, reason: str) -> None:
        """A file not indexed, with the reason; warned at once, since it is a file the user named."""
        self.skipped.append((str(path), reason))
        self.warn(f"skipped {path}: {reason}")

    def skip_empty(self, path: Path) -> None:
        """An empty (or blank) file: counted, and summed up in one line at the end (see ``finish``)."""
        self.empty.append(str(path))

    def finish(self) -> None:
        """Warn the count of empty files skipped, naming the first few."""
        if not self.empty:
            return
        shown = ", ".join(self.empty[:3]) + (f" and {len(self.empty) - 3} more" if len(self.empty) > 3 else "")
        noun = "file" if len(self.empty) == 1 else "files"
        self.warn(f"skipped {len(self.empty)} empty {noun}: {shown}")
