"""The search server in memory, through the MCP SDK's client: the tool's schema, results and errors."""

from __future__ import annotations

import anyio
import httpx
import pytest
from mcp import Client
from mcp.types import TextContent

from mcp_servers.index.snippets import SNIPPET_CHARS
from mcp_servers.search.backends.base import make_http_client
from mcp_servers.search.server import (
    SearchResults,
    _HttpClientHolder,
    build_search_server,
    choose_default_source,
)
from tests.mcp_servers.search.doubles import (
    FakeIndex,
    Handler,
    demo_docs,
    fixture_text,
    mock_client,
    refuse_connection,
    respond,
)


def text_of(result: object) -> str:
    content = getattr(result, "content")  # noqa: B009 - CallToolResult, typed loosely by the client
    assert isinstance(content[0], TextContent)
    return content[0].text


async def test_the_server_lists_one_search_tool_with_a_described_bounded_schema() -> None:
    server = build_search_server(local_index=FakeIndex(demo_docs()))
    async with Client(server) as client:
        tools = (await client.list_tools()).tools

    assert [tool.name for tool in tools] == ["search"]
    tool = tools[0]
    props = tool.input_schema["properties"]
    assert tool.input_schema["required"] == ["query"]
    assert all(props[name]["description"] for name in ("query", "k", "source"))
    assert (props["k"]["minimum"], props["k"]["maximum"], props["k"]["default"]) == (1, 20, 5)
    assert props["query"]["minLength"] == 1
    assert props["source"]["enum"] == ["local", "wikipedia", "searxng", "duckduckgo", "serper"]
    assert props["source"]["default"] == "local"
    assert tool.annotations is not None
    assert (tool.annotations.read_only_hint, tool.annotations.open_world_hint) == (True, True)
    assert tool.description is not None and "fetch" in tool.description and "url" in tool.description
    assert tool.output_schema is not None and "hits" in tool.output_schema["properties"]


async def test_a_local_search_returns_numbered_text_and_structured_hits() -> None:
    index = FakeIndex(demo_docs())
    async with Client(build_search_server(local_index=index)) as client:
        result = await client.call_tool("search", {"query": "pointillist painting island", "k": 2})

    assert not result.is_error
    text = text_of(result)
    assert text.startswith('Results for "pointillist painting island" from local:')
    assert "1. A Sunday Afternoon on the Island of La Grande Jatte\n   doc: seurat-jatte\n" in text
    assert "score: 3.000" in text
    structured = SearchResults.model_validate(result.structured_content)
    assert structured.source == "local"
    assert [hit.doc_id for hit in structured.hits] == ["seurat-jatte"]
    assert index.calls == [("pointillist painting island", 2)]


async def test_long_snippets_are_trimmed_for_a_small_model() -> None:
    async with Client(build_search_server(local_index=FakeIndex(demo_docs()))) as client:
        result = await client.call_tool("search", {"query": "zebra"})
    structured = SearchResults.model_validate(result.structured_content)
    assert len(structured.hits[0].snippet) <= SNIPPET_CHARS + 2
    assert structured.hits[0].snippet.endswith("…")
    assert "url: https://example.org/long" in text_of(result)


async def test_a_web_search_gives_urls_and_tells_the_model_to_fetch_them() -> None:
    http = mock_client(respond(text=fixture_text("wikipedia_search.json")))
    async with http, Client(build_search_server(http_client=http)) as client:
        result = await client.call_tool("search", {"query": "pointillist painting", "source": "wikipedia"})

    assert not result.is_error
    text = text_of(result)
    assert "url: https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte" in text
    assert text.endswith("To read a page, call fetch with its url.")


async def test_the_default_source_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_SEARCH_SOURCE", "wikipedia")
    http = mock_client(respond(text=fixture_text("wikipedia_search.json")))
    async with http, Client(build_search_server(http_client=http)) as client:
        tool = (await client.list_tools()).tools[0]
        result = await client.call_tool("search", {"query": "seurat"})
    assert tool.input_schema["properties"]["source"]["default"] == "wikipedia"
    assert SearchResults.model_validate(result.structured_content).source == "wikipedia"


