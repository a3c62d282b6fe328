"""The Wikipedia backend against recorded-shape MediaWiki ``list=search`` responses."""

from __future__ import annotations

import httpx
import pytest

from mcp_servers.search.backends import SearchError, WikipediaBackend
from tests.mcp_servers.search.doubles import fixture_text, mock_client, respond


async def test_search_turns_articles_into_hits_with_clean_snippets_and_article_urls() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text=fixture_text("wikipedia_search.json"))

    async with mock_client(handler) as client:
        hits = await WikipediaBackend(client).search("pointillist painting seine island", k=3)

    assert [hit.title for hit in hits] == [
        "A Sunday Afternoon on the Island of La Grande Jatte",
        "Georges Seurat",
        "Île de la Jatte",
    ]
    assert hits[0].url == "https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte"
    assert hits[2].url == "https://en.wikipedia.org/wiki/%C3%8Ele_de_la_Jatte"
    assert "<span" not in hits[0].snippet and "l'Île" in hits[0].snippet
    assert "is a pointillist painting by Georges Seurat" in hits[0].snippet
    assert "Seine & its banks" in hits[2].snippet
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert {hit.source for hit in hits} == {"wikipedia"}
    params = seen[0].url.params
    assert seen[0].url.host == "en.wikipedia.org"
    assert (params["action"], params["list"], params["format"]) == ("query", "search", "json")
    assert (params["srsearch"], params["srlimit"]) == ("pointillist painting seine island", "3")
    assert seen[0].headers["User-Agent"].startswith("janagent/")


async def test_search_returns_no_more_than_k_hits() -> None:
    async with mock_client(respond(text=fixture_text("wikipedia_search.json"))) as client:
        hits = await WikipediaBackend(client).search("seurat", k=2)
    assert len(hits) == 2


async def test_search_asks_the_configured_language_edition() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        return httpx.Response(200, text=fixture_text("wikipedia_search.json"))

    async with mock_client(handler) as client:
        hits = await WikipediaBackend(client, lang="fr").search("Seurat", k=1)
    assert hosts == ["fr.wikipedia.org"]
    assert hits[0].url is not None and hits[0].url.startswith("https://fr.wikipedia.org/wiki/")


async def test_empty_results_suggest_the_spelling_wikipedia_offers() -> None:
    async with mock_client(respond(text=fixture_text("wikipedia_empty.json"))) as client:
        with pytest.raises(
            SearchError, match=r"no results for 'pointilist paintng' from wikipedia; try 'pointillist painting'"
        ):
            await WikipediaBackend(client).search("pointilist paintng", k=5)


async def test_an_api_error_object_is_reported_with_its_text() -> None:
    async with mock_client(respond(text=fixture_text("wikipedia_error.json"))) as client:
        with pytest.raises(SearchError, match=r"wikipedia rejected the search: The \"srsearch\" parameter must be set"):
            await WikipediaBackend(client).search("x", k=5)


async def test_json_without_a_search_list_is_an_unexpected_response() -> None:
    async with mock_client(respond(text='{"batchcomplete": true}')) as client:
        with pytest.raises(SearchError, match="unexpected response"):
            await WikipediaBackend(client).search("x", k=5)
