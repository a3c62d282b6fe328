"""Failures every web backend shares: rate limits, server errors, unreachable hosts, malformed bodies, config."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from mcp_servers.search.backends import (
    DuckDuckGoBackend,
    SearchBackend,
    SearchError,
    SearxngBackend,
    SerperBackend,
    WikipediaBackend,
    web_backend,
)
from mcp_servers.search.backends.base import clean_text
from tests.mcp_servers.search.doubles import Handler, mock_client, refuse_connection, respond, time_out

Factory = Callable[[httpx.AsyncClient], SearchBackend]

WEB_BACKENDS: dict[str, Factory] = {
    "wikipedia": WikipediaBackend,
    "searxng": lambda client: SearxngBackend(client, "http://searx.local"),
    "duckduckgo": DuckDuckGoBackend,
    "serper": lambda client: SerperBackend(client, api_key="k"),
}
JSON_BACKENDS = ["wikipedia", "searxng", "serper"]


async def search_with(name: str, handler: Handler) -> None:
    async with mock_client(handler) as client:
        await WEB_BACKENDS[name](client).search("seurat", 5)


@pytest.mark.parametrize("name", WEB_BACKENDS)
async def test_http_429_says_the_backend_rate_limited_us(name: str) -> None:
    with pytest.raises(SearchError, match=rf"^rate limited by {name}; wait or use another source$"):
        await search_with(name, respond(429, text="Too Many Requests", content_type="text/plain"))


@pytest.mark.parametrize("name", WEB_BACKENDS)
async def test_http_500_names_the_status_and_suggests_another_source(name: str) -> None:
    with pytest.raises(SearchError, match=rf"search backend {name} failed with HTTP 500; try again later"):
        await search_with(name, respond(500, text="<h1>Internal Server Error</h1>", content_type="text/html"))


@pytest.mark.parametrize("name", WEB_BACKENDS)
async def test_a_refused_connection_says_unreachable_and_suggests_local(name: str) -> None:
    with pytest.raises(
        SearchError, match=rf"search backend {name} unreachable: .*Connection refused; try source=local"
    ):
        await search_with(name, refuse_connection)


@pytest.mark.parametrize("name", WEB_BACKENDS)
async def test_a_timeout_says_timed_out(name: str) -> None:
    with pytest.raises(SearchError, match=rf"search backend {name} timed out \(ReadTimeout\)"):
        await search_with(name, time_out)


@pytest.mark.parametrize("name", JSON_BACKENDS)
async def test_malformed_json_is_reported_not_raised_as_a_crash(name: str) -> None:
    with pytest.raises(SearchError, match=rf"search backend {name} sent a malformed response \(not JSON\)"):
        await search_with(name, respond(200, text='{"query": {"search": [', content_type="application/json"))


@pytest.mark.parametrize("name", JSON_BACKENDS)
async def test_json_that_is_not_an_object_is_an_unexpected_response(name: str) -> None:
    with pytest.raises(SearchError, match=rf"search backend {name} sent an unexpected response"):
        await search_with(name, respond(200, text="[1, 2, 3]"))


async def test_a_callers_own_user_agent_is_kept() -> None:
    agents: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        agents.append(request.headers["User-Agent"])
        return httpx.Response(429)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler), headers={"User-Agent": "mine/1"}) as client:
        with pytest.raises(SearchError):
            await WikipediaBackend(client).search("x", 1)
    assert agents == ["mine/1"]


async def test_searxng_without_its_url_says_to_set_it() -> None:
    async with mock_client(respond()) as client:
        with pytest.raises(SearchError, match=r"^SEARXNG_URL is not set"):
            web_backend("searxng", client)


async def test_serper_without_a_key_says_to_set_it() -> None:
    async with mock_client(respond()) as client:
        with pytest.raises(SearchError, match=r"^SERPER_API_KEY is not set"):
            web_backend("serper", client)


async def test_configured_backends_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEARXNG_URL", "http://searx.local")
    monkeypatch.setenv("SERPER_API_KEY", "key")
    async with mock_client(respond()) as client:
        searxng = web_backend("searxng", client)
        serper = web_backend("serper", client)
    assert isinstance(searxng, SearxngBackend) and searxng.base_url == "http://searx.local"
    assert isinstance(serper, SerperBackend) and serper.api_key == "key"


async def test_an_unknown_source_lists_the_valid_ones() -> None:
    async with mock_client(respond()) as client:
        with pytest.raises(SearchError, match=r"unknown source 'google'; use one of: local, wikipedia, searxng"):
            web_backend("google", client)


def test_clean_text_strips_tags_and_entities_and_collapses_space() -> None:
    assert (
        clean_text('<span class="searchmatch">Seurat</span>&#039;s\n  <b>dots</b> &amp; lines')
        == "Seurat's dots & lines"
    )
