"""Getting a page's bytes safely: httpx with timeouts, a byte cap, checked redirects, robots.txt and a disk cache."""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import anyio
import httpx

from mcp_servers.fetch.decoding import ACCEPT_ENCODING, BodyDecoder
from mcp_servers.fetch.errors import FetchError
from mcp_servers.fetch.local_copies import DocumentSource
from mcp_servers.fetch.network_guard import GuardedTransport, Resolver, check_url

ROBOTS_TOKEN = "janagent"
DEFAULT_USER_AGENT = "janagent-fetch/0.1 (research assistant; fetches one page when asked; respects robots.txt)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_ROBOTS_BYTES = 500_000

# Content kinds the extractor can read; anything else is refused before its body is downloaded.
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
MARKDOWN_TYPES = frozenset({"text/markdown", "text/x-markdown"})
PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})
SUPPORTED_HINT = "HTML, plain text, Markdown, JSON and PDF are"


@dataclass
class FetchOptions:
    """How pages are fetched; the defaults are the safe ones."""

    allow_private_network: bool = False
    respect_robots: bool = True
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    # The whole fetch (robots.txt, redirects, body) must finish within this, whatever the server does.
    total_timeout_s: float = 45.0
    # The most bytes of a body, counted both on the wire and after decoding (while it is decoded).
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    use_cache: bool = True
    # None: JANAGENT_HOME/cache/fetch.
    cache_dir: Path | None = None
    cache_ttl_s: float = 3600.0
    # Injectable for tests: how host names resolve, and the transport under the guard (replaces it entirely).
    resolver: Resolver | None = None
    http_transport: httpx.AsyncBaseTransport | None = None
    # An object with ``encode(list[str]) -> ndarray`` for query ranking; None loads the project's static model.
    embedder: Any = field(default=None, repr=False)
    # Where a doc id, or a URL that cannot be fetched, is read from instead (``local_copies.DocumentSource``).
    local_documents: DocumentSource | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RawPage:
    """A fetched body and what the server said it is."""

    url: str
    final_url: str
    kind: str  # "html" | "text" | "markdown" | "json" | "pdf"
    content_type: str
    charset: str | None
    body: bytes


