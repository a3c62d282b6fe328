"""Search backends: one module per place to search, all with ``async search(query, k) -> list[SearchHit]``."""

from __future__ import annotations

import os

import httpx

from mcp_servers.search.backends.base import SearchBackend, SearchError
from mcp_servers.search.backends.duckduckgo import DuckDuckGoBackend
from mcp_servers.search.backends.local import LocalBackend
from mcp_servers.search.backends.searxng import SearxngBackend
from mcp_servers.search.backends.serper import SerperBackend
from mcp_servers.search.backends.wikipedia import WikipediaBackend

SOURCES = ("local", "wikipedia", "searxng", "duckduckgo", "serper")
WEB_SOURCES = SOURCES[1:]

__all__ = [
    "SOURCES",
    "WEB_SOURCES",
    "DuckDuckGoBackend",
    "LocalBackend",
    "SearchBackend",
    "SearchError",
    "SearxngBackend",
    "SerperBackend",
    "WikipediaBackend",
    "web_backend",
]


def web_backend(source: str, client: httpx.AsyncClient) -> SearchBackend:
    """The web backend for ``source``, configured from the environment (read per call, so keys can change)."""
    if source == "wikipedia":
        return WikipediaBackend(client, lang=os.environ.get("JANAGENT_WIKIPEDIA_LANG", "en"))
    if source == "duckduckgo":
        return DuckDuckGoBackend(client)
    if source == "searxng":
        base_url = os.environ.get("SEARXNG_URL", "").strip()
        if not base_url:
            raise SearchError("SEARXNG_URL is not set (the base URL of a SearXNG instance); use another source")
        return SearxngBackend(client, base_url)
    if source == "serper":
        api_key = os.environ.get("SERPER_API_KEY", "").strip()
        if not api_key:
            raise SearchError("SERPER_API_KEY is not set; use another source")
        return SerperBackend(client, api_key)
    raise SearchError(f"unknown source '{source}'; use one of: {', '.join(SOURCES)}")
