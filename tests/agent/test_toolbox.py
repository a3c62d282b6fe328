"""The MCP client side: in-memory, stdio and streamable HTTP servers; failures become tool errors."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
import uvicorn

from agent.toolbox import open_toolbox
from tests.agent.toy_servers import build_toy_server

STDIO_TOY = {"command": sys.executable, "args": ["-m", "tests.agent.toy_servers"]}


async def test_tools_of_every_server_are_offered_and_clashing_names_get_the_server_prefix() -> None:
    servers = {"first": build_toy_server("a"), "second-one": build_toy_server("b")}
    async with open_toolbox(servers=servers) as toolbox:
        names = toolbox.tool_names
        assert names == [
            *["search", "fetch", "fail", "hang", "meet"],
            *["second-one_search", "second-one_fetch", "second-one_fail", "second-one_hang", "second-one_meet"],
        ]
        assert toolbox.server_of("search") == "first"
        assert toolbox.server_of("second-one_search") == "second-one"
        result = await toolbox.call("second-one_search", {"query": "seurat", "k": 1})
    assert not result.is_error
    assert result.sources == ["https://en.wikipedia.org/wiki/Georges_Seurat"]


async def test_a_call_past_its_timeout_is_a_tool_error() -> None:
    async with open_toolbox(servers={"toy": build_toy_server()}, timeout_s=0.2) as toolbox:
        result = await toolbox.call("hang", {})
        after = await toolbox.call("search", {"query": "still works"})
    assert result.is_error
    assert result.text == "Error: hang timed out after 0.2 s."
    assert not after.is_error


async def test_an_unknown_tool_is_a_tool_error_naming_the_available_ones() -> None:
    async with open_toolbox(servers={"toy": build_toy_server()}) as toolbox:
        result = await toolbox.call("nope", {})
    assert result.is_error
    assert result.text.startswith("Error: unknown tool 'nope'. Available tools: search, fetch")


async def test_a_fetch_result_cites_the_fetched_url() -> None:
    async with open_toolbox(servers={"toy": build_toy_server()}) as toolbox:
        result = await toolbox.call("fetch", {"url": "https://example.org/page", "length": 3})
    assert result.sources == ["https://example.org/page"]


@pytest.mark.slow
async def test_a_stdio_server_works_and_when_it_dies_its_calls_become_errors(tmp_path: Path) -> None:
    servers: dict[str, Any] = {
        "toy": STDIO_TOY,
        "missing": {"command": str(tmp_path / "no-such-program")},
        "crashing": {"command": sys.executable, "args": ["-c", "import sys; print('bad config', file=sys.stderr)"]},
    }
    async with open_toolbox(servers=servers, timeout_s=20, log_dir=tmp_path) as toolbox:
        assert set(toolbox.failed) == {"missing", "crashing"}
        assert "bad config" in toolbox.failed["crashing"]  # the last line of its stderr says why
        assert toolbox.servers == ["toy"]
        ok = await toolbox.call("search", {"query": "seurat", "k": 1})
        died = await toolbox.call("die", {})
        after = await toolbox.call("search", {"query": "seurat"})
    assert not ok.is_error and ok.sources == ["https://en.wikipedia.org/wiki/Georges_Seurat"]
    assert died.is_error and "'toy' server stopped responding" in died.text
    assert after.is_error and "'toy' server is not running" in after.text


@pytest.mark.slow
async def test_a_stdio_server_sees_janagent_home_but_not_the_api_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JANAGENT_API_KEY", "sk-secret")
    script = (
        "import os, sys; print(os.environ.get('JANAGENT_HOME'), os.environ.get('JANAGENT_API_KEY'), file=sys.stderr)"
    )
    servers = {"env": {"command": sys.executable, "args": ["-c", script]}}
    async with open_toolbox(servers=servers, log_dir=tmp_path) as toolbox:
        reason = toolbox.failed["env"]
    assert f"{os.environ['JANAGENT_HOME']} None" in reason


class _RecordHeaders:
    """ASGI middleware that remembers the Authorization header of each request."""

    def __init__(self, app: Any, seen: list[str]) -> None:
        self.app, self.seen = app, seen

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append(dict(scope["headers"]).get(b"authorization", b"").decode())
        await self.app(scope, receive, send)


@asynccontextmanager
async def http_toy_server(seen_headers: list[str]) -> AsyncIterator[str]:
    """The toy server over streamable HTTP on a loopback port of our own, for the duration of the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # connections queue up until uvicorn accepts them: no need to wait for it to start
    port = sock.getsockname()[1]
    app = _RecordHeaders(build_toy_server("toy-http").streamable_http_app(), seen_headers)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: server.serve(sockets=[sock]))
        try:
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            server.should_exit = True
    sock.close()


async def test_a_streamable_http_server_works_with_the_configured_headers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOY_TOKEN", "t0k3n")
    seen: list[str] = []
    async with http_toy_server(seen) as url:
        servers = {"web": {"url": url, "headers": {"Authorization": "Bearer ${TOY_TOKEN}"}}}
        async with open_toolbox(servers=servers, timeout_s=10) as toolbox:
            assert toolbox.failed == {}
            result = await toolbox.call("search", {"query": "seurat", "k": 1})
    assert not result.is_error
    assert result.sources == ["https://en.wikipedia.org/wiki/Georges_Seurat"]
    assert seen and set(seen) == {"Bearer t0k3n"}


async def test_an_unreachable_http_server_is_reported_and_left_out() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    servers = {"gone": {"url": f"http://127.0.0.1:{port}/mcp"}, "toy": build_toy_server()}
    async with open_toolbox(servers=servers, timeout_s=5, start_timeout_s=10) as toolbox:
        assert "gone" in toolbox.failed
        assert toolbox.servers == ["toy"]
