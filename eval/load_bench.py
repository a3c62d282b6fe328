"""Load benchmark: many concurrent MCP sessions over streamable HTTP, each making search calls.

The server is started as a subprocess on a free loopback port (or an already running one on loopback is
targeted); sessions and calls are bounded in count and the whole run in time. The report carries
throughput, latency percentiles and every error counted (with a few samples), as JSON.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio

from mcp_servers.http_transport import is_loopback_host, start_http_server_process

# Questions about the demo corpus (Wikipedia vital articles' summaries); any corpus answers something.
DEFAULT_QUERIES = (
    "pointillist painting of an island in the Seine",
    "theory of general relativity",
    "largest ocean on Earth",
    "who painted the Mona Lisa",
    "photosynthesis in plants",
    "the French Revolution",
    "speed of light in vacuum",
    "ancient Egyptian pyramids",
    "DNA double helix structure",
    "World War II end date",
    "Mount Everest height",
    "invention of the printing press",
    "Roman Empire fall",
    "quantum mechanics uncertainty principle",
    "Amazon rainforest",
    "Shakespeare plays",
)
MAX_ERROR_SAMPLES = 5


@dataclass(frozen=True)
class LoadOptions:
    sessions: int = 50
    calls: int = 20
    k: int = 5
    call_timeout_s: float = 30.0
    total_timeout_s: float = 300.0
    queries: Sequence[str] = DEFAULT_QUERIES


@dataclass
class LoadReport:
    """What a load run measured. Latencies are per tool call, in milliseconds, measured by the client."""

    url: str
    sessions: int
    calls_per_session: int
    calls_ok: int = 0
    errors: int = 0
    wall_s: float = 0.0
    throughput_calls_per_s: float = 0.0
    latency_ms: dict[str, float] = field(default_factory=dict)
    connect_ms: dict[str, float] = field(default_factory=dict)
    # CPU each side spent per successful call during the measured phase (server: Linux only), and the
    # machine's load: on a shared CPU these say how much of the latency is waiting for a core.
    client_cpu_ms_per_call: float | None = None
    server_cpu_ms_per_call: float | None = None
    load_average_1m: float | None = None
    error_samples: list[str] = field(default_factory=list)
    timed_out: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize(values: Sequence[float]) -> dict[str, float]:
    """p50/p90/p99/max/mean of a list of milliseconds, rounded for reading."""
    if not values:
        return {}
    return {
        "p50": round(percentile(values, 50), 2),
        "p90": round(percentile(values, 90), 2),
        "p99": round(percentile(values, 99), 2),
        "max": round(max(values), 2),
        "mean": round(sum(values) / len(values), 2),
    }


class _Recorder:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.connects: list[float] = []
        self.errors = 0
        self.samples: list[str] = []

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.samples) < MAX_ERROR_SAMPLES:
            self.samples.append(message[:300])


def _http_client(token: str | None) -> Any:
    import httpx2  # the SDK's HTTP client library

    headers = {"Authorization": f"Bearer {token}"} if token else None
    return httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=300.0))


async def _one_session(url: str, number: int, options: LoadOptions, token: str | None, record: _Recorder) -> None:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    started = time.perf_counter()
    try:
        async with _http_client(token) as http, Client(streamable_http_client(url, http_client=http)) as client:
            record.connects.append((time.perf_counter() - started) * 1000)
            for call in range(options.calls):
                query = options.queries[(number * options.calls + call) % len(options.queries)]
                begin = time.perf_counter()
                try:
                    with anyio.fail_after(options.call_timeout_s):
                        result = await client.call_tool("search", {"query": query, "k": options.k, "source": "local"})
                except TimeoutError:
                    record.error(f"session {number} call {call}: timed out after {options.call_timeout_s} s")
                    continue
                elapsed = (time.perf_counter() - begin) * 1000
                if result.is_error:
                    text = result.content[0].text if result.content and hasattr(result.content[0], "text") else ""
                    record.error(f"session {number} call {call}: tool error: {text}")
                else:
                    record.latencies.append(elapsed)
    except Exception as exc:  # a failed session's unmade calls count as errors; the run goes on
        record.error(f"session {number}: {type(exc).__name__}: {exc}")


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` from /proc (None where there is no /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _per_call_ms(cpu_s: float | None, calls: int) -> float | None:
    return round(cpu_s / calls * 1000, 2) if cpu_s is not None and calls else None


async def run_load(
    url: str, options: LoadOptions, *, token: str | None = None, server_pid: int | None = None
) -> LoadReport:
    """Run ``options.sessions`` concurrent sessions against ``url`` (loopback only) and report."""
    host = urlsplit(url).hostname or ""
    if not is_loopback_host(host):
        raise ValueError(f"the load benchmark only targets loopback servers, not {host!r}")
    record = _Recorder()
    report = LoadReport(url=url, sessions=options.sessions, calls_per_session=options.calls)
    # One warm-up call outside the measurement: the first local search opens the index and loads the model.
    warm = _Recorder()
    await _one_session(url, 0, LoadOptions(sessions=1, calls=1, queries=options.queries), token, warm)
    if warm.errors:
        raise RuntimeError(f"warm-up search failed: {warm.samples[0]}")
    server_cpu = process_cpu_s(server_pid) if server_pid else None
    client_cpu = time.process_time()
    begin = time.perf_counter()
    with anyio.move_on_after(options.total_timeout_s) as scope:
        async with anyio.create_task_group() as group:
            for number in range(options.sessions):
                group.start_soon(_one_session, url, number, options, token, record)
    report.timed_out = scope.cancelled_caught
    report.wall_s = round(time.perf_counter() - begin, 3)
    client_cpu = time.process_time() - client_cpu
    server_after = process_cpu_s(server_pid) if server_pid else None
    expected = options.sessions * options.calls
    report.calls_ok = len(record.latencies)
    # Calls never made (a session that failed to connect, the run that hit its time bound) are errors too.
    report.errors = expected - report.calls_ok
    report.throughput_calls_per_s = round(report.calls_ok / report.wall_s, 1) if report.wall_s else 0.0
    report.latency_ms = summarize(record.latencies)
    report.connect_ms = summarize(record.connects)
    report.error_samples = record.samples
    report.client_cpu_ms_per_call = _per_call_ms(client_cpu, report.calls_ok)
    if server_cpu is not None and server_after is not None:
        report.server_cpu_ms_per_call = _per_call_ms(server_after - server_cpu, report.calls_ok)
    if hasattr(os, "getloadavg"):
        report.load_average_1m = round(os.getloadavg()[0], 2)
    if report.timed_out:
        report.error_samples.append(f"run stopped at its {options.total_timeout_s:.0f} s bound")
    return report


def run_load_bench(
    options: LoadOptions,
    *,
    index: str | None = None,
    url: str | None = None,
    token: str | None = None,
    log: Callable[[str], None] = print,
) -> LoadReport:
    """Start the search server over HTTP on a free loopback port (unless ``url`` is given) and load it."""
    if url is not None:
        return anyio.run(lambda: run_load(url, options, token=token))
    argv = [sys.executable, "-m", "agent", "serve", "search", "--transport", "http", "--port", "0"]
    if index:
        argv += ["--index", index]
    server = start_http_server_process(argv)
    log(f"search server at {server.url} (pid {server.process.pid})")
    try:
        return anyio.run(lambda: run_load(server.url, options, server_pid=server.process.pid))
    finally:
        server.stop()
