"""The Serper backend against recorded-shape google.serper.dev responses."""

from __future__ import annotations

import json

import httpx
import pytest

from mcp_servers.search.backends import SearchError, SerperBackend
from tests.mcp_servers.search.doubles import fixture_text, mock_client, respond


async def test_search_sends_the_key_and_puts_the_answer_box_first() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text=fixture_text("serper_search.json"))

    async with mock_client(handler) as client:
        hits = await SerperBackend(client, api_key="secret-key").search("who painted la grande jatte", k=5)

    assert seen[0].method == "POST" and str(seen[0].url) == "https://google.serper.dev/search"
    assert seen[0].headers["X-API-KEY"] == "secret-key"
    assert json.loads(seen[0].content) == {"q": "who painted la grande jatte", "num": 5}
    assert hits[0].title == "A Sunday Afternoon on the Island of La Grande Jatte / Artist"
    assert hits[0].snippet == "Georges Seurat"
    assert hits[1].url == "https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte"
    assert len(hits) == 3
    assert {hit.source for hit in hits} == {"serper"}


async def test_search_returns_no_more_than_k_hits() -> None:
    async with mock_client(respond(text=fixture_text("serper_search.json"))) as client:
        hits = await SerperBackend(client, api_key="k").search("seurat", k=2)
    assert len(hits) == 2


@pytest.mark.parametrize("status", [401, 403])
async def test_a_rejected_key_says_to_check_the_key(status: int) -> None:
    async with mock_client(respond(status, text='{"message": "Unauthorized.", "statusCode": 403}')) as client:
        with pytest.raises(SearchError, match=rf"serper rejected SERPER_API_KEY \(HTTP {status}\); check the key"):
            await SerperBackend(client, api_key="bad").search("seurat", k=5)


async def test_empty_organic_results_ask_for_other_words() -> None:
    async with mock_client(respond(text=fixture_text("serper_empty.json"))) as client:
        with pytest.raises(SearchError, match=r"no results for 'xqzvw plorbination' from serper"):
            await SerperBackend(client, api_key="k").search("xqzvw plorbination", k=5)
