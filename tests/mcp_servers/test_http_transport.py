"""The streamable HTTP transport: it serves MCP at /mcp and refuses what it must (token, Host, Origin, size)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import urlsplit

import httpx
import pytest
from mcp.server import MCPServer
from pydantic import Field

from mcp_servers.http_transport import (
    DEFAULT_MAX_BODY_BYTES,
    InsecureBindError,
    bearer_credentials,
    bind_socket,
    is_loopback_host,
    security_for_bind,
    serve_in_thread,
    start_http_server_process,
)

TOKEN = "test-token-0123456789abcdef"
MCP_HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}
INITIALIZE = (
    b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",'
    b'"capabilities":{},"clientInfo":{"name":"test","version":"1"}}}'
)


def build_echo_server() -> MCPServer:
    server = MCPServer("echo")

    @server.tool()
    def echo(text: Annotated[str, Field(description="Text to send back")]) -> str:
        """Send the text back."""
        return text

    return server


@pytest.fixture
def loopback_url() -> Iterator[str]:
    with serve_in_thread(build_echo_server(), security_for_bind("127.0.0.1")) as url:
        yield url


@pytest.fixture
def public_url() -> Iterator[str]:
    """A server configured as if bound to every interface (token required), reached over loopback."""
    with serve_in_thread(build_echo_server(), security_for_bind("0.0.0.0", token=TOKEN)) as url:
        yield url


async def list_and_call(url: str, headers: dict[str, str] | None = None) -> tuple[list[str], Any]:
    import httpx2
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    async with (
        httpx2.AsyncClient(headers=headers, timeout=30) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        tools = await client.list_tools()
        result = await client.call_tool("echo", {"text": "hello"})
    return [tool.name for tool in tools.tools], result


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
     ("0.0.0.0", False), ("192.168.1.20", False), ("example.com", False), ("", False)],
)  # fmt: skip
def test_loopback_hosts_are_recognised(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_a_non_loopback_bind_without_a_token_is_refused() -> None:
    with pytest.raises(InsecureBindError):
        security_for_bind("0.0.0.0")
    with pytest.raises(InsecureBindError):
        security_for_bind("192.168.1.20", token="")


def test_a_loopback_bind_answers_only_loopback_names_unless_more_are_allowed() -> None:
    security = security_for_bind("127.0.0.2", extra_hosts=["mcp.example.org"])
    assert security.token is None
    assert set(security.allowed_hosts) == {"127.0.0.1", "localhost", "[::1]", "127.0.0.2", "mcp.example.org"}
    assert "http://mcp.example.org" in security.allowed_origins
    assert TOKEN not in repr(security_for_bind("0.0.0.0", token=TOKEN))


async def test_the_sdk_client_lists_and_calls_tools_over_http(loopback_url: str) -> None:
    names, result = await list_and_call(loopback_url)
    assert names == ["echo"]
    assert not result.is_error
    assert result.content[0].text == "hello"


async def test_the_stateful_sse_mode_serves_the_sdk_client_too() -> None:
    with serve_in_thread(build_echo_server(), security_for_bind("127.0.0.1"), stateless=False) as url:
        initialize = httpx.post(url, content=INITIALIZE, headers=MCP_HEADERS)
        assert initialize.headers["content-type"].startswith("text/event-stream")
        assert initialize.headers["mcp-session-id"]
        names, result = await list_and_call(url)
    assert names == ["echo"]
    assert result.content[0].text == "hello"


async def test_the_default_stateless_mode_answers_with_one_json_body(loopback_url: str) -> None:
    response = httpx.post(loopback_url, content=INITIALIZE, headers=MCP_HEADERS)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["result"]["serverInfo"]["name"] == "echo"


def test_a_request_without_the_token_gets_401_on_a_public_bind(public_url: str) -> None:
    response = httpx.post(public_url, content=INITIALIZE, headers=MCP_HEADERS)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_token_gets_401(public_url: str) -> None:
    for value in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN, "Basic dXNlcjpwYXNz"):
        response = httpx.post(public_url, content=INITIALIZE, headers={**MCP_HEADERS, "authorization": value})
        assert response.status_code == 401, value


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_the_bearer_scheme_is_case_insensitive(public_url: str, scheme: str) -> None:
    # RFC 7235 section 2.1: the auth-scheme is a case-insensitive token; one or more spaces follow it.
    for value in (f"{scheme} {TOKEN}", f"{scheme}  {TOKEN}"):
        response = httpx.post(public_url, content=INITIALIZE, headers={**MCP_HEADERS, "authorization": value})
        assert response.status_code == 200, value


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (b"Bearer abc", b"abc"),
        (b"bearer abc", b"abc"),
        (b"  BEARER   abc  ", b"abc"),
        (b"Bearer", b""),
        (b"Bearer ", b""),
        (b"Bearer a b", b""),
        (b"Basic abc", b""),
        (b"Bearerabc", b""),
        (b"abc", b""),
    ],
)
def test_bearer_credentials_reads_only_the_bearer_scheme(header: bytes, token: bytes) -> None:
    assert bearer_credentials(header) == token


def test_a_case_changed_token_is_still_refused(public_url: str) -> None:
    # Only the scheme is case-insensitive; the token itself is compared byte for byte.
    response = httpx.post(
        public_url, content=INITIALIZE, headers={**MCP_HEADERS, "authorization": f"bearer {TOKEN.upper()}"}
    )
    assert response.status_code == 401


async def test_the_right_token_opens_a_session(public_url: str) -> None:
    names, result = await list_and_call(public_url, headers={"Authorization": f"Bearer {TOKEN}"})
    assert names == ["echo"]
    assert result.content[0].text == "hello"


def test_a_foreign_host_header_is_refused(loopback_url: str) -> None:
    # What a DNS-rebinding page sends: our address, but its own name in Host.
    response = httpx.post(loopback_url, content=INITIALIZE, headers={**MCP_HEADERS, "host": "attacker.example"})
    assert response.status_code == 421


def test_a_foreign_origin_is_refused_and_a_local_one_accepted(loopback_url: str) -> None:
    refused = httpx.post(loopback_url, content=INITIALIZE, headers={**MCP_HEADERS, "origin": "http://attacker.example"})
    assert refused.status_code == 403
    accepted = httpx.post(loopback_url, content=INITIALIZE, headers={**MCP_HEADERS, "origin": "http://localhost:6274"})
    assert accepted.status_code == 200


def test_an_oversized_request_is_refused_with_413(loopback_url: str) -> None:
    body = b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"' + b"x" * DEFAULT_MAX_BODY_BYTES + b'"}}'
    assert httpx.post(loopback_url, content=body, headers=MCP_HEADERS).status_code == 413


def test_an_oversized_chunked_request_is_refused_with_413(loopback_url: str) -> None:
    # No Content-Length to refuse up front: the limit has to hold while the body streams in.
    def body() -> Iterator[bytes]:
        yield b'{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"'
        block = b"x" * 65536
        for _ in range(DEFAULT_MAX_BODY_BYTES // len(block) + 2):
            yield block
        yield b'"}}'

    assert httpx.post(loopback_url, content=body(), headers=MCP_HEADERS).status_code == 413


def test_held_open_connections_do_not_stop_service(loopback_url: str) -> None:
    # Slowloris-style clients: each sends half a request line and then holds its connection open.
    parts = urlsplit(loopback_url)
    held = [socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=10) for _ in range(50)]
    try:
        for sock in held:
            sock.sendall(b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Len")
        response = httpx.post(loopback_url, content=INITIALIZE, headers=MCP_HEADERS, timeout=10)
        assert response.status_code == 200
    finally:
        for sock in held:
            sock.close()


async def test_malformed_json_rpc_gets_a_protocol_error_and_the_server_keeps_serving(loopback_url: str) -> None:
    async with httpx.AsyncClient() as http:
        parse_error = await http.post(loopback_url, content=b'{"jsonrpc": "2.0", "id": 1, "meth', headers=MCP_HEADERS)
        invalid = await http.post(loopback_url, content=b"[1, 2]", headers=MCP_HEADERS)
    assert parse_error.status_code == 400
    assert parse_error.json()["error"]["code"] == -32700
    assert invalid.status_code == 400
    assert invalid.json()["error"]["code"] in (-32600, -32602)
    names, _ = await list_and_call(loopback_url)
    assert names == ["echo"]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_served_search_server_shuts_down_cleanly_on_a_signal(stop_signal: signal.Signals) -> None:
    argv = [sys.executable, "-m", "agent", "serve", "search", "--transport", "http", "--port", "0"]
    server = start_http_server_process(argv, start_timeout_s=60)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        response = httpx.post(server.url, content=INITIALIZE, headers=MCP_HEADERS, timeout=30)
        assert response.status_code == 200
        server.process.send_signal(stop_signal)
        code = server.process.wait(timeout=20)
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(timeout=10)
    log = "\n".join(server.stderr_lines)
    assert code == 0, log
    assert "server stopped" in log
    assert "Traceback" not in log


def test_a_busy_port_is_reported_without_a_traceback() -> None:
    taken = bind_socket("127.0.0.1", 0)
    try:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "agent", "serve", "search", "--transport", "http", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        taken.close()
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr
