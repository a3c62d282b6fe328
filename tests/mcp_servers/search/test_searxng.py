"""The SearXNG backend against recorded-shape ``/search?format=json`` responses."""

from __future__ import annotations

import httpx
import pytest

from mcp_servers.search.backends import SearchError, SearxngBackend
from tests.mcp_servers.search.doubles import fixture_text, mock_client, respond


async def test_search_keeps_searxng_scores_and_cleans_titles_and_snippets() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text=fixture_text("searxng_search.json"))

    async with mock_client(handler) as client:
        hits = await SearxngBackend(client, "http://searx.local:8888/").search("pointillist painting", k=5)

    assert str(seen[0].url.copy_with(query=None)) == "http://searx.local:8888/search"
    assert (seen[0].url.params["q"], seen[0].url.params["format"]) == ("pointillist painting", "json")
    assert [hit.score for hit in hits] == [7.5, 0.5, 0.333]
    assert hits[0].url == "https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte"
    assert hits[0].snippet == (
        "A Sunday Afternoon on the Island of La Grande Jatte is Georges Seurat's most famous work, "
        "a pointillist painting."
    )
    assert hits[2].title == "A Sunday on La Grande Jatte | Description, History, & Facts | Britannica"
    assert hits[2].snippet == ""
    assert {hit.source for hit in hits} == {"searxng"}


async def test_search_keeps_the_base_path_of_an_instance_behind_a_prefix() -> None:
    urls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        urls.append(str(request.url.copy_with(query=None)))
        return httpx.Response(200, text=fixture_text("searxng_search.json"))

    async with mock_client(handler) as client:
        hits = await SearxngBackend(client, "https://example.org/searx").search("seurat", k=1)
    assert urls == ["https://example.org/searx/search"]
    assert len(hits) == 1


async def test_forbidden_json_format_says_how_to_enable_it() -> None:
    async with mock_client(respond(403, text="Forbidden", content_type="text/html")) as client:
        with pytest.raises(SearchError, match=r"enable json under search.formats in its settings.yml"):
            await SearxngBackend(client, "http://searx.local").search("seurat", k=5)


async def test_no_results_because_engines_failed_names_the_engines() -> None:
    async with mock_client(respond(text=fixture_text("searxng_unresponsive.json"))) as client:
        with pytest.raises(SearchError, match=r"engines did not answer \(google: timeout, brave: too many requests\)"):
            await SearxngBackend(client, "http://searx.local").search("pointillist painting", k=5)


async def test_no_results_from_answering_engines_asks_for_other_words() -> None:
    async with mock_client(respond(text=fixture_text("searxng_empty.json"))) as client:
        with pytest.raises(SearchError, match=r"no results for 'xqzvw plorbination' from searxng; try fewer"):
            await SearxngBackend(client, "http://searx.local").search("xqzvw plorbination", k=5)
