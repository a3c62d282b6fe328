"""Local HTTP servers that answer chat completions badly, for the backend's hostile-input tests.

A raw HTTP/1.1 server on loopback (anyio), so a test can send anything: HTML, endless streams with or
without newlines, streams that stall on an event. Never sleeps.

Run as a probe, it measures how an endless stream ends, in a fresh process (peak RSS of that process):

    python -m tests.agent.models.hostile_model_server --case no-newlines --deadline 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from anyio.abc import SocketAttribute, SocketStream

Respond = Callable[[SocketStream], Awaitable[None]]
CONTENT_CHUNK = b'data: {"choices": [{"index": 0, "delta": {"content": "x"}}]}\n\n'


async def _read_request(client: SocketStream) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += await client.receive()
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
        0,
    )
    while len(body) < length:
        body += await client.receive()
    return body


@asynccontextmanager
async def raw_http_server(respond: Respond) -> AsyncIterator[str]:
    """Serve every request with ``respond`` on 127.0.0.1; yield the base URL (``.../v1``)."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=0)
    port = listener.extra(SocketAttribute.local_port)

    async def handle(client: SocketStream) -> None:
        async with client:
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError, ConnectionError, OSError):
                await _read_request(client)
                await respond(client)

    async with anyio.create_task_group() as group:
        group.start_soon(listener.serve, handle)
        try:
            yield f"http://127.0.0.1:{port}/v1"
        finally:
            group.cancel_scope.cancel()


def fixed(body: bytes, content_type: str = "text/event-stream", status: str = "200 OK") -> Respond:
    """A whole body with a Content-Length."""

    async def respond(client: SocketStream) -> None:
        head = f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        await client.send(head.encode() + body)

    return respond


def chunked(parts: Callable[[], AsyncIterator[bytes]], content_type: str = "text/event-stream") -> Respond:
    """A chunked body from ``parts()``, as long as it yields (forever, for an endless stream)."""

    async def respond(client: SocketStream) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        await client.send(head.encode())
        async for part in parts():
            await client.send(f"{len(part):x}\r\n".encode() + part + b"\r\n")
        await client.send(b"0\r\n\r\n")

    return respond


def sse_body(*chunks: object) -> bytes:
    return b"".join(f"data: {json.dumps(chunk)}\n\n".encode() for chunk in chunks) + b"data: [DONE]\n\n"


def endless(part: bytes, first: bytes = b"") -> Callable[[], AsyncIterator[bytes]]:
    async def parts() -> AsyncIterator[bytes]:
        if first:
            yield first
        while True:
            yield part

    return parts


def stalling(first: bytes, release: anyio.Event) -> Callable[[], AsyncIterator[bytes]]:
    """One part, then nothing until ``release`` is set (the server stalls mid-stream)."""

    async def parts() -> AsyncIterator[bytes]:
        yield first
        await release.wait()

    return parts


CASES = {
    "newlines": lambda release: chunked(endless(CONTENT_CHUNK * 64)),
    "no-newlines": lambda release: chunked(
        endless(b"x" * 65536, first=b'data: {"choices": [{"index": 0, "delta": {"content": "')
    ),
    "keep-alives": lambda release: chunked(endless(b": keep-alive\n\n" * 256)),
    "stall": lambda release: chunked(stalling(CONTENT_CHUNK, release)),
}


async def probe(case: str, deadline_s: float, caps_off: bool = False) -> dict[str, object]:
    """Ask the model behind the hostile server ``case`` once, with default limits and ``deadline_s``
    (``caps_off``: byte and token caps out of reach, so only the deadline can end an endless stream)."""
    from agent.models.base import Sampling
    from agent.models.openai_backend import OpenAIModel, RetryPolicy, StreamLimits
    from mcp_servers.errors import JanagentError

    limits = StreamLimits(deadline_s=deadline_s)
    if caps_off:
        limits = StreamLimits(deadline_s=deadline_s, max_bytes=1 << 50, token_margin=1e12)
    release = anyio.Event()
    async with raw_http_server(CASES[case](release)) as url:
        model = OpenAIModel("probe", base_url=url, api_key="", retry=RetryPolicy(attempts=1), limits=limits)
        started = time.perf_counter()
        error = ""
        try:
            await model.generate([{"role": "user", "content": "q"}], [], Sampling())
        except JanagentError as exc:
            error = str(exc)
        elapsed = time.perf_counter() - started
        release.set()
        await model.aclose()
    return {
        "case": case,
        "deadline_s": deadline_s,
        "caps": "off" if caps_off else "default",
        "ended_after_s": round(elapsed, 3),
        "peak_rss_mb": peak_rss_mb(),
        "error": error,
    }


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM, not getrusage: Linux keeps ru_maxrss across exec, so a process started
    by a big one (pytest with torch loaded) would report its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # not Linux: the best there is


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--case", choices=sorted(CASES), required=True)
    parser.add_argument("--deadline", type=float, default=5.0)
    parser.add_argument("--caps-off", action="store_true", help="Only the deadline bounds the turn")
    args = parser.parse_args()
    print(json.dumps(anyio.run(probe, args.case, args.deadline, args.caps_off)))


if __name__ == "__main__":
    main()
