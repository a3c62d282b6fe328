"""SearXNG, the self-hosted metasearch engine: keyless, set ``SEARXNG_URL`` to its base URL."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from mcp_servers.search.backends.base import SearchError, clean_text, json_body, no_results, send
from mcp_servers.types import SearchHit


@dataclass
class SearxngBackend:
    """Search through a SearXNG instance's JSON API (``/search?format=json``)."""

    client: httpx.AsyncClient
    base_url: str
    name: str = "searxng"

    async def search(self, query: str, k: int) -> list[SearchHit]:
        """Return the instance's merged results; its own scores are kept."""
        url = self.base_url.rstrip("/") + "/search"
        # SearXNG answers 403 when the JSON format is not enabled: the fix is on the server, so say where.
        hints = {403: "searxng refused format=json (HTTP 403); enable json under search.formats in its settings.yml"}
        response = await send(
            self.name, self.client, "GET", url, params={"q": query, "format": "json", "pageno": 1}, status_hints=hints
        )
        body = json_body(self.name, response)
        results = body.get("results")
        if not isinstance(results, list):
            raise SearchError("search backend searxng sent an unexpected response; use another source")
        hits = [
            SearchHit(
                title=clean_text(str(item.get("title") or item["url"])),
                url=item["url"],
                snippet=clean_text(str(item.get("content") or "")),
                score=round(float(item.get("score") or 0.0), 4),
                source=self.name,
            )
            for item in results
            if isinstance(item, dict) and item.get("url")
        ][:k]
        if not hits:
            unresponsive = body.get("unresponsive_engines") or []
            if unresponsive:
                engines = ", ".join(f"{e[0]}: {e[1]}" for e in unresponsive if isinstance(e, list) and len(e) >= 2)
                raise SearchError(f"searxng engines did not answer ({engines}); wait or use another source")
            suggestions = [*(body.get("corrections") or []), *(body.get("suggestions") or [])]
            raise no_results(query, self.name, str(suggestions[0]) if suggestions else None)
        return hits
