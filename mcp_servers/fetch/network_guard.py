"""SSRF protection: only http(s) URLs whose host is, and resolves to, a public address.

Two checks, both needed:
- ``check_url`` runs before any request (and on every redirect hop): scheme, ``localhost`` names, and
  IP literals in every spelling the OS resolver accepts (``0x7f000001``, ``2130706433``, ``0177.0.0.1``,
  ``127.1``, ``[::ffff:127.0.0.1]``), so refusals say what the address really is.
- ``GuardedTransport`` checks the address a name resolves to at the moment the socket is opened, and
  connects to exactly that checked address, so a DNS answer that changes between a check and the connect
  (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from contextlib import nullcontext
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpcore
import httpx

from mcp_servers.fetch.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# A resolver maps (host, port) to the IP addresses a connection may use; injectable for tests.
Resolver = Callable[[str, int], Awaitable[list[str]]]

ALLOW_HINT = "(use --allow-private-network for intranet use)"
ALLOWED_SCHEMES = ("http", "https")
# Names that mean "this machine" whatever the DNS server says (RFC 6761 reserves *.localhost).
LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localhost6"})
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64 well-known and local-use prefixes).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class RefusedURL(FetchError):
    """A URL or address the guard will not let the fetcher reach; the message is the one-line reason."""


def parse_ipv4_loosely(host: str) -> ipaddress.IPv4Address | None:
    """Parse IPv4 the way ``inet_aton`` does: 1-4 dot-separated parts, each decimal, octal (0...) or hex (0x...).

    ``127.1``, ``0x7f000001``, ``2130706433`` and ``0177.0.0.1`` all mean 127.0.0.1 to the OS resolver, so the
    guard must read them the same way. Returns None when the host is not such a literal.
    """
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values: list[int] = []
    for part in parts:
        try:
            if part.lower().startswith("0x"):
                value = int(part[2:], 16) if part[2:] else 0
            elif len(part) > 1 and part.startswith("0"):
                value = int(part, 8)
            elif part.isdigit():
                value = int(part)
            else:
                return None
        except ValueError:
            return None
        values.append(value)
    # The last part fills all the bytes the earlier parts did not.
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for v in head:
        number = number * 256 + v
    number = number * 256 ** (4 - len(head)) + last
    return ipaddress.IPv4Address(number)


def parse_ip_literal(host: str) -> IPAddress | None:
    """Return the address an IP-literal host denotes (brackets, IPv6 zone ids and loose IPv4 allowed), else None."""
    bare = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    # A final dot is the DNS root: "127.0.0.1." resolves like "127.0.0.1".
    return parse_ipv4_loosely(bare[:-1] if bare.endswith(".") else bare)


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), if any."""
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if any(addr in net for net in _NAT64):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def effective_address(addr: IPAddress) -> IPAddress:
    """The address a packet really goes to: the IPv4 inside an IPv4-mapped, 6to4 or NAT64 IPv6 address."""
    if isinstance(addr, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(addr)
        if embedded is not None:
            return embedded
    return addr


def address_problem(addr: IPAddress) -> str | None:
    """Why an address may not be fetched ('a loopback address', ...), or None for a public unicast address."""
    addr = effective_address(addr)
    if addr.is_unspecified:
        return "an unspecified address"
    if addr.is_loopback:
        return "a loopback address"
    if addr.is_link_local:
        return "a link-local address"
    if addr.is_multicast:
        return "a multicast address"
    if addr.is_reserved:
        return "a reserved address"
    if addr.is_private:
        return "a private address"
    if not addr.is_global:
        return "a non-public address"
    return None


def is_local_name(host: str) -> bool:
    """True for names that always mean this machine (``localhost``, ``*.localhost``, with or without a final dot)."""
    name = host.lower().rstrip(".")
    return name in LOCAL_NAMES or name.endswith(".localhost")


def check_address(ip: str, host: str | None = None) -> None:
    """Raise RefusedURL when ``ip`` (what ``host`` resolved to, if given) is not a public address."""
    addr = parse_ip_literal(ip)
    if addr is None:
        raise RefusedURL(f"refused: {ip!r} is not an IP address")
    problem = address_problem(addr)
    if problem is None:
        return
    real = effective_address(addr)
    if host is not None and parse_ip_literal(host) is None:
        raise RefusedURL(f"refused: {host} resolves to {real}, {problem} {ALLOW_HINT}")
    shown = host.strip("[]") if host else str(addr)
    said = f"{shown} is {problem}" if shown == str(real) else f"{shown} is {real}, {problem}"
    raise RefusedURL(f"refused: {said} {ALLOW_HINT}")


def check_url(url: str, *, allow_private_network: bool = False) -> None:
    """Refuse URLs that are not http(s), have no host, or name a local or non-public host literally.

    Names are checked again on the resolved address at connect time (see GuardedTransport).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise RefusedURL(f"refused: {url!r} is not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise RefusedURL(f"refused: only http and https URLs can be fetched, not {shown} ({url})")
    if not host:
        raise RefusedURL(f"refused: {url!r} has no host")
    if allow_private_network:
        return
    if is_local_name(host):
        raise RefusedURL(f"refused: {host} is this machine (a loopback name) {ALLOW_HINT}")
    literal = parse_ip_literal(host)
    if literal is not None:
        check_address(str(literal), host)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve a host name with the OS resolver (in a worker thread, as anyio does)."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        ip = str(sockaddr[0]).split("%", 1)[0]
        if ip not in seen:
            seen.append(ip)
    return seen


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Resolves each host itself, refuses non-public addresses, and connects to the address it checked."""

    def __init__(
        self,
        resolver: Resolver | None = None,
        *,
        refuse_private: bool = True,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._resolver = resolver or system_resolver
        self._refuse_private = refuse_private
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        literal = parse_ip_literal(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            if self._refuse_private and is_local_name(host):
                raise RefusedURL(f"refused: {host} is this machine (a loopback name) {ALLOW_HINT}")
            addresses = await self._resolve(host, port, timeout)
            if not addresses:
                raise RefusedURL(f"refused: {host} did not resolve to any address")
        # Every address must pass: a name that resolves to one public and one private address is refused,
        # since which one a retry would use is not ours to choose.
        if self._refuse_private:
            for ip in addresses:
                check_address(ip, host)
        last_error: Exception | None = None
        for ip in addresses:
            try:
                return await self._inner.connect_tcp(
                    ip, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def _resolve(self, host: str, port: int, timeout: float | None) -> list[str]:
        """The resolver's addresses for host; a failed or slow lookup is a FetchError with a one-line reason."""
        try:
            with anyio.fail_after(timeout) if timeout else nullcontext():
                return await self._resolver(host, port)
        except TimeoutError:
            raise FetchError(f"timed out: looking up {host} took longer than {timeout:g} s") from None
        except OSError as exc:  # socket.gaierror is an OSError: unknown name, no DNS server, ...
            reason = exc.strerror or " ".join(str(exc).split()) or type(exc).__name__
            raise FetchError(f"could not resolve {host}: {reason} (check the host name in the URL)") from None

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedURL("refused: unix sockets are not reachable through fetch")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """An httpx transport whose every TCP connection goes through GuardedNetworkBackend.

    Proxies from the environment are ignored on purpose: through a proxy the address check would only
    see the proxy.
    """

    def __init__(self, resolver: Resolver | None = None, *, refuse_private: bool = True, verify: bool = True) -> None:
        super().__init__(verify=verify, trust_env=False)
        # httpx builds its own pool with the default backend; replace it with one that has the guard.
        # (httpx offers no public hook for the network backend.)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify, trust_env=False),
            max_connections=20,
            max_keepalive_connections=10,
            keepalive_expiry=5.0,
            network_backend=GuardedNetworkBackend(resolver, refuse_private=refuse_private),
        )
