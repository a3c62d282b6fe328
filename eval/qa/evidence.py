"""Evidence recall: did a gold paragraph (or, for SimpleQA, a gold article) reach the model in a tool result?

Only what the model saw counts: the text of each successful tool result after the loop's cap, not the full
result. A result names its documents the way the search tool writes them (``N. Title`` then ``url: ...`` or
``doc: ...``); any other reference in it (``doc_id: x``, a URL, the URL a fetch was given) counts too.
HotpotQA and SQuAD paragraphs are matched by document id; SimpleQA's gold articles (English Wikipedia URLs)
by URL or by article title, because a local Wikipedia copy (Simple English, say) has other URLs for them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from agent.sources import passages_from_result
from mcp_servers.index.store import reference_key

_NUMBERED_TITLE = re.compile(r"^\s*\d+\.\s+(.+?)\s*$", re.MULTILINE)
_REFERENCE_LINE = re.compile(r"^\s*(?:url|doc)\s*:\s*(\S+)\s*$", re.MULTILINE | re.IGNORECASE)


@dataclass
class SeenEvidence:
    """The references and titles that reached the model in one run."""

    references: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)

    def add_result(self, text: str, arguments: Mapping[str, Any] | None = None) -> None:
        self.references.update(match.group(1) for match in _REFERENCE_LINE.finditer(text))
        self.references.update(passage.ref for passage in passages_from_result(text, None, arguments))
        self.titles.update(normalize_title(match.group(1)) for match in _NUMBERED_TITLE.finditer(text))


def seen_evidence(tool_results: Iterable[Mapping[str, Any]]) -> SeenEvidence:
    """What the successful tool results of a run showed the model."""
    seen = SeenEvidence()
    for result in tool_results:
        if not result.get("is_error"):
            seen.add_result(str(result.get("text") or ""), result.get("arguments") or {})
    return seen


def normalize_title(title: str) -> str:
    """A title compared across copies of Wikipedia: unquoted, underscores as spaces, case-folded."""
    return " ".join(unquote(title).replace("_", " ").split()).casefold()


def title_of_url(url: str) -> str | None:
    """The article title of a ``.../wiki/Title`` URL (None for other URLs)."""
    parts = urlsplit(url)
    if "/wiki/" not in parts.path:
        return None
    return normalize_title(parts.path.split("/wiki/", 1)[1])


def evidence_hits(seen: SeenEvidence, evidence_ids: Iterable[str], urls: Iterable[str]) -> tuple[int, int]:
    """(gold items that reached the model, gold items): paragraphs by id, articles by URL or title."""
    ids = list(dict.fromkeys(evidence_ids))
    found = sum(1 for doc_id in ids if doc_id in seen.references)
    seen_urls = {reference_key(ref) for ref in seen.references if ref.startswith(("http://", "https://"))}
    articles = list(dict.fromkeys(urls))
    for url in articles:
        title = title_of_url(url)
        if reference_key(url) in seen_urls or (title is not None and title in seen.titles):
            found += 1
    return found, len(ids) + len(articles)
