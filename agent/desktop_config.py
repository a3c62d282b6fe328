"""MCP client config files of desktop apps: where each app keeps them, our entries in their format, safe merges.

Claude Desktop, Cursor and Jan read an ``mcpServers`` object; VS Code reads ``servers`` (each entry with a
``type``) plus ``inputs``, which prompt for secrets and keep them in VS Code's secret storage. Writing never
loses the user's other servers: the old file is copied to a timestamped backup first and the new one
replaces it atomically.
"""

from __future__ import annotations

import copy
import json
import os
import platform
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath
from typing import Any

from mcp_servers.errors import JanagentError

CLIENTS = ("claude", "cursor", "vscode", "jan")
SERVER_NAMES = {"search": "janagent-search", "fetch": "janagent-fetch"}

# Settings the servers read from the environment; a desktop app does not inherit the user's shell,
# so each one the user has set travels in the entry's env (a server gets only the ones it reads).
COMMON_ENV = ("JANAGENT_HOME", "JANAGENT_EMBED_MODEL", "HF_HOME", "HF_HUB_OFFLINE")
SERVER_ENV = {
    "search": (
        *COMMON_ENV,
        "JANAGENT_INDEX",
        "JANAGENT_SEARCH_SOURCE",
        "JANAGENT_WIKIPEDIA_LANG",
        "SEARXNG_URL",
        "SERPER_API_KEY",
    ),
    "fetch": COMMON_ENV,
}
_SECRET_SUFFIXES = ("_KEY", "_TOKEN", "_SECRET", "_PASSWORD")


def is_secret(name: str) -> bool:
    """Names that hold credentials: printed as placeholders, never as values."""
    return name.upper().endswith(_SECRET_SUFFIXES)


def placeholder(name: str) -> str:
    """What a printed entry holds instead of a secret's value."""
    return f"<your {name}>"


@dataclass(frozen=True)
class ServerLaunch:
    """How a client starts one of our servers over stdio."""

    name: str
    command: str
    args: tuple[str, ...]
    env: Mapping[str, str]


