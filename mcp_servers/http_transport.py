"""Serve an MCP server over streamable HTTP at ``/mcp``, safe by default.

Loopback binds need nothing else; any other bind needs a bearer token (compared in constant time).
Every request's Host and Origin headers are checked against the names the server answers to, which
stops DNS-rebinding pages in a browser from reaching a local server; bodies over a size limit get 413.
SIGTERM and SIGINT shut the server down cleanly (uvicorn's handlers, with a bounded grace period).
Logs go to stderr only.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import uvicorn
    from mcp.server import MCPServer
    from starlette.types import ASGIApp, Receive, Scope, Send

MCP_PATH = "/mcp"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
# Tool calls carry a query or a URL; 1 MiB is far above any honest request and bounds what we buffer.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
# Long-lived SSE streams would otherwise hold a SIGTERM'd server open until the client leaves.
GRACEFUL_SHUTDOWN_S = 3
MAX_SESSIONS = 1000
SESSION_IDLE_TIMEOUT_S = 600.0
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")

log = logging.getLogger("janagent.http")


class InsecureBindError(ValueError):
    """A non-loopback bind was asked for without a bearer token."""


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and any loopback address (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_header_name(host: str) -> str:
    """The host as it appears in a Host header: IPv6 addresses in brackets."""
    bare = host.strip("[]")
    try:
        return f"[{bare}]" if ipaddress.ip_address(bare).version == 6 else bare
    except ValueError:
        return host


@dataclass(frozen=True)
class HttpSecurity:
    """What every HTTP request must satisfy before it reaches the MCP session manager."""

    allowed_hosts: tuple[str, ...]
    token: str | None = field(default=None, repr=False)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @property
    def allowed_origins(self) -> tuple[str, ...]:
        """Browser origins we answer: the allowed hosts over http or https, any port."""
        return tuple(f"{scheme}://{host}" for host in self.allowed_hosts for scheme in ("http", "https"))


def security_for_bind(
    host: str,
    *,
    token: str | None = None,
    extra_hosts: Iterable[str] = (),
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> HttpSecurity:
    """The security settings for serving on ``host``; a non-loopback bind without a token is refused.

    Allowed Host names are the loopback names, the bind address itself, this machine's hostname when
    bound to every interface, and ``extra_hosts`` (a public DNS name, say). Any port is accepted: the
    port a client sees behind a proxy is not ours to know.
    """
    if not is_loopback_host(host) and not token:
        raise InsecureBindError(f"binding to {host} (not loopback) needs a bearer token")
    names = list(_LOOPBACK_NAMES)
    if host in WILDCARD_HOSTS:
        hostname = socket.gethostname()
        names += [hostname, f"{hostname}.local"]
    else:
        names.append(_host_header_name(host))
    names += list(extra_hosts)
    unique = tuple(dict.fromkeys(names))
    return HttpSecurity(allowed_hosts=unique, token=token or None, max_body_bytes=max_body_bytes)


def bearer_credentials(header: bytes) -> bytes:
    """The token of an ``Authorization: Bearer <token>`` value, or b"" for any other scheme or shape.

    The scheme is case-insensitive and may be followed by several spaces (RFC 7235 section 2.1), so
    ``bearer TOKEN`` and ``BEARER  TOKEN`` are the same credentials as ``Bearer TOKEN``.
    """
    scheme, _, rest = header.strip().partition(b" ")
    if scheme.lower() != b"bearer":
        return b""
    token = rest.strip(b" \t")
    return b"" if not token or any(ch in token for ch in b" \t") else token


class BearerTokenMiddleware:
    """Refuse HTTP requests without ``Authorization: Bearer <token>`` (401), before any body is read."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # lifespan must pass: it runs the session manager
            return
        given = b""
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                given = bearer_credentials(value)
                break
        # compare_digest keeps the comparison time independent of where the first wrong byte is.
        if given and hmac.compare_digest(given, self._expected):
            await self.app(scope, receive, send)
            return
        from starlette.responses import JSONResponse

        response = JSONResponse(
            {"error": "unauthorized", "detail": "send Authorization: Bearer <token>"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="janagent"'},
        )
        await response(scope, receive, send)


def build_http_app(server: MCPServer, security: HttpSecurity, *, stateless: bool = True) -> ASGIApp:
    """The ASGI app serving ``server`` at ``/mcp`` with the checks in ``security`` applied.

    ``stateless`` (the default) answers every request on its own, with one JSON body: our tools are
    plain request/response (no progress, no server-initiated messages), so sessions and SSE framing only
    cost CPU per call and memory per client. ``stateless=False`` keeps sessions and SSE streams for
    servers that need them.
    """
    from mcp.server.transport_security import TransportSecuritySettings

    transport_security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{name}:*" for name in security.allowed_hosts] + list(security.allowed_hosts),
        allowed_origins=[f"{origin}:*" for origin in security.allowed_origins] + list(security.allowed_origins),
    )
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=MCP_PATH,
        json_response=stateless,
        stateless_http=stateless,
        transport_security=transport_security,
        max_request_body_size=security.max_body_bytes,
        max_sessions=MAX_SESSIONS,
        session_idle_timeout=SESSION_IDLE_TIMEOUT_S,
    )
    if security.token:
        app = BearerTokenMiddleware(app, security.token)
    return app


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind a listening TCP socket (port 0 picks a free one, which the caller reads back)."""
    bare = host.strip("[]")
    family = socket.AF_INET6 if ":" in bare else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio turns Nagle off only on sockets whose proto says TCP, and with Nagle on,
    # every response written as headers then body waits for the client's delayed ACK (about 40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((bare or "0.0.0.0", port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def endpoint_url(host: str, port: int) -> str:
    """The URL clients use: wildcard binds are reached through loopback from this machine."""
    shown = "127.0.0.1" if host in WILDCARD_HOSTS else _host_header_name(host)
    return f"http://{shown}:{port}{MCP_PATH}"


def _configure_stderr_logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("janagent.http", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False
    # The SDK logs every session at INFO; under load that is thousands of lines that say nothing.
    logging.getLogger("mcp").setLevel(logging.WARNING)


def run_http(
    server: MCPServer,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    security: HttpSecurity,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT; ``on_ready`` gets the endpoint URL once the socket is bound.

    The ready line on stderr (``serving MCP over streamable HTTP at <url>``) is what scripts and tests
    wait for: with port 0 it is the only place the chosen port appears.
    """
    import uvicorn

    _configure_stderr_logging()
    app = build_http_app(server, security)
    sock = bind_socket(host, port)
    url = endpoint_url(host, sock.getsockname()[1])
    config = uvicorn.Config(
        app,
        log_config=None,  # keep our stderr handlers; uvicorn's default sends access logs to stdout
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        lifespan="on",
    )
    uv_server = uvicorn.Server(config)
    log.info("serving MCP over streamable HTTP at %s%s", url, " (bearer token required)" if security.token else "")
    if on_ready is not None:
        on_ready(url)
    with _signals_end_cleanly(uv_server):
        try:
            uv_server.run(sockets=[sock])
        finally:
            sock.close()
    log.info("server stopped")