async def test_an_explicit_default_source_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_SEARCH_SOURCE", "wikipedia")
    assert choose_default_source("DuckDuckGo") == "duckduckgo"
    assert choose_default_source(None) == "wikipedia"


def test_an_unknown_default_source_is_refused_when_building() -> None:
    with pytest.raises(ValueError, match=r"unknown search source 'bing'; use one of: local, wikipedia"):
        build_search_server(default_source="bing")


async def call_expecting_error(arguments: dict[str, object], handler: Handler | None = None) -> str:
    http = mock_client(handler or respond())
    async with http, Client(build_search_server(http_client=http, local_index=FakeIndex(demo_docs()))) as client:
        result = await client.call_tool("search", arguments)
    assert result.is_error
    return text_of(result)


async def test_no_local_results_come_back_as_an_error_asking_for_other_words() -> None:
    text = await call_expecting_error({"query": "quantum chromodynamics"})
    assert "no results for 'quantum chromodynamics' from local; try fewer or different words" in text


async def test_an_unknown_source_comes_back_as_an_error_listing_valid_sources() -> None:
    text = await call_expecting_error({"query": "seurat", "source": "google"})
    assert "unknown source 'google'; use one of: local, wikipedia, searxng, duckduckgo, serper" in text


async def test_an_unreachable_backend_comes_back_as_an_error_suggesting_local() -> None:
    text = await call_expecting_error({"query": "seurat", "source": "wikipedia"}, refuse_connection)
    assert "search backend wikipedia unreachable" in text and "try source=local" in text


async def test_a_rate_limit_comes_back_as_an_error_saying_to_wait() -> None:
    text = await call_expecting_error({"query": "seurat", "source": "duckduckgo"}, respond(429))
    assert "rate limited by duckduckgo; wait or use another source" in text


async def test_a_missing_key_comes_back_as_an_error_naming_it() -> None:
    text = await call_expecting_error({"query": "seurat", "source": "serper"})
    assert "SERPER_API_KEY is not set" in text


async def test_k_out_of_bounds_is_rejected_as_an_argument_error() -> None:
    text = await call_expecting_error({"query": "seurat", "k": 50})
    assert "less than or equal to 20" in text


async def test_a_blank_query_is_rejected() -> None:
    text = await call_expecting_error({"query": "   "})
    assert "the query is empty" in text


async def test_a_web_search_that_never_answers_is_abandoned_at_the_deadline() -> None:
    async def never_answers(request: httpx.Request) -> httpx.Response:
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    http = httpx.AsyncClient(transport=httpx.MockTransport(never_answers))
    async with http, Client(build_search_server(http_client=http, web_deadline_s=0.05)) as client:
        with anyio.fail_after(10):
            result = await client.call_tool("search", {"query": "seurat", "source": "wikipedia"})
    assert result.is_error
    assert "search backend wikipedia timed out after 0.05 s; try source=local" in text_of(result)


async def test_the_servers_own_http_client_has_bounded_timeouts() -> None:
    async with make_http_client() as client:
        assert client.timeout.connect == 5.0 and client.timeout.read == 10.0
        assert client.headers["User-Agent"].startswith("janagent/")


async def test_an_owned_http_client_is_closed_when_the_last_session_ends() -> None:
    holder = _HttpClientHolder(None)
    server = build_search_server()
    async with holder.lifespan(server), holder.lifespan(server):
        client = holder.get()
        assert holder.get() is client
    assert client.is_closed


async def test_a_given_http_client_is_left_open() -> None:
    async with httpx.AsyncClient() as given:
        holder = _HttpClientHolder(given)
        async with holder.lifespan(build_search_server()):
            assert holder.get() is given
        assert not given.is_closed
