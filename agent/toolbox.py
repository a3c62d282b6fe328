"""The MCP client side: start every configured server once per run, offer their tools, call them safely.

Tool names stay unique across servers: the first server (in config order) keeps a tool's own name and a
later server's tool of the same name becomes ``<server>_<tool>``. A call never raises: an unknown tool, a
timeout, a dead server or a protocol fault comes back as ``ToolResult(is_error=True)`` for the model to see.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import anyio
from pydantic import BaseModel, Field

from agent.mcp_config import HttpServer, StdioServer, parse_server_entry, resolve_servers
from agent.models.base import ToolSpec
from agent.sources import SourcePassage, passages_from_result

DEFAULT_TIMEOUT_S = 30.0
DEFAULT_START_TIMEOUT_S = 120.0
_NAME_OK = re.compile(r"[^A-Za-z0-9_-]")
# Variables a stdio server inherits beyond the SDK's safe minimum (PATH, HOME...): our servers need
# JANAGENT_HOME and the offline switches. The API key for the model server stays with us.
_PASS_ENV_PREFIXES = ("JANAGENT_", "HF_", "TRANSFORMERS_", "SERPER_", "SEARXNG_", "EXA_")
_NEVER_PASS_ENV = frozenset({"JANAGENT_API_KEY"})


class ToolResult(BaseModel):
    """What one tool call gave back, as text for the model, with the references it carries."""

    text: str
    is_error: bool = False
    sources: list[str] = Field(default_factory=list)
    passages: list[SourcePassage] = Field(default_factory=list, exclude=True)


@dataclass
class _Route:
    server: str
    tool: str


class Toolbox:
    """Tools of all connected servers under unique names; ``call`` routes a call to its server."""

    def __init__(self, *, timeout_s: float = DEFAULT_TIMEOUT_S) -> None:
        self.timeout_s = timeout_s
        self.tools: list[ToolSpec] = []
        # Servers that did not start, with the reason; their tools are simply not offered.
        self.failed: dict[str, str] = {}
        self._clients: dict[str, Any] = {}
        self._routes: dict[str, _Route] = {}
        self._dead: dict[str, str] = {}

    @property
    def tool_names(self) -> list[str]:
        return [spec["function"]["name"] for spec in self.tools]

    @property
    def servers(self) -> list[str]:
        """Names of the servers that started."""
        return list(self._clients)

    def server_of(self, tool_name: str) -> str | None:
        route = self._routes.get(tool_name)
        return route.server if route else None

    def _add_server(self, server: str, client: Any, tools: list[Any]) -> None:
        self._clients[server] = client
        for tool in tools:
            name = _unique_name(_NAME_OK.sub("_", tool.name)[:64] or "tool", server, self._routes)
            self._routes[name] = _Route(server=server, tool=tool.name)
            schema = tool.input_schema or {"type": "object", "properties": {}}
            self.tools.append(
                {
                    "type": "function",
                    "function": {"name": name, "description": tool.description or "", "parameters": schema},
                }
            )

    def _mark_dead(self, server: str, reason: str) -> None:
        self._dead.setdefault(server, reason)

    async def call(self, name: str, arguments: dict[str, Any]) -> ToolResult:
        """Call a tool by its offered name. Never raises for tool, server or transport trouble."""
        route = self._routes.get(name)
        if route is None:
            known = ", ".join(self.tool_names) or "none"
            return ToolResult(text=f"Error: unknown tool {name!r}. Available tools: {known}.", is_error=True)
        if route.server in self._dead:
            return ToolResult(
                text=f"Error: the {route.server!r} server is not running ({self._dead[route.server]}).", is_error=True
            )
        client = self._clients[route.server]
        try:
            with anyio.fail_after(self.timeout_s):
                result = await client.call_tool(route.tool, arguments, read_timeout_seconds=self.timeout_s)
        except TimeoutError:
            return ToolResult(text=f"Error: {name} timed out after {self.timeout_s:g} s.", is_error=True)
        except Exception as exc:
            reason = _describe(exc)
            if "timed out" in reason.lower():
                return ToolResult(text=f"Error: {name} timed out after {self.timeout_s:g} s.", is_error=True)
            if _is_connection_fault(exc):
                self._mark_dead(route.server, reason)
                return ToolResult(
                    text=f"Error: the {route.server!r} server stopped responding ({reason}).", is_error=True
                )
            return ToolResult(text=f"Error: {name} failed: {reason}", is_error=True)
        text = _result_text(result)
        if result.is_error:
            return ToolResult(text=text if text.startswith("Error") else f"Error: {text}", is_error=True)
        passages = passages_from_result(text, result.structured_content, arguments)
        return ToolResult(text=text, sources=[p.ref for p in passages], passages=passages)


@asynccontextmanager
async def open_toolbox(
    config_path: Path | None = None,
    *,
    servers: Mapping[str, Any] | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    start_timeout_s: float = DEFAULT_START_TIMEOUT_S,
    log_dir: Path | None = None,
) -> AsyncIterator[Toolbox]:
    """Start every server (all at once), list their tools, and close them all on exit.

    ``servers`` maps names to config entries (dicts or parsed entries) or to in-process ``MCPServer``
    objects (tests, benchmarks); without it the servers come from ``config_path``, JANAGENT_HOME/mcp.json,
    or our defaults. A server that fails to start is recorded in ``toolbox.failed`` and left out.
    Stdio servers' stderr goes to ``log_dir/<name>.log`` (default JANAGENT_HOME/runs/server-logs).
    Enter and leave it in the same task (each server runs in a task group), e.g. not across the setup
    and teardown of an async pytest fixture.
    """
    targets: dict[str, Any] = dict(servers) if servers is not None else dict(resolve_servers(config_path))
    for name, target in targets.items():
        if isinstance(target, dict):
            targets[name] = parse_server_entry(name, target)
    if log_dir is None and any(isinstance(t, StdioServer) for t in targets.values()):
        from mcp_servers.home import runs_dir

        log_dir = runs_dir() / "server-logs"
    toolbox = Toolbox(timeout_s=timeout_s)
    stop = anyio.Event()
    started: dict[str, tuple[Any, list[Any]]] = {}

    async def serve(name: str, target: Any, ready: anyio.Event, scope: anyio.CancelScope) -> None:
        log_path = log_dir / f"{_NAME_OK.sub('_', name)}.log" if log_dir is not None else None
        with scope:
            try:
                async with _connect(target, log_path) as client:
                    started[name] = (client, await _list_all_tools(client))
                    ready.set()
                    await stop.wait()
            except Exception as exc:
                reason = _describe(exc) + _log_tail(log_path)
                if name in started:
                    toolbox._mark_dead(name, reason)
                else:
                    toolbox.failed[name] = reason
            finally:
                ready.set()

    try:
        async with anyio.create_task_group() as tg:
            waits: list[tuple[str, anyio.Event, anyio.CancelScope]] = []
            for name, target in targets.items():
                ready, scope = anyio.Event(), anyio.CancelScope()
                waits.append((name, ready, scope))
                tg.start_soon(serve, name, target, ready, scope)
            deadline = time.monotonic() + start_timeout_s
            for name, ready, scope in waits:
                with anyio.move_on_after(max(0.0, deadline - time.monotonic())):
                    await ready.wait()
                if not ready.is_set():
                    scope.cancel()
                    toolbox.failed[name] = f"did not start within {start_timeout_s:g} s" + _log_tail(
                        log_dir / f"{_NAME_OK.sub('_', name)}.log" if log_dir is not None else None
                    )
            # Register in config order so that name clashes resolve the same way every run.
            for name, _, _ in waits:
                if name in started and name not in toolbox.failed:
                    client, tools = started[name]
                    toolbox._add_server(name, client, tools)
            try:
                yield toolbox
            finally:
                stop.set()
    except BaseExceptionGroup as group:
        # The task group wraps an exception raised by the caller's block; hand it back as it was raised.
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise


def _connect(target: Any, log_path: Path | None) -> AbstractAsyncContextManager[Any]:
    """A ``mcp.Client`` for an in-process server, a stdio entry or a streamable HTTP entry."""
    from mcp import Client

    if isinstance(target, StdioServer):
        return _stdio_client(target, log_path)
    if isinstance(target, HttpServer):
        return Client(_http_transport(target.url, target.headers))
    return Client(target)  # an MCPServer or low-level Server object, connected in memory


@asynccontextmanager
async def _stdio_client(entry: StdioServer, log_path: Path | None) -> AsyncIterator[Any]:
    from mcp import Client, StdioServerParameters
    from mcp.client.stdio import stdio_client

    env = {k: v for k, v in os.environ.items() if k.startswith(_PASS_ENV_PREFIXES) and k not in _NEVER_PASS_ENV}
    params = StdioServerParameters(command=entry.command, args=entry.args, env=env | entry.env, cwd=entry.cwd)
    errlog: TextIO
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        errlog = log_path.open("w", encoding="utf-8")
    else:
        errlog = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  # closed below
    try:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            yield client
    finally:
        errlog.close()


@asynccontextmanager
async def _http_transport(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with (
        create_mcp_http_client(headers=headers or None) as http,
        streamable_http_client(url, http_client=http) as streams,
    ):
        yield streams


async def _list_all_tools(client: Any) -> list[Any]:
    tools: list[Any] = []
    cursor: str | None = None
    for _ in range(100):  # a server whose pagination never ends cannot hang the start
        page = await client.list_tools(cursor=cursor)
        tools.extend(page.tools)
        cursor = page.next_cursor
        if not cursor:
            break
    return tools


def _unique_name(name: str, server: str, taken: Mapping[str, _Route]) -> str:
    if name not in taken:
        return name
    base = f"{_NAME_OK.sub('_', server)}_{name}"[:64]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base[:60]}_{n}", n + 1
    return candidate


def _result_text(result: Any) -> str:
    """The text of a CallToolResult's content blocks; structured content when there is no text."""
    parts: list[str] = []
    for block in result.content:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind == "resource":
            parts.append(getattr(block.resource, "text", None) or f"[resource {block.resource.uri}]")
        elif kind == "resource_link":
            parts.append(f"[resource {block.uri}]")
        else:
            parts.append(f"[{kind} content omitted]")
    if not parts and result.structured_content is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    return "\n".join(parts)


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _describe(exc: BaseException) -> str:
    leaf = _leaf(exc)
    text = str(leaf).strip().splitlines()[0] if str(leaf).strip() else ""
    return f"{type(leaf).__name__}: {text}" if text else type(leaf).__name__


def _is_connection_fault(exc: BaseException) -> bool:
    leaf = _leaf(exc)
    if isinstance(leaf, anyio.ClosedResourceError | anyio.BrokenResourceError | anyio.EndOfStream | OSError):
        return True
    return "connection closed" in str(leaf).lower()


def _log_tail(log_path: Path | None) -> str:
    """The last line a stdio server wrote to stderr, which usually says why it died."""
    if log_path is None or not log_path.is_file():
        return ""
    try:
        lines = [line.strip() for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError:
        return ""
    last = next((line for line in reversed(lines) if line), "")
    return f" (log {log_path}: {last[:200]})" if last else ""
