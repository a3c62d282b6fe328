"""Hostile and broken servers: every failure is a FetchError with one line, in bounded memory and time."""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import socket
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import pytest
from mcp.client import Client
from mcp_types import TextContent

from mcp_servers.fetch import FetchError, FetchOptions
from mcp_servers.fetch.http_fetch import fetch_raw
from mcp_servers.fetch.network_guard import Resolver
from mcp_servers.fetch.server import build_fetch_server
from tests.fakes import HashingEmbedder
from tests.mcp_servers.fetch.conftest import LocalSite, Reply

PAGE = b"<html><head><title>T</title></head><body><p>" + b"Readable words here. " * 30 + b"</p></body></html>"


def zeros_gzip(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    return b"".join([*(packer.compress(block) for _ in range(size // len(block))), packer.flush()])


@pytest.fixture(scope="module")
def stacked_bomb() -> bytes:
    """``Content-Encoding: gzip, gzip``: a few hundred bytes on the wire, 256 MiB decoded."""
    return gzip.compress(zeros_gzip(256 << 20))


def assert_one_line(message: str) -> None:
    assert message and "\n" not in message and "Traceback" not in message


async def test_a_stacked_gzip_bomb_is_refused_before_memory_grows(
    local_site: LocalSite, local_options: FetchOptions, stacked_bomb: bytes
) -> None:
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}
    local_site.routes["/bomb"] = Reply(200, stacked_bomb, headers)
    options = dataclasses.replace(local_options, max_bytes=200_000, respect_robots=False)
    tracemalloc.start()
    try:
        with pytest.raises(FetchError) as info:
            await fetch_raw(local_site.url("/bomb"), options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(info.value) == f"refused: {local_site.url('/bomb')} is over the 200,000-byte limit (after decoding)"
    # Before: httpx inflated the whole first chunk (256 MiB here) before the cap was checked.
    assert peak < 8_000_000, peak


async def test_a_page_sent_with_stacked_gzip_within_the_cap_is_read(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}
    local_site.routes["/twice"] = Reply(200, gzip.compress(gzip.compress(PAGE)), headers)
    raw = await fetch_raw(local_site.url("/twice"), local_options)
    assert raw.body == PAGE


async def test_a_body_that_decodes_to_nothing_forever_is_bounded_by_its_wire_bytes(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    # Empty stored deflate blocks: 5 bytes each on the wire, no output, never the final block.
    headers = {"Content-Type": "text/html", "Content-Encoding": "deflate"}
    local_site.routes["/nothing"] = Reply(200, b"\x00\x00\x00\xff\xff" * 60_000, headers, chunked=True)
    options = dataclasses.replace(local_options, max_bytes=100_000, respect_robots=False)
    with pytest.raises(FetchError, match=r"is over the 100,000-byte limit"):
        await fetch_raw(local_site.url("/nothing"), options)


async def test_a_robots_txt_bomb_is_cut_at_the_robots_limit_and_the_page_still_fetched(
    local_site: LocalSite, local_options: FetchOptions, stacked_bomb: bytes
) -> None:
    local_site.routes["/robots.txt"] = Reply(
        200, stacked_bomb, {"Content-Type": "text/plain", "Content-Encoding": "gzip, gzip"}
    )
    url = local_site.page("/page", PAGE)
    tracemalloc.start()
    try:
        raw = await fetch_raw(url, local_options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raw.body == PAGE  # zeros hold no rules: everything is allowed
    assert peak < 8_000_000, peak


async def test_a_corrupt_gzip_body_is_a_one_line_error(local_site: LocalSite, local_options: FetchOptions) -> None:
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    local_site.routes["/broken"] = Reply(200, b"\x1f\x8b\x08\x00garbage, not deflate data" * 4, headers)
    with pytest.raises(FetchError, match=r"could not decode .*/broken: its gzip body is corrupt") as info:
        await fetch_raw(local_site.url("/broken"), local_options)
    assert_one_line(str(info.value))


async def test_fetch_asks_only_for_the_codings_it_decodes_with_a_bound(tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("accept-encoding", ""))
        return httpx.Response(200, content=PAGE, headers={"Content-Type": "text/html"})

    options = FetchOptions(http_transport=httpx.MockTransport(handler), cache_dir=tmp_path, respect_robots=False)
    await fetch_raw("http://93.184.216.34/", options)
    assert seen == ["gzip, deflate"]


async def test_a_server_stalling_mid_body_is_stopped_by_the_total_time_limit(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    # Each read is quick enough (the first part comes at once); only the deadline for the whole response ends it.
    headers = {"Content-Type": "text/plain", "Content-Length": "1000000"}
    local_site.routes["/stall"] = Reply(200, b"first part " * 100, headers, hold_after=local_site.release)
    options = dataclasses.replace(local_options, read_timeout_s=30, total_timeout_s=0.5, respect_robots=False)
    with pytest.raises(FetchError, match=r"took longer than 0\.5 s"):
        await fetch_raw(local_site.url("/stall"), options)


def _failing_resolver(exc: BaseException) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        raise exc

    return resolve


async def test_an_unknown_host_is_a_one_line_fetch_error(tmp_path: Path) -> None:
    resolver = _failing_resolver(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    options = FetchOptions(resolver=resolver, cache_dir=tmp_path)
    with pytest.raises(FetchError) as info:
        await fetch_raw("http://nonexistent-host.invalid/", options)
    assert str(info.value) == (
        "could not resolve nonexistent-host.invalid: Name or service not known (check the host name in the URL)"
    )


async def test_a_dns_lookup_that_hangs_times_out_with_its_own_reason(tmp_path: Path) -> None:
    async def stalled(host: str, port: int) -> list[str]:
        await anyio.Event().wait()  # a DNS server that never answers
        return []

    options = FetchOptions(resolver=stalled, cache_dir=tmp_path, connect_timeout_s=0.2, respect_robots=False)
    with pytest.raises(FetchError, match=r"timed out: looking up slow\.test took longer than 0\.2 s"):
        await fetch_raw("http://slow.test/", options)


async def test_a_tls_failure_is_a_one_line_fetch_error(local_site: LocalSite, local_options: FetchOptions) -> None:
    # https to a plain-HTTP server: the handshake fails, as with a broken or intercepted certificate chain.
    url = local_site.page("/page", PAGE).replace("http://", "https://")
    with pytest.raises(FetchError, match=r"could not fetch https://.*: the TLS handshake failed \(") as info:
        await fetch_raw(url, dataclasses.replace(local_options, respect_robots=False))
    assert_one_line(str(info.value))


@pytest.fixture
def closed_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    yield port  # nothing listens here now


async def test_a_refused_connection_is_a_one_line_fetch_error(closed_port: int, local_options: FetchOptions) -> None:
    url = f"http://127.0.0.1:{closed_port}/"
    with pytest.raises(FetchError, match=rf"could not fetch {url}(robots\.txt)?: could not connect \(") as info:
        await fetch_raw(url, local_options)
    assert_one_line(str(info.value))


@pytest.fixture
def garbage_server() -> Iterator[str]:
    """A TCP server that answers every connection with bytes that are not HTTP, then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if stop.is_set():
                conn.close()
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 not http\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/"
    finally:
        stop.set()
        # accept() is not woken by close() from another thread: a last connection wakes it to see the stop.
        with contextlib.suppress(OSError):
            socket.create_connection(listener.getsockname(), timeout=5).close()
        listener.close()
        thread.join(timeout=5)


async def test_a_server_that_does_not_speak_http_is_a_one_line_error(
    garbage_server: str, local_options: FetchOptions
) -> None:
    with pytest.raises(FetchError, match=r"could not fetch .*: the server broke the HTTP protocol") as info:
        await fetch_raw(garbage_server, dataclasses.replace(local_options, respect_robots=False))
    assert_one_line(str(info.value))


def _tool_text(result: object) -> str:
    content = result.content  # type: ignore[attr-defined]
    assert isinstance(content[0], TextContent)
    return content[0].text


async def test_a_dns_failure_reaches_the_model_over_mcp_with_its_reason() -> None:
    resolver = _failing_resolver(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    server = build_fetch_server(embedder=HashingEmbedder(), resolver=resolver)
    async with Client(server) as client:
        result = await client.call_tool("fetch", {"url": "http://nonexistent-host.invalid/"})
    assert result.is_error is True
    # The SDK's prefix, then our reason: not the bare "Error executing tool fetch" of a crash.
    assert _tool_text(result) == (
        "Error executing tool fetch: could not resolve nonexistent-host.invalid: Name or service not known "
        "(check the host name in the URL)"
    )


async def test_a_stacked_gzip_bomb_reaches_the_model_as_a_refusal_over_mcp(
    local_site: LocalSite, stacked_bomb: bytes
) -> None:
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}
    local_site.routes["/bomb"] = Reply(200, stacked_bomb, headers)
    server = build_fetch_server(allow_private_network=True, respect_robots=False, embedder=HashingEmbedder())
    async with Client(server) as client:
        result = await client.call_tool("fetch", {"url": local_site.url("/bomb")})
    assert result.is_error is True
    assert _tool_text(result).endswith("is over the 5,000,000-byte limit (after decoding)")