def our_servers(
    *,
    python: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[ServerLaunch]:
    """The search and fetch servers as the agent starts them (``agent.mcp_config.default_servers``).

    They run with ``python`` (default: this interpreter), so the client finds our installed packages.
    Desktop configs name them ``janagent-search`` / ``janagent-fetch`` so that merging never replaces a
    server of the user's that is called plain ``fetch``.
    """
    from agent.mcp_config import default_servers

    environ = os.environ if environ is None else environ
    launches = []
    for kind, entry in default_servers().items():
        command = python if python is not None and entry["command"] == sys.executable else entry["command"]
        env = {name: environ[name] for name in SERVER_ENV.get(kind, COMMON_ENV) if environ.get(name)}
        launches.append(ServerLaunch(SERVER_NAMES.get(kind, f"janagent-{kind}"), command, tuple(entry["args"]), env))
    return launches


def _input_id(env_name: str) -> str:
    return "janagent-" + env_name.lower().replace("_", "-")


def client_fragment(client: str, servers: list[ServerLaunch], *, redact: bool) -> dict[str, Any]:
    """Our entries in ``client``'s config format; ``redact`` replaces secret values with placeholders.

    VS Code never gets a secret's value: its entry points at an ``inputs`` prompt instead.
    """
    _check_client(client)
    entries: dict[str, Any] = {}
    inputs: dict[str, dict[str, Any]] = {}
    for server in servers:
        env: dict[str, str] = {}
        for name, value in server.env.items():
            if client == "vscode" and is_secret(name):
                env[name] = "${input:" + _input_id(name) + "}"
                inputs[name] = {
                    "type": "promptString",
                    "id": _input_id(name),
                    "description": f"{name} for janagent",
                    "password": True,
                }
            elif redact and is_secret(name):
                env[name] = placeholder(name)
            else:
                env[name] = value
        entry: dict[str, Any] = {"command": server.command, "args": list(server.args)}
        if client == "vscode":
            entry = {"type": "stdio", **entry}
        if env:
            entry["env"] = env
        if client == "jan":
            entry["active"] = True
        entries[server.name] = entry
    if client == "vscode":
        fragment: dict[str, Any] = {"servers": entries}
        if inputs:
            fragment["inputs"] = list(inputs.values())
        return fragment
    return {"mcpServers": entries}


def _check_client(client: str) -> None:
    if client not in CLIENTS:
        raise JanagentError(f"unknown client {client!r} - choose one of {', '.join(CLIENTS)}")


def client_config_path(
    client: str,
    *,
    system: str | None = None,
    home: PurePath | None = None,
    environ: Mapping[str, str] | None = None,
) -> PurePath:
    """Where ``client`` keeps its user-level MCP config on ``system`` (Linux, Darwin, Windows).

    Claude Desktop: ``%APPDATA%\\Claude`` / ``~/Library/Application Support/Claude`` (Linux builds use
    ``~/.config/Claude``); Cursor: ``~/.cursor/mcp.json``; VS Code: the ``User`` folder of its settings;
    Jan: ``mcp_config.json`` in Jan's data folder (``<data dir>/Jan/data``; Jan honours ``JAN_DATA_FOLDER``).
    """
    _check_client(client)
    system = system or platform.system()
    environ = os.environ if environ is None else environ
    windows = system == "Windows"
    path_type: type[PurePath] = PureWindowsPath if windows else PurePosixPath
    if home is None:
        home = path_type(str(Path.home()))
    home = path_type(str(home))
    if windows:
        appdata = path_type(environ.get("APPDATA") or home / "AppData" / "Roaming")
        config_dir = data_dir = appdata
    elif system == "Darwin":
        config_dir = data_dir = home / "Library" / "Application Support"
    else:
        config_dir = path_type(environ.get("XDG_CONFIG_HOME") or home / ".config")
        data_dir = path_type(environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    if client == "claude":
        return config_dir / "Claude" / "claude_desktop_config.json"
    if client == "cursor":
        return home / ".cursor" / "mcp.json"
    if client == "vscode":
        return config_dir / "Code" / "User" / "mcp.json"
    jan_data = environ.get("JAN_DATA_FOLDER")
    return (path_type(jan_data) if jan_data else data_dir / "Jan" / "data") / "mcp_config.json"


def servers_key(client: str) -> str:
    """The top-level key holding the server entries in ``client``'s file."""
    return "servers" if client == "vscode" else "mcpServers"


def merge_fragment(existing: Mapping[str, Any], fragment: Mapping[str, Any], client: str) -> dict[str, Any]:
    """``existing`` with our entries added or replaced; every other key and server kept as it was."""
    merged = copy.deepcopy(dict(existing))
    key = servers_key(client)
    current = merged.get(key, {})
    if not isinstance(current, dict):
        raise JanagentError(f"the config's {key!r} is not a JSON object - fix it by hand, then run again")
    current.update(copy.deepcopy(fragment[key]))
    merged[key] = current
    if "inputs" in fragment:
        inputs = merged.get("inputs", [])
        if not isinstance(inputs, list):
            raise JanagentError("the config's 'inputs' is not a JSON list - fix it by hand, then run again")
        ours = {item["id"] for item in fragment["inputs"]}
        kept = [item for item in inputs if not (isinstance(item, dict) and item.get("id") in ours)]
        merged["inputs"] = kept + copy.deepcopy(fragment["inputs"])
    return merged


def read_config(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` ({} when missing or empty); invalid JSON is an error, never overwritten."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JanagentError(
            f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}) - fix it (comments are not supported) "
            "or add the printed entries by hand"
        ) from exc
    if not isinstance(data, dict):
        raise JanagentError(f"{path} does not hold a JSON object - fix it or move it aside, then run again")
    return data


@dataclass(frozen=True)
class WriteResult:
    path: Path
    backup: Path | None


def _backup_path(path: Path, now: datetime) -> Path:
    stamp = now.strftime("%Y%m%d-%H%M%S")
    candidate = path.with_name(f"{path.name}.{stamp}.bak")
    counter = 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{stamp}-{counter}.bak")
        counter += 1
    return candidate


def atomic_write_text(path: Path, text: str, *, mode: int) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path`` (never half-written)."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_client_config(
    path: Path, fragment: Mapping[str, Any], client: str, *, now: datetime | None = None
) -> WriteResult:
    """Merge ``fragment`` into the config at ``path``: backup of the old file first, then an atomic replace."""
    existing = read_config(path)  # before touching anything: a broken file stops us here
    merged = merge_fragment(existing, fragment, client)
    path.parent.mkdir(parents=True, exist_ok=True)
    backup: Path | None = None
    mode = 0o600  # a new file may hold API keys
    if path.exists():
        backup = _backup_path(path, now or datetime.now())
        backup.write_bytes(path.read_bytes())
        mode = path.stat().st_mode & 0o777
    atomic_write_text(path, json.dumps(merged, indent=2, ensure_ascii=False) + "\n", mode=mode)
    return WriteResult(path=path, backup=backup)
