"""Google results through Serper (google.serper.dev): needs ``SERPER_API_KEY``; what Jan-nano was evaluated with."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from mcp_servers.search.backends.base import SearchError, clean_text, json_body, no_results, rank_score, send
from mcp_servers.types import SearchHit

SERPER_URL = "https://google.serper.dev/search"


@dataclass
class SerperBackend:
    """Google web search; the answer box, when Google shows one, comes first."""

    client: httpx.AsyncClient
    api_key: str
    name: str = "serper"

    async def search(self, query: str, k: int) -> list[SearchHit]:
        """Post the query and turn the answer box and organic results into hits."""
        rejected = "serper rejected SERPER_API_KEY (HTTP {}); check the key or use another source"
        response = await send(
            self.name,
            self.client,
            "POST",
            SERPER_URL,
            json={"q": query, "num": k},
            headers={"X-API-KEY": self.api_key},
            status_hints={401: rejected.format(401), 403: rejected.format(403)},
        )
        body = json_body(self.name, response)
        organic = body.get("organic")
        if not isinstance(organic, list):
            raise SearchError("search backend serper sent an unexpected response; use another source")
        items: list[dict[str, Any]] = [item for item in organic if isinstance(item, dict) and item.get("link")]
        answer = body.get("answerBox")
        if isinstance(answer, dict) and (answer.get("answer") or answer.get("snippet")):
            # The answer box is Google's extracted answer: the most useful line for a short factual question.
            text = " ".join(str(answer[key]) for key in ("answer", "snippet") if answer.get(key))
            items.insert(0, {"title": answer.get("title") or "Answer", "link": answer.get("link"), "snippet": text})
        hits = [
            SearchHit(
                title=clean_text(str(item.get("title") or item.get("link") or "Answer")),
                url=item.get("link"),
                snippet=clean_text(str(item.get("snippet") or "")),
                score=rank_score(rank),
                source=self.name,
            )
            for rank, item in enumerate(items[:k])
        ]
        if not hits:
            raise no_results(query, self.name)
        return hits
