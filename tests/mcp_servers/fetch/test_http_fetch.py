"""Fetching bytes from a real local server: redirects, robots.txt, limits, content types, cache."""

from __future__ import annotations

import dataclasses
import json

import pytest

from mcp_servers.fetch import FetchError, FetchOptions
from mcp_servers.fetch.http_fetch import content_kind, fetch_raw
from tests.mcp_servers.fetch.conftest import LocalSite, Reply

PAGE = "<html><head><title>T</title></head><body><p>" + "Readable words here. " * 30 + "</p></body></html>"


async def test_a_redirect_chain_is_followed_to_the_final_url(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    final = local_site.page("/final", PAGE)
    local_site.routes["/a"] = Reply(301, headers={"Location": "/b"})
    local_site.routes["/b"] = Reply(302, headers={"Location": final})
    raw = await fetch_raw(local_site.url("/a"), local_options)
    assert raw.final_url == final
    assert raw.kind == "html"
    assert [p for p in local_site.requests if p != "/robots.txt"] == ["/a", "/b", "/final"]


async def test_a_redirect_loop_stops_at_the_limit(local_site: LocalSite, local_options: FetchOptions) -> None:
    local_site.routes["/loop1"] = Reply(302, headers={"Location": "/loop2"})
    local_site.routes["/loop2"] = Reply(302, headers={"Location": "/loop1"})
    options = dataclasses.replace(local_options, max_redirects=3)
    with pytest.raises(FetchError, match=r"too many redirects: .* more than 3 times"):
        await fetch_raw(local_site.url("/loop1"), options)
    assert len([p for p in local_site.requests if p.startswith("/loop")]) == 4


async def test_robots_txt_disallow_is_respected_and_can_be_switched_off(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    url = local_site.page("/private/page", PAGE)
    local_site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    with pytest.raises(FetchError, match=r"robots\.txt does not allow .*--ignore-robots"):
        await fetch_raw(url, local_options)
    assert "/private/page" not in local_site.requests
    raw = await fetch_raw(url, dataclasses.replace(local_options, respect_robots=False))
    assert b"Readable words" in raw.body


async def test_robots_txt_rules_for_other_agents_do_not_block_us(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    url = local_site.page("/page", PAGE)
    local_site.page("/robots.txt", "User-agent: BadBot\nDisallow: /\n", "text/plain")
    raw = await fetch_raw(url, local_options)
    assert raw.final_url == url


@pytest.mark.parametrize(("status", "allowed"), [(404, True), (403, False), (401, False), (503, False)])
async def test_robots_txt_status_decides_as_rfc_9309_and_mcp_server_fetch_do(
    local_site: LocalSite, local_options: FetchOptions, status: int, allowed: bool
) -> None:
    url = local_site.page("/page", PAGE)
    local_site.routes["/robots.txt"] = Reply(status, b"")
    if allowed:
        assert (await fetch_raw(url, local_options)).final_url == url
    else:
        with pytest.raises(FetchError, match=r"refused: .*robots"):
            await fetch_raw(url, local_options)


async def test_a_body_over_the_byte_cap_is_refused(local_site: LocalSite, local_options: FetchOptions) -> None:
    options = dataclasses.replace(local_options, max_bytes=10_000)
    declared = local_site.page("/big", "x" * 20_000, "text/plain")
    with pytest.raises(FetchError, match="over the 10,000-byte limit"):
        await fetch_raw(declared, options)
    # Without a Content-Length the cap is enforced while reading.
    streamed = local_site.page("/stream", "y" * 20_000, "text/plain", chunked=True)
    with pytest.raises(FetchError, match="over the 10,000-byte limit"):
        await fetch_raw(streamed, options)


async def test_a_server_that_never_answers_times_out(local_site: LocalSite, local_options: FetchOptions) -> None:
    local_site.routes["/slow"] = Reply(200, b"late", {"Content-Type": "text/plain"}, wait_for=local_site.release)
    options = dataclasses.replace(local_options, read_timeout_s=0.3, respect_robots=False)
    with pytest.raises(FetchError, match="timed out"):
        await fetch_raw(local_site.url("/slow"), options)


async def test_the_total_time_limit_holds_even_when_each_read_is_quick_enough(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    local_site.routes["/slow"] = Reply(200, b"late", {"Content-Type": "text/plain"}, wait_for=local_site.release)
    options = dataclasses.replace(local_options, read_timeout_s=30, total_timeout_s=0.3, respect_robots=False)
    with pytest.raises(FetchError, match=r"took longer than 0\.3 s"):
        await fetch_raw(local_site.url("/slow"), options)


@pytest.mark.parametrize("content_type", ["image/png", "application/zip", "video/mp4"])
async def test_unsupported_content_types_are_refused_with_what_is_supported(
    local_site: LocalSite, local_options: FetchOptions, content_type: str
) -> None:
    url = local_site.page("/file", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type)
    with pytest.raises(FetchError, match=f"{content_type}, which fetch cannot read .*PDF"):
        await fetch_raw(url, local_options)


async def test_http_errors_are_reported_with_their_status(local_site: LocalSite, local_options: FetchOptions) -> None:
    with pytest.raises(FetchError, match=r"HTTP 404 Not Found from .*/missing"):
        await fetch_raw(local_site.url("/missing"), local_options)


async def test_a_second_fetch_comes_from_the_disk_cache(local_site: LocalSite, local_options: FetchOptions) -> None:
    url = local_site.page("/cached", PAGE)
    first = await fetch_raw(url, local_options)
    count = len(local_site.requests)
    second = await fetch_raw(url, local_options)
    assert second == first
    assert len(local_site.requests) == count


async def test_a_page_cached_with_private_access_is_not_served_without_it(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    url = local_site.page("/cached", PAGE)
    await fetch_raw(url, local_options)
    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 is a loopback address"):
        await fetch_raw(url, dataclasses.replace(local_options, allow_private_network=False))


async def test_json_text_and_markdown_are_recognised(local_site: LocalSite, local_options: FetchOptions) -> None:
    j = local_site.page("/data", json.dumps({"a": 1}), "application/ld+json; charset=utf-8")
    t = local_site.page("/notes.txt", "plain", "text/plain")
    m = local_site.page("/README.md", "# Hi", "text/markdown")
    kinds = [(await fetch_raw(u, local_options)).kind for u in (j, t, m)]
    assert kinds == ["json", "text", "markdown"]


def test_a_missing_content_type_is_sniffed_from_the_first_bytes() -> None:
    assert content_kind("", b"%PDF-1.4 ...") == "pdf"
    assert content_kind("application/octet-stream", b"  <!DOCTYPE html><html>") == "html"
    assert content_kind("", b'{"a": 1}') == "json"
    assert content_kind("", b"just words") == "text"
    assert content_kind("application/octet-stream", b"\x00\x01binary") is None
