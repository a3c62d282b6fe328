"""DuckDuckGo through its keyless HTML endpoint (the form at html.duckduckgo.com/html), parsed with the stdlib."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import httpx

from mcp_servers.search.backends.base import SearchError, clean_text, no_results, rank_score, send
from mcp_servers.types import SearchHit

HTML_ENDPOINT = "https://html.duckduckgo.com/html/"
# DuckDuckGo answers bots it wants to slow down with HTTP 202 and a challenge page instead of results.
_CHALLENGE_MARKERS = ("anomaly-modal", "bots use DuckDuckGo too")


@dataclass
class _Result:
    is_ad: bool
    href: str = ""
    title: list[str] = field(default_factory=list)
    snippet: list[str] = field(default_factory=list)


class _ResultsParser(HTMLParser):
    """Collects each ``div.result``'s title link (``a.result__a``) and snippet (``.result__snippet``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.results: list[_Result] = []
        # While inside a title or snippet element: which list receives text, its tag, and how deep we are in it.
        self._sink: list[str] | None = None
        self._sink_tag = ""
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._sink is not None:
            self._depth += tag == self._sink_tag
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if tag == "div" and "result" in classes:
            self.results.append(_Result(is_ad="result--ad" in classes))
        elif not self.results:
            return
        elif "result__a" in classes:
            self.results[-1].href = values.get("href") or ""
            self._open(self.results[-1].title, tag)
        elif "result__snippet" in classes:
            self._open(self.results[-1].snippet, tag)

    def _open(self, sink: list[str], tag: str) -> None:
        self._sink, self._sink_tag, self._depth = sink, tag, 1

    def handle_endtag(self, tag: str) -> None:
        if self._sink is not None and tag == self._sink_tag:
            self._depth -= 1
            if self._depth == 0:
                self._sink = None

    def handle_data(self, data: str) -> None:
        if self._sink is not None:
            self._sink.append(data)


def result_url(href: str) -> str:
    """The target of a result link: DuckDuckGo wraps it as ``//duckduckgo.com/l/?uddg=<url>``."""
    parts = urlsplit(href)
    if parts.path.startswith("/l/"):
        target = parse_qs(parts.query).get("uddg")
        if target:
            return target[0]
    if href.startswith("//"):
        return "https:" + href
    return href


def parse_results(page: str) -> list[SearchHit]:
    """Organic results of a DuckDuckGo HTML page, best first (ads are dropped)."""
    parser = _ResultsParser()
    parser.feed(page)
    parser.close()
    hits: list[SearchHit] = []
    for result in parser.results:
        url = result_url(result.href)
        if result.is_ad or not url.startswith(("http://", "https://")):
            continue
        hits.append(
            SearchHit(
                title=clean_text("".join(result.title)) or url,
                url=url,
                snippet=clean_text("".join(result.snippet)),
                score=rank_score(len(hits)),
                source="duckduckgo",
            )
        )
    return hits


@dataclass
class DuckDuckGoBackend:
    """Web search with no key; DuckDuckGo rate-limits heavy use, which the model is told about."""

    client: httpx.AsyncClient
    region: str = "wt-wt"
    name: str = "duckduckgo"

    async def search(self, query: str, k: int) -> list[SearchHit]:
        """Post the search form and parse the result page."""
        response = await send(
            self.name,
            self.client,
            "POST",
            HTML_ENDPOINT,
            data={"q": query, "b": "", "kl": self.region},
            headers={"Referer": "https://html.duckduckgo.com/"},
        )
        page = response.text
        if response.status_code == 202 or any(marker in page for marker in _CHALLENGE_MARKERS):
            raise SearchError(f"rate limited by {self.name}; wait or use another source")
        hits = parse_results(page)[:k]
        if not hits:
            raise no_results(query, self.name)
        return hits
