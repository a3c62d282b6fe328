"""``python -m mcp_servers.search``: one real subprocess over stdio, searching a real local index and a loopback SearXNG."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import TextContent

from mcp_servers.search.__main__ import main
from tests.mcp_servers.search.doubles import fixture_text

REPO = Path(__file__).resolve().parents[3]


class _SearxngHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = fixture_text("searxng_search.json").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def searxng_url() -> Iterator[str]:
    """A SearXNG stand-in on a loopback port, serving the recorded JSON response."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SearxngHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def server_params(*args: str, **env: str) -> StdioServerParameters:
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_servers.search", *args],
        env={"JANAGENT_HOME": os.environ["JANAGENT_HOME"], "HF_HUB_OFFLINE": "1", **env},
        cwd=REPO,
    )


@pytest.mark.slow
async def test_the_stdio_server_answers_tools_list_and_tools_call(
    demo_index: str, searxng_url: str, tmp_path: Path
) -> None:
    env = {"JANAGENT_EMBED_MODEL": os.environ["JANAGENT_EMBED_MODEL"], "SEARXNG_URL": searxng_url}
    with (tmp_path / "stderr.log").open("w") as errlog:
        params = server_params("--index", demo_index, **env)
        with anyio.fail_after(60):
            async with Client(stdio_client(params, errlog=errlog)) as client:
                tools = (await client.list_tools()).tools
                local = await client.call_tool("search", {"query": "pointillist painting of an island in the Seine"})
                web = await client.call_tool("search", {"query": "pointillist painting", "k": 2, "source": "searxng"})
                failed = await client.call_tool("search", {"query": "seurat", "source": "serper"})

    assert [tool.name for tool in tools] == ["search"]
    assert tools[0].input_schema["properties"]["source"]["default"] == "local"
    assert not local.is_error, local.content
    assert isinstance(local.content[0], TextContent)
    assert "1. A Sunday Afternoon on the Island of La Grande Jatte\n   doc: seurat-jatte" in local.content[0].text
    assert not web.is_error and isinstance(web.content[0], TextContent)
    assert "1. A Sunday Afternoon on the Island of La Grande Jatte - Wikipedia" in web.content[0].text
    assert web.structured_content is not None and len(web.structured_content["hits"]) == 2
    assert failed.is_error
    assert isinstance(failed.content[0], TextContent) and "SERPER_API_KEY is not set" in failed.content[0].text


def test_a_bad_default_source_in_the_environment_is_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JANAGENT_SEARCH_SOURCE", "bing")
    with pytest.raises(SystemExit) as exited:
        main([])
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert captured.out == ""
    assert captured.err.strip() == (
        "error: unknown search source 'bing'; use one of: local, wikipedia, searxng, duckduckgo, serper"
    )
