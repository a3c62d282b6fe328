"""Hostile-input benchmark: peak RSS, wall time, exit code and last line of `janagent` against bad servers and files.

Each case runs the real CLI (``python -m agent ...``) as a child process on loopback only, bounded in time, and
reads that child's own peak RSS from ``os.wait4``. Cases:

- ``gzip1g``: ``janagent fetch`` of a page sent with ``Content-Encoding: gzip, gzip`` that decodes to 1 GiB;
- ``gzip8g``: the same shape decoding to 8 GiB (the outer layer wraps eight 1 GiB gzip members);
- ``dns``: ``janagent fetch http://nonexistent-host.invalid/``;
- ``bigline``: ``janagent index add`` of a 55 MB text file that is one single line (after a warm-up add of a
  tiny file, which also prepares the embedding model once in the bench's JANAGENT_HOME).

Run: ``python -m eval.hostile_bench [--cases gzip1g,gzip8g,dns,bigline] [--home DIR]``.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

GIB = 1 << 30
CASES = ("gzip1g", "gzip8g", "dns", "bigline")
BIGLINE_BYTES = 55_000_000
CASE_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class CaseResult:
    """One child run: what it was, how it ended, and what it cost."""

    case: str
    command: str
    exit_code: int
    peak_rss_mb: float
    wall_s: float
    last_line: str
    note: str = ""


def gzip_of_zeros(size: int) -> bytes:
    """One gzip member of ``size`` zero bytes, compressed 1 MiB at a time (never holds the plain text)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    parts.append(packer.compress(bytes(size % len(block))))
    parts.append(packer.flush())
    return b"".join(parts)


def stacked_bomb(decoded_gib: int) -> bytes:
    """A body for ``Content-Encoding: gzip, gzip``: gzip(member * n), where each member decodes to 1 GiB."""
    return gzip.compress(gzip_of_zeros(GIB) * decoded_gib, compresslevel=9)


@contextlib.contextmanager
def hostile_server(routes: dict[str, tuple[dict[str, str], bytes]]) -> Iterator[str]:
    """A loopback HTTP server answering each path with fixed headers and body; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            headers, body = routes.get(self.path, ({"Content-Type": "text/plain"}, b""))
            self.send_response(200 if self.path in routes else 404)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # The client refusing the body half-way is what a safe client does.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# Linux carries a process's peak RSS across fork and exec: a child forked from a big parent (pytest after a
# few hundred tests) reports the parent's size as its own peak. So each case is started by this small
# launcher, and its child, forked from a process of about 10 MB, is the one measured (wait4's rusage).
_LAUNCHER = """
import json, os, subprocess, sys
report, command = sys.argv[1], sys.argv[2:]
child = subprocess.Popen(command)
_, status, usage = os.wait4(child.pid, 0)
with open(report, "w") as handle:
    json.dump({"exit_code": os.waitstatus_to_exitcode(status), "maxrss": usage.ru_maxrss}, handle)
"""


def run_child(case: str, args: Sequence[str], env: dict[str, str], note: str = "") -> CaseResult:
    """Run ``python -m agent ARGS`` and return its exit code, own peak RSS (wait4) and last output line."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="janagent-case-") as tmp:
        report, output = Path(tmp) / "report.json", Path(tmp) / "output.txt"
        command = [sys.executable, "-c", _LAUNCHER, str(report), sys.executable, "-m", "agent", *args]
        with output.open("wb") as out:
            launcher = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
            try:
                launcher.wait(timeout=CASE_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(launcher.pid, signal.SIGKILL)  # the launcher and the case: its own session
                launcher.wait()
                note = f"killed after {CASE_TIMEOUT_S:g} s; {note}"
        wall = time.perf_counter() - started
        measured = json.loads(report.read_text()) if report.is_file() else {"exit_code": -9, "maxrss": 0}
        lines = [line for line in output.read_text("utf-8", "replace").splitlines() if line.strip()]
    return CaseResult(
        case=case,
        command="janagent " + " ".join(args),
        exit_code=int(measured["exit_code"]),
        # ru_maxrss is KiB on Linux, bytes on macOS.
        peak_rss_mb=round(measured["maxrss"] / (1 << 20 if sys.platform == "darwin" else 1024), 1),
        wall_s=round(wall, 2),
        last_line=lines[-1][:300] if lines else "",
        note=f"{note.strip()}; {len(lines)} output lines".lstrip("; "),
    )


def fetch_cases(cases: Sequence[str], env: dict[str, str]) -> list[CaseResult]:
    routes: dict[str, tuple[dict[str, str], bytes]] = {}
    sizes = {"gzip1g": 1, "gzip8g": 8}
    for case in cases:
        if case in sizes:
            body = stacked_bomb(sizes[case])
            headers = {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}
            routes[f"/{case}"] = (headers, body)
    results: list[CaseResult] = []
    with hostile_server(routes) as base:
        for case in cases:
            if case in sizes:
                wire = len(routes[f"/{case}"][1])
                note = f"{wire:,} bytes on the wire, {sizes[case]} GiB decoded"
                args = ["fetch", "--allow-private-network", "--ignore-robots", f"{base}/{case}"]
                results.append(run_child(case, args, env, note))
    if "dns" in cases:
        results.append(run_child("dns", ["fetch", "http://nonexistent-host.invalid/"], env))
    return results


def bigline_case(env: dict[str, str], work: Path) -> list[CaseResult]:
    """Warm-up add of a tiny file (model prepared once), then the 55 MB single-line file into a fresh index."""
    tiny = work / "tiny.txt"
    tiny.write_text("A short note about otters and rivers.\n")
    warm = run_child("bigline-warmup", ["index", "add", str(tiny), "--index", "hostile-warmup"], env)
    big = work / "bigline.txt"
    rng = random.Random(0)
    words = [f"w{n}" for n in range(5000)] + ["otter", "river", "stone", "the", "of", "and"]
    with big.open("w") as handle:
        written = 0
        while written < BIGLINE_BYTES:
            piece = " ".join(rng.choices(words, k=20_000)) + " "
            handle.write(piece)
            written += len(piece)
    size = big.stat().st_size
    # A fresh index each run: an earlier run's generation would be carried over and counted too.
    name = f"hostile-bigline-{os.getpid()}"
    try:
        result = run_child("bigline", ["index", "add", str(big), "--index", name], env, f"{size:,}-byte file")
    finally:
        shutil.rmtree(Path(env["JANAGENT_HOME"]) / "indexes" / name, ignore_errors=True)
    return [warm, result]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated: {', '.join(CASES)}")
    parser.add_argument("--home", type=Path, default=None, help="JANAGENT_HOME for the children (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        parser.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    with tempfile.TemporaryDirectory(prefix="janagent-hostile-") as tmp:
        work = Path(tmp)
        home = args.home or work / "home"
        home.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "JANAGENT_HOME": str(home), "HF_HUB_OFFLINE": "1", "COLUMNS": "300"}
        results = fetch_cases(cases, env)
        if "bigline" in cases:
            results += bigline_case(env, work)
    for result in results:
        if args.json:
            print(json.dumps(asdict(result)), flush=True)
        else:
            print(
                f"{result.case}: exit {result.exit_code}, peak RSS {result.peak_rss_mb:,.1f} MB, "
                f"{result.wall_s:.2f} s wall ({result.note}) | {result.last_line}",
                flush=True,
            )


if __name__ == "__main__":
    main()
