"""Which documents an answer rests on: references found in tool results, ranked by overlap with the answer.

The rule, in order:
1. Every tool result is split into passages, each with one reference (URL or document id):
   structured results give them directly (any object with ``url`` / ``doc_id`` / ``reference``, whose
   ``title``/``snippet``/``text`` are its passage); plain text is split into blocks (numbered items or
   blank-line separated) and each block's ``https://...`` URL or ``doc_id: X`` line is its reference;
   a call with a ``url`` argument (fetch) makes that URL the reference of the whole result.
2. References the answer quotes verbatim come first.
3. Then references whose passage shares the most content words with the answer (a word of three or more
   letters that is not a stop word, or any number; words the answer only repeats from the question do
   not count), keeping those at least half as good as the best.
4. An answer that shares no word with any passage cites nothing: it did not draw on the tools.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_ID_LINE = re.compile(
    r"^\s*(?:[-*]\s*)?(?:doc[_ ]?id|doc|document id|id|source|ref(?:erence)?)\s*[:=]\s*(\S+)", re.I | re.M
)
_ITEM_START = re.compile(r"^\s*(?:\d+[.)]|\[\d+\]|#{1,6}\s|[-*]\s+\*\*|Title\s*:)", re.I)
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_REF_KEYS = ("url", "doc_id", "reference", "source_url", "link")
_TEXT_KEYS = ("title", "snippet", "text", "content", "summary", "passage")
_STOP_WORDS = frozenset(
    """the and for are was were with that this from has have had his her its their they them not but you your
    our who whom what when where which why how all any can did does done into onto than then there these those
    also been being very more most some such only other about after before over under between again answer
    source sources according based question search result results found""".split()  # noqa: SIM905  # a word list reads better as text
)
MAX_SOURCES = 5


class SourcePassage(BaseModel):
    """A reference and the text that came with it in a tool result."""

    ref: str
    text: str


def passages_from_result(
    text: str, structured: Any = None, arguments: Mapping[str, Any] | None = None
) -> list[SourcePassage]:
    """All passages with a reference in one tool result (see the module docstring for the rule)."""
    found: list[SourcePassage] = []
    url_arg = (arguments or {}).get("url")
    if isinstance(url_arg, str) and url_arg.startswith(("http://", "https://")):
        found.append(SourcePassage(ref=url_arg, text=text))
    if structured is not None:
        found.extend(_from_structured(structured))
    if not any(p.ref != url_arg for p in found):
        found.extend(_from_text(text))
    return _merge(found)


def pick_sources(
    answer: str, passages: Iterable[SourcePassage], *, question: str = "", limit: int = MAX_SOURCES
) -> list[str]:
    """The references an answer drew on, best first (see the module docstring for the rule).

    Words the answer repeats from the question say nothing about where it came from, so they only count
    when the answer has no other words.
    """
    merged = _merge(passages)
    if not answer.strip() or not merged:
        return []
    quoted = [p.ref for p in merged if p.ref in answer]
    answer_words = content_words(answer)
    answer_words = (answer_words - content_words(question)) or answer_words
    scored = [(len(answer_words & content_words(p.text + " " + p.ref)), i, p.ref) for i, p in enumerate(merged)]
    best = max((score for score, _, _ in scored), default=0)
    ranked = [ref for score, _, ref in sorted(scored, key=lambda s: (-s[0], s[1])) if best and score * 2 >= best]
    ordered = list(dict.fromkeys(quoted + ranked))
    return ordered[:limit]


def content_words(text: str) -> set[str]:
    """Lowercase words that carry meaning: three or more letters and not a stop word, or any number."""
    return {
        w for w in (m.lower() for m in _WORD.findall(text)) if w.isdigit() or (len(w) >= 3 and w not in _STOP_WORDS)
    }


def _from_structured(value: Any) -> list[SourcePassage]:
    if isinstance(value, str):
        # MCPServer wraps a plain string return as {"result": "..."}; a JSON string may hide hits too.
        stripped = value.strip()
        if stripped[:1] in "[{":
            try:
                return _from_structured(json.loads(stripped))
            except json.JSONDecodeError:
                return []
        return []
    if isinstance(value, list):
        return [p for item in value for p in _from_structured(item)]
    if not isinstance(value, Mapping):
        return []
    ref = next((value[k] for k in _REF_KEYS if isinstance(value.get(k), str) and value[k]), None)
    if ref is not None:
        text = " ".join(str(value[k]) for k in _TEXT_KEYS if isinstance(value.get(k), str))
        return [SourcePassage(ref=ref, text=text)]
    return [p for item in value.values() for p in _from_structured(item)]


def _from_text(text: str) -> list[SourcePassage]:
    return [SourcePassage(ref=ref, text=block) for ref, block in result_items(text) if ref is not None]


def result_items(text: str) -> list[tuple[str | None, str]]:
    """A result's items in order, each with its first reference (None for a header or a trailer line)."""
    items: list[tuple[str | None, str]] = []
    for block in _blocks(text):
        refs = [m.rstrip(".,;:") for m in _URL.findall(block)] or _ID_LINE.findall(block)
        items.append((refs[0] if refs else None, block))
    return items


def new_items_only(text: str, seen: set[str], limit: int) -> str:
    """``text`` with only its first ``limit`` items whose reference is not in ``seen`` (and the header before
    them); "" when it has none: what a later search adds to earlier ones, without their hits again."""
    items = result_items(text)
    fresh = [block for ref, block in items if ref is not None and ref not in seen][:limit]
    if not fresh:
        return ""
    first_ref = next(i for i, (ref, _) in enumerate(items) if ref is not None)
    header = [block for ref, block in items[:first_ref]]
    return "\n\n".join([*header, *fresh])


def _blocks(text: str) -> list[str]:
    """Split a result into items: a new item starts at a numbered/titled line or after a blank line."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.strip() or (_ITEM_START.match(line) and blocks[-1]):
            blocks.append([])
        if line.strip():
            blocks[-1].append(line)
    return ["\n".join(b) for b in blocks if b]


def _merge(passages: Iterable[SourcePassage]) -> list[SourcePassage]:
    """One passage per reference, in first-seen order, texts joined."""
    by_ref: dict[str, list[str]] = {}
    for p in passages:
        by_ref.setdefault(p.ref, []).append(p.text)
    return [SourcePassage(ref=ref, text="\n".join(texts)) for ref, texts in by_ref.items()]
