"""A local HTTP server on 127.0.0.1 that serves saved pages and scripted answers (redirects, robots, slow pages)."""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mcp_servers.fetch import FetchOptions
from tests.fakes import HashingEmbedder


@dataclass
class Reply:
    """What the server answers for one path."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    # Block before answering until this event is set (a server that hangs), never longer than the fixture lives.
    wait_for: threading.Event | None = None
    # Send the body without Content-Length (read until close), as a streaming server would.
    chunked: bool = False
    # After sending the body, hold the connection open until this event is set (a server stalling mid-body).
    hold_after: threading.Event | None = None


@dataclass
class LocalSite:
    """The running server: add replies to ``routes``; ``requests`` lists the paths it was asked for."""

    base: str
    routes: dict[str, Reply | Callable[[], Reply]]
    requests: list[str]
    release: threading.Event

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, body: bytes | str, content_type: str = "text/html", **kw: object) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = Reply(200, data, {"Content-Type": content_type}, **kw)  # type: ignore[arg-type]
        return self.url(path)


def _handler(site: LocalSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection: nothing lingers at shutdown

        def do_GET(self) -> None:
            site.requests.append(self.path)
            route = site.routes.get(self.path.split("?", 1)[0])
            reply = route() if callable(route) else route
            if reply is None:
                reply = Reply(404, b"not found", {"Content-Type": "text/plain"})
            if reply.wait_for is not None:
                reply.wait_for.wait(timeout=30)
            try:
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if not reply.chunked and "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                if reply.hold_after is not None:
                    self.wfile.flush()
                    reply.hold_after.wait(timeout=30)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (size cap, timeout): that is what the test wanted

        def log_message(self, format: str, *args: object) -> None:
            return None  # keep test output clean

    return Handler


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    """A ThreadingHTTPServer on 127.0.0.1:<free port>, shut down (and any blocked handler released) after the test."""
    site = LocalSite(base="", routes={}, requests=[], release=threading.Event())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        site.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def article_dir(shared_data: Path) -> Path:
    return shared_data / "article-extraction-dev"


def saved_page(directory: Path, page_id: str) -> bytes:
    """The raw bytes of one saved (gzipped) page."""
    with gzip.open(directory / "html" / f"{page_id}.html.gz") as fh:
        return fh.read()


@pytest.fixture
def local_options(tmp_path: Path) -> FetchOptions:
    """Options for fetching from the local (loopback) server: private network allowed, short timeouts, own cache."""
    return FetchOptions(
        allow_private_network=True,
        connect_timeout_s=5,
        read_timeout_s=5,
        total_timeout_s=15,
        cache_dir=tmp_path / "fetch-cache",
        embedder=HashingEmbedder(),
    )