def content_kind(content_type: str, body_start: bytes = b"") -> str | None:
    """Map a Content-Type (and, when it is missing or generic, the first bytes) to a kind, or None if unsupported."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime in HTML_TYPES:
        return "html"
    if mime in MARKDOWN_TYPES:
        return "markdown"
    if mime in PDF_TYPES:
        return "pdf"
    if mime == "application/json" or mime.endswith("+json"):
        return "json"
    if mime.startswith("text/"):
        return "text"
    if mime in ("", "application/octet-stream", "binary/octet-stream"):
        head = body_start.lstrip()[:512].lower()
        if head.startswith(b"%pdf"):
            return "pdf"
        if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
            return "html"
        if head.startswith((b"{", b"[")):
            return "json"
        if mime == "" and body_start and b"\x00" not in body_start[:1024]:
            return "text"
    return None


def _charset(content_type: str) -> str | None:
    for param in content_type.split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


class FetchCache:
    """A small on-disk cache of successful fetches, one JSON meta file and one body file per key."""

    def __init__(self, directory: Path, ttl_s: float) -> None:
        self.directory = directory
        self.ttl_s = ttl_s

    @staticmethod
    def key(*parts: object) -> str:
        return hashlib.sha256("\n".join(str(p) for p in parts).encode()).hexdigest()[:32]

    def get(self, key: str) -> RawPage | None:
        meta_path = self.directory / f"{key}.json"
        try:
            meta = json.loads(meta_path.read_text())
            if time.time() - float(meta["fetched_at"]) > self.ttl_s:
                return None
            body = (self.directory / f"{key}.body").read_bytes()
            return RawPage(
                url=meta["url"],
                final_url=meta["final_url"],
                kind=meta["kind"],
                content_type=meta["content_type"],
                charset=meta["charset"],
                body=body,
            )
        except (OSError, ValueError, KeyError):
            return None  # a missing or half-written entry is just a miss

    def put(self, key: str, page: RawPage) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            meta = {
                "url": page.url,
                "final_url": page.final_url,
                "kind": page.kind,
                "content_type": page.content_type,
                "charset": page.charset,
                "fetched_at": time.time(),
            }
            # Body first, meta last, both via rename: a reader never sees meta pointing at a partial body.
            for suffix, data in ((".body", page.body), (".json", json.dumps(meta).encode())):
                tmp = self.directory / f"{key}{suffix}.{os.getpid()}.tmp"
                tmp.write_bytes(data)
                os.replace(tmp, self.directory / f"{key}{suffix}")
        except OSError:
            pass  # a cache that cannot be written only costs a refetch


def _cache_for(options: FetchOptions) -> FetchCache | None:
    if not options.use_cache:
        return None
    if options.cache_dir is not None:
        return FetchCache(options.cache_dir, options.cache_ttl_s)
    from mcp_servers.home import cache_dir

    return FetchCache(cache_dir() / "fetch", options.cache_ttl_s)


def make_client(options: FetchOptions) -> httpx.AsyncClient:
    """An httpx client with the guard (unless replaced for tests), timeouts, and no automatic redirects."""
    transport = options.http_transport or GuardedTransport(
        options.resolver, refuse_private=not options.allow_private_network
    )
    timeout = httpx.Timeout(
        connect=options.connect_timeout_s,
        read=options.read_timeout_s,
        write=options.read_timeout_s,
        pool=options.connect_timeout_s,
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,  # every hop is checked by us before it is requested
        trust_env=False,
        headers={
            "User-Agent": options.user_agent,
            "Accept": "text/html,application/xhtml+xml,*/*;q=0.8",
            # Only what decoding.BodyDecoder decodes with a bound on its output.
            "Accept-Encoding": ACCEPT_ENCODING,
        },
    )


@dataclass(frozen=True)
class _Response:
    status: int
    reason: str
    content_type: str
    location: str | None
    body: bytes


async def _get_once(client: httpx.AsyncClient, url: str, max_bytes: int, *, page: bool) -> _Response:
    """One GET without following redirects; the body is read up to max_bytes (a page over it is an error).

    The body is read raw and decoded here (see ``decoding``): max_bytes bounds the decoded bytes while they
    are produced, whatever the number of content encodings, and the bytes on the wire too.
    """
    try:
        async with client.stream("GET", url) as resp:
            content_type = resp.headers.get("content-type", "")
            location = resp.headers.get("location")
            if resp.status_code in REDIRECT_STATUSES or resp.status_code >= 400:
                return _Response(resp.status_code, resp.reason_phrase, content_type, location, b"")
            declared = resp.headers.get("content-length", "")
            if page and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"refused: {url} is {int(declared):,} bytes, over the {max_bytes:,}-byte limit")
            if page and content_type and content_kind(content_type) is None:
                raise FetchError(
                    f"refused: {url} is {content_type.split(';')[0]}, which fetch cannot read ({SUPPORTED_HINT})"
                )
            decoder = BodyDecoder(resp.headers.get("content-encoding", ""), url)
            body = await _read_bounded(resp, decoder, url, max_bytes, page=page)
            return _Response(resp.status_code, resp.reason_phrase, content_type, location, body)
    except httpx.TimeoutException:
        raise FetchError(f"timed out: {url} did not answer in time") from None
    except httpx.TooManyRedirects:  # pragma: no cover - redirects are followed by hand
        raise FetchError(f"too many redirects from {url}") from None
    except httpx.InvalidURL as exc:
        raise FetchError(f"refused: {url!r} is not a valid URL ({one_line(exc)})") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"could not fetch {url}: {_transport_reason(exc)}") from None
    except OSError as exc:  # a socket error httpcore did not wrap
        raise FetchError(f"could not fetch {url}: {one_line(exc)}") from None


async def _read_bounded(resp: httpx.Response, decoder: BodyDecoder, url: str, max_bytes: int, *, page: bool) -> bytes:
    """The decoded body, refused (a page) or cut (robots.txt) as soon as it passes max_bytes, decoded or raw."""
    chunks: list[bytes] = []
    size = raw_size = 0
    async for raw in _raw_chunks(resp):
        raw_size += len(raw)
        # The wire bytes count too: a body can be endless while decoding to nothing (empty deflate blocks).
        if raw_size > max_bytes:
            if not page:
                return b"".join(chunks)
            raise FetchError(f"refused: {url} is over the {max_bytes:,}-byte limit")
        for piece in decoder.decode(raw):
            size += len(piece)
            if size > max_bytes:
                if not page:
                    chunks.append(piece[: max(0, max_bytes - (size - len(piece)))])
                    return b"".join(chunks)  # robots.txt: the first part is enough
                raise FetchError(f"refused: {url} is over the {max_bytes:,}-byte limit (after decoding)")
            chunks.append(piece)
    return b"".join(chunks)


async def _raw_chunks(resp: httpx.Response) -> AsyncIterator[bytes]:
    """The body as it came over the wire, in the pieces it came in."""
    if resp.is_stream_consumed:
        # A response built in memory (httpx.MockTransport in tests) holds its undecoded bytes already.
        yield resp.content
        return
    async for raw in resp.aiter_raw():
        yield raw


def one_line(exc: BaseException) -> str:
    """An exception's message on one line (its type name when it has none)."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _transport_reason(exc: httpx.HTTPError) -> str:
    """Why a request failed, said for a person: TLS and connection failures get their own words."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLError):
            return f"the TLS handshake failed ({one_line(cause)})"
        cause = cause.__cause__ or cause.__context__
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({one_line(exc)})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke the HTTP protocol ({one_line(exc)})"
    return one_line(exc)


async def _follow(
    client: httpx.AsyncClient,
    url: str,
    options: FetchOptions,
    *,
    page: bool,
    robots: _RobotsCheck | None,
) -> tuple[str, _Response]:
    """GET url, following up to max_redirects redirects; every hop is checked (guard, robots) before it is sent."""
    current = url
    for _hop in range(options.max_redirects + 1):
        check_url(current, allow_private_network=options.allow_private_network)
        if robots is not None:
            await robots.require_allowed(current)
        resp = await _get_once(client, current, options.max_bytes if page else MAX_ROBOTS_BYTES, page=page)
        if resp.status in REDIRECT_STATUSES and resp.location:
            current = urljoin(current, resp.location.strip())
            continue
        return current, resp
    raise FetchError(f"too many redirects: {url} redirected more than {options.max_redirects} times")


class _RobotsCheck:
    """robots.txt per origin, fetched once per fetch call (and cached on disk with the pages)."""

    def __init__(self, client: httpx.AsyncClient, options: FetchOptions, cache: FetchCache | None) -> None:
        self._client = client
        self._options = options
        self._cache = cache
        self._parsers: dict[str, RobotFileParser] = {}

    async def require_allowed(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        parser = self._parsers.get(origin)
        if parser is None:
            parser = await self._load(origin)
            self._parsers[origin] = parser
        if not parser.can_fetch(ROBOTS_TOKEN, url):
            raise FetchError(
                f"refused: {origin}/robots.txt does not allow automated fetching of {url} "
                "(the user may retry with robots.txt checks off: --ignore-robots)"
            )

    async def _load(self, origin: str) -> RobotFileParser:
        robots_url = f"{origin}/robots.txt"
        parser = RobotFileParser(robots_url)
        key = FetchCache.key("robots", robots_url, self._options.allow_private_network)
        cached = self._cache.get(key) if self._cache else None
        if cached is not None:
            parser.parse(cached.body.decode("utf-8", "replace").splitlines())
            return parser
        _, resp = await _follow(self._client, robots_url, self._options, page=False, robots=None)
        if resp.status in (401, 403):
            # As mcp-server-fetch does: a site that hides its robots.txt does not want robots.
            parser.parse(["User-agent: *", "Disallow: /"])
        elif resp.status >= 500:
            # RFC 9309 2.3.1.3: an unreachable robots.txt means "assume complete disallow".
            raise FetchError(
                f"refused: {robots_url} answered HTTP {resp.status}, so robots rules are unknown "
                "(retry later, or with robots.txt checks off: --ignore-robots)"
            )
        elif resp.status >= 400:
            parser.parse([])  # no robots.txt: everything is allowed
        else:
            parser.parse(resp.body.decode("utf-8", "replace").splitlines())
            if self._cache is not None:
                self._cache.put(key, RawPage(robots_url, robots_url, "text", "text/plain", "utf-8", resp.body))
        return parser


async def fetch_raw(url: str, options: FetchOptions) -> RawPage:
    """Fetch url's body under the options' safety rules; raises FetchError with a one-line reason."""
    url = url.strip()
    check_url(url, allow_private_network=options.allow_private_network)
    cache = _cache_for(options)
    # The policy is part of the key: a page fetched with private access must not be served to a caller without it.
    key = FetchCache.key(url, options.allow_private_network, options.respect_robots, options.max_bytes)
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    async with make_client(options) as client:
        robots = _RobotsCheck(client, options, cache) if options.respect_robots else None
        try:
            with anyio.fail_after(options.total_timeout_s):
                final_url, resp = await _follow(client, url, options, page=True, robots=robots)
        except TimeoutError:
            raise FetchError(f"timed out: {url} took longer than {options.total_timeout_s:g} s") from None
    if resp.status >= 400:
        raise FetchError(f"HTTP {resp.status} {resp.reason} from {final_url}".rstrip())
    if resp.status in REDIRECT_STATUSES:
        raise FetchError(f"HTTP {resp.status} from {final_url} without a Location to follow")
    kind = content_kind(resp.content_type, resp.body[:1024])
    if kind is None:
        shown = resp.content_type.split(";")[0] or "content of unknown type"
        raise FetchError(f"refused: {final_url} is {shown}, which fetch cannot read ({SUPPORTED_HINT})")
    page = RawPage(url, final_url, kind, resp.content_type, _charset(resp.content_type), resp.body)
    if cache is not None:
        cache.put(key, page)
    return page
