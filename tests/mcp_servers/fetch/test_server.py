"""The fetch MCP server, in memory and over stdio with the SDK's own client."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import TextContent

from mcp_servers.fetch.server import build_fetch_server
from tests.fakes import HashingEmbedder
from tests.mcp_servers.fetch.conftest import LocalSite

REPO_ROOT = Path(__file__).resolve().parents[3]
ARTICLE = (
    "<html><head><title>Otters</title></head><body><article><h1>Otters</h1><p>"
    + ("Sea otters hold hands while they sleep so that they do not drift apart. " * 12)
    + "</p></article></body></html>"
)


def _text(result: object) -> str:
    content = result.content  # type: ignore[attr-defined]
    assert isinstance(content[0], TextContent)
    return content[0].text


async def test_the_server_lists_the_fetch_tool_with_its_schema_and_hints() -> None:
    async with Client(build_fetch_server(embedder=HashingEmbedder())) as client:
        tools = (await client.list_tools()).tools
    assert [t.name for t in tools] == ["fetch"]
    tool = tools[0]
    assert set(tool.input_schema["properties"]) == {"url", "query", "start_index", "max_length", "format"}
    assert tool.input_schema["required"] == ["url"]
    assert tool.annotations is not None
    assert tool.annotations.read_only_hint is True and tool.annotations.open_world_hint is True
    assert "start_index" in (tool.description or "")


async def test_calling_fetch_returns_the_page_text(local_site: LocalSite) -> None:
    url = local_site.page("/otters.html", ARTICLE)
    server = build_fetch_server(allow_private_network=True, embedder=HashingEmbedder())
    async with Client(server) as client:
        result = await client.call_tool("fetch", {"url": url, "max_length": 300, "query": "do otters hold hands"})
    assert result.is_error is False
    text = _text(result)
    assert text.startswith(f"Title: Otters\nURL: {url}\n")
    assert "Sea otters hold hands" in text
    assert "call fetch with start_index=" in text


async def test_a_refused_url_is_a_tool_error_with_the_reason(local_site: LocalSite) -> None:
    url = local_site.page("/otters.html", ARTICLE)
    async with Client(build_fetch_server(embedder=HashingEmbedder())) as client:
        result = await client.call_tool("fetch", {"url": url})
    assert result.is_error is True
    # The SDK prefixes "Error executing tool fetch: "; the reason is ours, whole and on one line.
    assert _text(result).endswith(
        "refused: 127.0.0.1 is a loopback address (use --allow-private-network for intranet use)"
    )
    assert local_site.requests == []


async def test_bad_arguments_are_rejected_by_the_schema() -> None:
    async with Client(build_fetch_server(embedder=HashingEmbedder())) as client:
        result = await client.call_tool("fetch", {"url": "https://example.com", "start_index": -5})
    assert result.is_error is True


@pytest.mark.slow
async def test_the_stdio_server_lists_and_calls_fetch(local_site: LocalSite, janagent_home: Path) -> None:
    url = local_site.page("/otters.html", ARTICLE)
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_servers.fetch", "--allow-private-network"],
        env={"JANAGENT_HOME": str(janagent_home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)},
    )
    async with Client(params, read_timeout_seconds=60) as client:
        tools = (await client.list_tools()).tools
        result = await client.call_tool("fetch", {"url": url})
    assert [t.name for t in tools] == ["fetch"]
    assert result.is_error is False
    assert "Sea otters hold hands" in _text(result)
