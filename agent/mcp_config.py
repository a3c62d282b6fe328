"""The ``mcpServers`` JSON config that Claude Desktop, Cursor and Jan use, read and validated.

    {"mcpServers": {
        "search": {"command": "python", "args": ["-m", "mcp_servers.search"], "env": {"K": "V"}},
        "exa":    {"url": "https://mcp.exa.ai/mcp", "headers": {"Authorization": "Bearer ${EXA_API_KEY}"}}
    }}

An entry with ``command`` is a stdio server; one with ``url`` is a streamable HTTP server. Entries marked
``"disabled": true`` (Cursor, Cline) or ``"active": false`` (Jan) are skipped. ``${VAR}`` and ``${env:VAR}``
in args, env, url and headers expand from the environment, so keys need not be written into the file.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mcp_servers.errors import JanagentError
from mcp_servers.home import mcp_config_path

_VAR = re.compile(r"\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)\}")


class StdioServer(BaseModel):
    """A server the client launches as a subprocess and talks to over stdin/stdout."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["stdio"] | None = None
    command: str = Field(min_length=1)
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None


class HttpServer(BaseModel):
    """A server reached over streamable HTTP (its ``/mcp`` endpoint)."""

    model_config = ConfigDict(extra="ignore")

    type: Literal["http", "streamable-http", "streamable_http", "streamableHttp"] | None = None
    url: str = Field(pattern=r"^https?://")
    headers: dict[str, str] = Field(default_factory=dict)


ServerEntry = StdioServer | HttpServer


def default_servers() -> dict[str, dict[str, Any]]:
    """Our own search and fetch servers as ``mcpServers`` entries, launched with this Python."""
    return {
        "search": {"command": sys.executable, "args": ["-m", "mcp_servers.search"]},
        "fetch": {"command": sys.executable, "args": ["-m", "mcp_servers.fetch"]},
    }


def parse_server_entry(name: str, raw: Any, *, source: str = "mcpServers") -> ServerEntry:
    """Validate one entry; raises JanagentError with one line that names the server and the source."""
    if not isinstance(raw, dict):
        raise JanagentError(f"{source}: server {name!r} must be an object with `command` or `url`")
    kind = raw.get("type") or raw.get("transport")
    if kind == "sse":
        raise JanagentError(
            f"{source}: server {name!r} uses the SSE transport, which janagent does not support; "
            "give its streamable HTTP endpoint (usually ending in /mcp) instead"
        )
    expanded = _expand(raw)
    try:
        if "command" in expanded:
            return StdioServer.model_validate(expanded)
        if "url" in expanded or "serverUrl" in expanded:
            expanded.setdefault("url", expanded.get("serverUrl"))
            return HttpServer.model_validate(expanded)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise JanagentError(f"{source}: server {name!r}: {field}: {first['msg']}") from exc
    raise JanagentError(f"{source}: server {name!r} needs `command` (stdio) or `url` (streamable HTTP)")


def parse_mcp_config(data: Any, *, source: str = "mcpServers") -> dict[str, ServerEntry]:
    """Validate a parsed config: ``{"mcpServers": {...}}`` or the bare ``{name: entry}`` mapping."""
    if not isinstance(data, dict):
        raise JanagentError(f"{source}: expected a JSON object with an `mcpServers` object")
    servers = data.get("mcpServers", data.get("servers", data))
    if not isinstance(servers, dict):
        raise JanagentError(f"{source}: `mcpServers` must be an object mapping names to servers")
    entries: dict[str, ServerEntry] = {}
    for name, raw in servers.items():
        if isinstance(raw, dict) and (raw.get("disabled") is True or raw.get("active") is False):
            continue
        entries[name] = parse_server_entry(name, raw, source=source)
    return entries


def load_mcp_config(path: Path) -> dict[str, ServerEntry]:
    """Read and validate an ``mcpServers`` file; every problem is one line that names the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise JanagentError(f"MCP config {path} does not exist; create it or drop --mcp-config") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise JanagentError(f"cannot read MCP config {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JanagentError(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc
    return parse_mcp_config(data, source=str(path))


def resolve_servers(config_path: Path | None = None) -> dict[str, ServerEntry]:
    """The servers of a run: the given file, else JANAGENT_HOME/mcp.json if present, else our defaults."""
    if config_path is not None:
        return load_mcp_config(config_path)
    user_file = mcp_config_path()
    if user_file.is_file():
        return load_mcp_config(user_file)
    return parse_mcp_config({"mcpServers": default_servers()}, source="default servers")


def _expand(value: Any) -> Any:
    """Expand ``${VAR}`` / ``${env:VAR}`` in every string; an unset variable becomes empty."""
    if isinstance(value, str):
        return _VAR.sub(lambda m: os.environ.get(m.group(1), ""), value)
    if isinstance(value, list):
        return [_expand(item) for item in value]
    if isinstance(value, dict):
        return {key: _expand(item) for key, item in value.items()}
    return value
