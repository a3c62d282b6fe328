"""The SSRF guard refuses every spelling of a non-public address, at parse time and at connect time."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import httpx
import pytest

from mcp_servers.fetch import FetchOptions, RefusedURL, fetch_page
from mcp_servers.fetch.network_guard import (
    Resolver,
    address_problem,
    check_url,
    is_local_name,
    parse_ip_literal,
    parse_ipv4_loosely,
)
from tests.mcp_servers.fetch.conftest import LocalSite


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("0", "0.0.0.0"),
        ("017700000001", "127.0.0.1"),
    ],
)
def test_loose_ipv4_forms_parse_as_the_os_resolver_reads_them(host: str, expected: str) -> None:
    assert parse_ipv4_loosely(host) == ipaddress.IPv4Address(expected)


@pytest.mark.parametrize("host", ["example.com", "1.2.3.4.5", "256.1.1.1", "08.0.0.1", "1e3", ""])
def test_names_and_out_of_range_numbers_are_not_ipv4_literals(host: str) -> None:
    assert parse_ipv4_loosely(host) is None


# Every form of a non-public address the issue names, and more; each must be refused before any request.
SSRF_URLS = [
    ("http://127.0.0.1/", "loopback"),
    ("http://127.0.0.1:8080/admin", "loopback"),
    ("http://0x7f000001/", "loopback"),
    ("http://2130706433/", "loopback"),
    ("http://0177.0.0.1/", "loopback"),
    ("http://127.1/", "loopback"),
    ("http://127.0.0.1./", "loopback"),
    ("http://[::127.0.0.1]/", "reserved"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://[0:0:0:0:0:ffff:127.0.0.1]/", "loopback"),
    ("http://[2002:7f00:1::]/", "loopback"),
    ("http://[64:ff9b::127.0.0.1]/", "loopback"),
    ("http://localhost/", "loopback name"),
    ("http://LOCALHOST./", "loopback name"),
    ("http://api.localhost/", "loopback name"),
    ("http://localhost.localdomain/", "loopback name"),
    ("http://ip6-localhost/", "loopback name"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://[fc00::1]/", "private"),
    ("http://[::ffff:192.168.0.1]/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fe80::1%25eth0]/", "link-local"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://240.0.0.1/", "reserved"),
    ("http://255.255.255.255/", "reserved"),
    ("http://100.64.0.1/", "non-public"),
    ("https://user:secret@127.0.0.1/", "loopback"),
]


@pytest.mark.parametrize(("url", "kind"), SSRF_URLS)
def test_every_ssrf_form_is_refused_with_its_reason(url: str, kind: str) -> None:
    with pytest.raises(RefusedURL) as info:
        check_url(url)
    message = str(info.value)
    assert message.startswith("refused: ")
    assert kind in message
    assert "--allow-private-network" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "file:///etc/passwd", "gopher://x/", "javascript:alert(1)", "//x"]
)
def test_only_http_and_https_are_allowed(url: str) -> None:
    with pytest.raises(RefusedURL, match="only http and https"):
        check_url(url)


def test_public_addresses_and_names_pass_the_literal_check() -> None:
    for url in ("http://93.184.216.34/", "https://example.com/page", "http://[2606:2800:220:1::]/", "http://8.8.8.8"):
        check_url(url)


def test_allow_private_network_lets_loopback_through_but_not_other_schemes() -> None:
    check_url("http://127.0.0.1:9/", allow_private_network=True)
    with pytest.raises(RefusedURL):
        check_url("file:///etc/passwd", allow_private_network=True)


def test_the_refusal_names_what_the_address_really_is() -> None:
    with pytest.raises(RefusedURL) as info:
        check_url("http://0x7f000001/")
    assert str(info.value) == (
        "refused: 0x7f000001 is 127.0.0.1, a loopback address (use --allow-private-network for intranet use)"
    )
    with pytest.raises(RefusedURL) as info:
        check_url("http://127.0.0.1/")
    assert str(info.value) == "refused: 127.0.0.1 is a loopback address (use --allow-private-network for intranet use)"


def test_address_problem_is_none_only_for_public_unicast() -> None:
    assert address_problem(ipaddress.ip_address("1.1.1.1")) is None
    assert address_problem(ipaddress.ip_address("2606:4700:4700::1111")) is None
    assert address_problem(ipaddress.ip_address("::ffff:1.1.1.1")) is None
    assert parse_ip_literal("[::1]") == ipaddress.IPv6Address("::1")
    assert is_local_name("foo.LOCALHOST.") and not is_local_name("localhost.example.com")


def _resolver(table: dict[str, list[str]]) -> Resolver:
    async def resolve(host: str, port: int) -> list[str]:
        return table.get(host, [])

    return resolve


async def test_a_name_that_resolves_to_loopback_is_refused_at_connect_time(
    local_site: LocalSite, tmp_path: Path
) -> None:
    # DNS rebinding: the name passes the literal check; only the resolved address, checked when the socket is
    # opened, can catch it. The request must never reach the server.
    url = local_site.page("/secret", "<p>internal</p>").replace("127.0.0.1", "rebind.test")
    options = FetchOptions(resolver=_resolver({"rebind.test": ["127.0.0.1"]}), cache_dir=tmp_path, respect_robots=False)
    with pytest.raises(RefusedURL, match=r"rebind\.test resolves to 127\.0\.0\.1, a loopback address"):
        await fetch_page(url, options=options)
    assert local_site.requests == []


async def test_a_name_with_one_public_and_one_private_address_is_refused(tmp_path: Path) -> None:
    options = FetchOptions(
        resolver=_resolver({"mixed.test": ["93.184.216.34", "10.0.0.7"]}), cache_dir=tmp_path, respect_robots=False
    )
    with pytest.raises(RefusedURL, match=r"10\.0\.0\.7, a private address"):
        await fetch_page("http://mixed.test/", options=options)


async def test_the_connection_goes_to_the_address_that_was_checked(local_site: LocalSite, tmp_path: Path) -> None:
    # With private access allowed, a made-up name reaches the local server only through the injected resolver:
    # proof that the transport connects to the resolved address, not to whatever the OS would say later.
    url = local_site.page("/hello", "<html><body><p>" + "Hello from the local server. " * 20 + "</p></body></html>")
    options = FetchOptions(
        allow_private_network=True,
        resolver=_resolver({"pages.test": ["127.0.0.1"]}),
        cache_dir=tmp_path,
        respect_robots=False,
    )
    result = await fetch_page(url.replace("127.0.0.1", "pages.test"), options=options)
    assert "Hello from the local server." in result.content
    assert local_site.requests == ["/hello"]


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://0x7f000001/", "http://localhost:8080/", "file:///etc/passwd"],
)
async def test_every_redirect_hop_is_checked(target: str, tmp_path: Path) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": target})

    options = FetchOptions(http_transport=httpx.MockTransport(handler), cache_dir=tmp_path, respect_robots=False)
    with pytest.raises(RefusedURL):
        await fetch_page("http://93.184.216.34/start", options=options)
    assert seen == ["http://93.184.216.34/start"]  # the refused hop was never requested