@contextmanager
def serve_in_thread(
    server: MCPServer, security: HttpSecurity, *, host: str = DEFAULT_HOST, stateless: bool = True
) -> Iterator[str]:
    """Serve ``server`` on a free port of ``host`` from a background thread; yields the ``/mcp`` URL.

    For tests and for apps that host a server beside their own work; the thread is stopped (bounded)
    on exit.
    """
    import uvicorn

    app = build_http_app(server, security, stateless=stateless)
    sock = bind_socket(host, 0)
    uv_server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, access_log=False, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S)
    )
    # The socket already listens: requests made before uvicorn's loop starts wait in the backlog.
    thread = threading.Thread(target=uv_server.run, kwargs={"sockets": [sock]}, name="mcp-http", daemon=True)
    thread.start()
    try:
        yield endpoint_url(host, sock.getsockname()[1])
    finally:
        uv_server.should_exit = True
        thread.join(timeout=GRACEFUL_SHUTDOWN_S + 10)
        sock.close()
        if thread.is_alive():
            raise RuntimeError("the HTTP server thread did not stop")


@contextmanager
def _signals_end_cleanly(uv_server: uvicorn.Server) -> Iterator[None]:
    """Make a SIGTERM/SIGINT that uvicorn already turned into a graceful shutdown end the process with 0.

    uvicorn re-raises the signal it caught once it has shut down, against the handlers it found; with the
    defaults that kills the process (SIGTERM) or raises KeyboardInterrupt (SIGINT) after a clean stop.
    Our handler asks for the same shutdown, so a signal that lands before uvicorn installs its own
    handlers is not lost either.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stop_signals = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, lambda *_: setattr(uv_server, "should_exit", True)) for sig in stop_signals}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


READY_PATTERN = re.compile(r"serving MCP over streamable HTTP at (http://\S+?/mcp)")


@dataclass
class ServerProcess:
    """A server subprocess serving over HTTP, with the URL it announced on stderr."""

    process: subprocess.Popen[str]
    url: str
    stderr_lines: list[str]

    def stop(self, timeout_s: float = 15.0) -> int:
        """SIGTERM, then wait (bounded); a server that ignores it is killed. Returns the exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        return self.process.returncode


def start_http_server_process(
    argv: list[str], *, env: Mapping[str, str] | None = None, start_timeout_s: float = 60.0
) -> ServerProcess:
    """Start ``argv`` (a ``serve ... --transport http`` command) and wait, bounded, for its ready line.

    Stderr is drained by a thread for the life of the process, so a chatty server never blocks on a full
    pipe; the lines are kept for diagnostics.
    """
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(env) if env is not None else None,
    )
    lines: list[str] = []
    ready: queue.Queue[str | None] = queue.Queue()

    def drain() -> None:
        assert process.stderr is not None
        announced = False
        for line in process.stderr:
            lines.append(line.rstrip("\n"))
            if not announced and (match := READY_PATTERN.search(line)):
                announced = True
                ready.put(match.group(1))
        ready.put(None)  # stderr closed: the process is gone

    threading.Thread(target=drain, name="server-stderr", daemon=True).start()
    try:
        url = ready.get(timeout=start_timeout_s)
    except queue.Empty:
        url = None
    if url is None:
        process.kill()
        process.wait(timeout=10)
        tail = "\n".join(lines[-20:])
        raise RuntimeError(f"server did not announce its URL within {start_timeout_s:.0f} s:\n{tail}")
    return ServerProcess(process=process, url=url, stderr_lines=lines)
