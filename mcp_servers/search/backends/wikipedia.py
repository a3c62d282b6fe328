"""Wikipedia's own search (the MediaWiki ``list=search`` API): keyless, reliable, good for factual questions."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import httpx

from mcp_servers.search.backends.base import SearchError, clean_text, json_body, no_results, rank_score, send
from mcp_servers.types import SearchHit


@dataclass
class WikipediaBackend:
    """Full-text search over one language edition of Wikipedia."""

    client: httpx.AsyncClient
    lang: str = "en"
    name: str = "wikipedia"

    @property
    def api_url(self) -> str:
        return f"https://{self.lang}.wikipedia.org/w/api.php"

    def page_url(self, title: str) -> str:
        """The article URL that fetch can open: spaces become underscores, the rest is percent-encoded."""
        return f"https://{self.lang}.wikipedia.org/wiki/{quote(title.replace(' ', '_'), safe=':/(),')}"

    async def search(self, query: str, k: int) -> list[SearchHit]:
        """Search article text; snippets come back with the matched words marked up, so they are cleaned."""
        params: dict[str, str | int] = {
            "action": "query",
            "list": "search",
            "srsearch": query,
            "srlimit": k,
            "srprop": "snippet",
            "srinfo": "suggestion",
            "format": "json",
            "formatversion": 2,
        }
        body = json_body(self.name, await send(self.name, self.client, "GET", self.api_url, params=params))
        if isinstance(body.get("error"), dict):
            # MediaWiki reports bad requests with HTTP 200 and an error object.
            info = body["error"].get("info") or body["error"].get("code") or "unknown error"
            raise SearchError(f"wikipedia rejected the search: {info}; rephrase the query")
        result = body.get("query")
        if not isinstance(result, dict) or not isinstance(result.get("search"), list):
            raise SearchError("search backend wikipedia sent an unexpected response; use another source")
        hits = [
            SearchHit(
                title=item["title"],
                url=self.page_url(item["title"]),
                snippet=clean_text(item.get("snippet") or ""),
                score=rank_score(rank),
                source=self.name,
            )
            for rank, item in enumerate(result["search"][:k])
            if isinstance(item, dict) and item.get("title")
        ]
        if not hits:
            suggestion = (result.get("searchinfo") or {}).get("suggestion")
            raise no_results(query, self.name, suggestion)
        return hits
