"""The DuckDuckGo backend against recorded-shape pages of the html.duckduckgo.com form."""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
import pytest

from mcp_servers.search.backends import DuckDuckGoBackend, SearchError
from mcp_servers.search.backends.duckduckgo import parse_results, result_url
from tests.mcp_servers.search.doubles import fixture_text, mock_client, respond


def html(status: int, name: str) -> httpx.Response:
    return httpx.Response(status, text=fixture_text(name), headers={"Content-Type": "text/html; charset=UTF-8"})


async def test_search_posts_the_form_and_returns_organic_results_without_ads() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return html(200, "duckduckgo_results.html")

    async with mock_client(handler) as client:
        hits = await DuckDuckGoBackend(client).search("pointillist painting seine island", k=5)

    assert seen[0].method == "POST" and str(seen[0].url) == "https://html.duckduckgo.com/html/"
    assert parse_qs(seen[0].content.decode())["q"] == ["pointillist painting seine island"]
    assert [hit.url for hit in hits] == [
        "https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte",
        "https://www.artic.edu/artworks/27992/a-sunday-on-la-grande-jatte-1884",
        "https://en.wikipedia.org/wiki/Pointillism",
    ]
    assert hits[0].title == "A Sunday Afternoon on the Island of La Grande Jatte - Wikipedia"
    assert hits[0].snippet == (
        "A Sunday Afternoon on the Island of La Grande Jatte is a pointillist painting by Georges Seurat "
        "& his most famous work."
    )
    assert [hit.score for hit in hits] == [1.0, 0.5, 0.3333]


async def test_search_returns_no_more_than_k_hits() -> None:
    async with mock_client(respond(text=fixture_text("duckduckgo_results.html"), content_type="text/html")) as client:
        hits = await DuckDuckGoBackend(client).search("seurat", k=1)
    assert len(hits) == 1


async def test_a_challenge_page_is_reported_as_a_rate_limit() -> None:
    async with mock_client(lambda request: html(202, "duckduckgo_challenge.html")) as client:
        with pytest.raises(SearchError, match=r"^rate limited by duckduckgo; wait or use another source$"):
            await DuckDuckGoBackend(client).search("seurat", k=5)


async def test_a_page_without_results_asks_for_other_words() -> None:
    async with mock_client(lambda request: html(200, "duckduckgo_no_results.html")) as client:
        with pytest.raises(SearchError, match=r"no results for 'xqzvw plorbination' from duckduckgo"):
            await DuckDuckGoBackend(client).search("xqzvw plorbination", k=5)


def test_result_links_are_unwrapped_from_the_redirect() -> None:
    assert (
        result_url("//duckduckgo.com/l/?uddg=https%3A%2F%2Fa.example%2Fx%3Fy%3D1&rut=abc") == "https://a.example/x?y=1"
    )
    assert result_url("https://b.example/page") == "https://b.example/page"
    assert result_url("//c.example/page") == "https://c.example/page"


def test_unrelated_markup_yields_no_results() -> None:
    assert parse_results("<html><body><p>Not a results page</p><a class='result__a' href='x'>t</a></body></html>") == []
