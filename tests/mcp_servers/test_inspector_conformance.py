"""Conformance with clients we did not write: the MCP Inspector CLI (and the SDK client) over stdio and HTTP.

The Inspector is installed by the README's test command into .ci/node
(`npm install --prefix .ci/node @modelcontextprotocol/inspector@0.15.0`); these tests skip, saying so,
only when it is not there. Both servers run as real subprocesses (`janagent serve ...`) against a small
local index built with a tiny Model2Vec model, and fetch reads a page from a loopback server.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mcp_servers.http_transport import ServerProcess, start_http_server_process

REPO = Path(__file__).resolve().parents[2]
INSPECTOR = REPO / ".ci" / "node" / "node_modules" / ".bin" / "mcp-inspector"
INSPECTOR_TIMEOUT_S = 90
INDEX = "conformance"
PAGE = """<html><head><title>Seurat</title></head><body><article><h1>A Sunday Afternoon</h1>
<p>Georges Seurat painted A Sunday Afternoon on the Island of La Grande Jatte between 1884 and 1886.</p>
<p>The painting shows Parisians relaxing on an island in the Seine, rendered in the pointillist technique.</p>
</article></body></html>"""
DOCS = [
    ("seurat", "A Sunday Afternoon", "Georges Seurat painted a Sunday afternoon on the island of La Grande Jatte in the Seine."),
    ("fox", "The fox", "The quick brown fox jumps over the lazy dog."),
]  # fmt: skip

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not INSPECTOR.exists(),
        reason="MCP Inspector CLI not installed: npm install --prefix .ci/node @modelcontextprotocol/inspector@0.15.0",
    ),
]


def write_tiny_static_model(folder: Path) -> None:
    """A Model2Vec model with a word-level vocabulary of the test documents: loads in milliseconds, offline."""
    from model2vec import StaticModel
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    words = sorted({word for _, title, text in DOCS for word in re.findall(r"\w+", f"{title} {text}".lower())})
    vocab = {"[PAD]": 0, "[UNK]": 1, **{word: number + 2 for number, word in enumerate(words)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    vectors = np.random.default_rng(0).standard_normal((len(vocab), 32)).astype(np.float32)
    StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True).save_pretrained(folder)


class PageHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/seurat.html":
            self.send_error(404)
            return
        body = PAGE.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@dataclass
class World:
    env: dict[str, str]
    page_url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """A JANAGENT_HOME with a small index, the env that points servers at it, and a loopback page server."""
    home = tmp_path_factory.mktemp("conformance_home")
    model = tmp_path_factory.mktemp("tiny_model")
    write_tiny_static_model(model)
    env = {**os.environ, "JANAGENT_HOME": str(home), "JANAGENT_EMBED_MODEL": str(model), "HF_HUB_OFFLINE": "1"}
    with pytest.MonkeyPatch.context() as patch:
        for name in ("JANAGENT_HOME", "JANAGENT_EMBED_MODEL"):
            patch.setenv(name, env[name])
        from mcp_servers.index import open_index
        from mcp_servers.types import Document

        index = open_index(INDEX)
        index.add_documents(
            Document(id=doc_id, title=title, text=text, url=f"https://example.org/{doc_id}")
            for doc_id, title, text in DOCS
        )
    pages = ThreadingHTTPServer(("127.0.0.1", 0), PageHandler)
    thread = threading.Thread(target=pages.serve_forever, daemon=True)
    thread.start()
    try:
        yield World(env=env, page_url=f"http://127.0.0.1:{pages.server_address[1]}/seurat.html")
    finally:
        pages.shutdown()
        pages.server_close()
        thread.join(timeout=10)


def serve_argv(server: str, *extra: str) -> list[str]:
    options = ["--index", INDEX] if server == "search" else ["--allow-private-network"]
    return [sys.executable, "-m", "agent", "serve", server, *options, *extra]


def inspector(target: list[str], *method: str, env: dict[str, str]) -> dict[str, Any]:
    """Run the Inspector CLI once (bounded) and parse the JSON it prints."""
    result = subprocess.run(
        [str(INSPECTOR), "--cli", *target, *method],
        capture_output=True,
        text=True,
        env=env,
        timeout=INSPECTOR_TIMEOUT_S,
    )
    assert result.returncode == 0, f"inspector failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def call_args(server: str, world: World) -> list[str]:
    if server == "search":
        return ["--tool-name", "search", "--tool-arg", "query=island in the Seine", "--tool-arg", "source=local"]
    return ["--tool-name", "fetch", "--tool-arg", f"url={world.page_url}"]


def check_listing(server: str, listing: dict[str, Any]) -> None:
    tools = {tool["name"]: tool for tool in listing["tools"]}
    assert list(tools) == [server]
    tool = tools[server]
    assert len(tool["description"]) > 40  # a description a small model can follow
    assert tool["annotations"]["readOnlyHint"] is True
    assert tool["annotations"]["openWorldHint"] is True
    assert "properties" in tool["inputSchema"]


def check_call(server: str, result: dict[str, Any]) -> None:
    assert result["isError"] is False, result
    text = "\n".join(part["text"] for part in result["content"] if part["type"] == "text")
    assert ("Sunday Afternoon" in text) if server == "search" else ("pointillist" in text), text


@pytest.fixture(scope="module")
def http_servers(world: World) -> Iterator[dict[str, ServerProcess]]:
    started: dict[str, ServerProcess] = {}
    try:
        for server in ("search", "fetch"):
            argv = serve_argv(server, "--transport", "http", "--port", "0")
            started[server] = start_http_server_process(argv, env=world.env, start_timeout_s=60)
        yield started
    finally:
        for process in started.values():
            process.stop()


@pytest.mark.parametrize("server", ["search", "fetch"])
def test_the_inspector_calls_the_server_over_stdio(server: str, world: World) -> None:
    result = inspector(serve_argv(server), "--method", "tools/call", *call_args(server, world), env=world.env)
    check_call(server, result)


@pytest.mark.parametrize("server", ["search", "fetch"])
def test_the_inspector_lists_and_calls_the_server_over_http(
    server: str, world: World, http_servers: dict[str, ServerProcess]
) -> None:
    target = [http_servers[server].url, "--transport", "http"]
    check_listing(server, inspector(target, "--method", "tools/list", env=world.env))
    check_call(server, inspector(target, "--method", "tools/call", *call_args(server, world), env=world.env))


async def test_the_sdk_client_lists_and_calls_both_servers_over_http(
    world: World, http_servers: dict[str, ServerProcess]
) -> None:
    from mcp import Client

    for server, process in http_servers.items():
        async with Client(process.url) as client:
            listing = await client.list_tools()
            assert [tool.name for tool in listing.tools] == [server]
            arguments = {"query": "island in the Seine"} if server == "search" else {"url": world.page_url}
            result = await client.call_tool(server, arguments)
        assert not result.is_error, result


def test_the_inspector_lists_both_servers_over_stdio_from_the_printed_claude_config(
    world: World, tmp_path: Path
) -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "agent", "mcp-config", "--client", "claude"],
        capture_output=True,
        text=True,
        env=world.env,
        timeout=60,
        check=True,
    )
    config = tmp_path / "claude_desktop_config.json"
    config.write_text(printed.stdout)
    servers = json.loads(printed.stdout)["mcpServers"]
    assert set(servers) == {"janagent-search", "janagent-fetch"}
    for name in servers:
        listing = inspector(["--config", str(config), "--server", name], "--method", "tools/list", env=world.env)
        check_listing(name.removeprefix("janagent-"), listing)
