"""Reading the mcpServers config that Claude Desktop, Cursor and Jan use."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from agent.mcp_config import HttpServer, StdioServer, default_servers, load_mcp_config, resolve_servers
from mcp_servers.errors import JanagentError
from mcp_servers.home import mcp_config_path


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_a_claude_desktop_style_file_gives_stdio_and_http_entries(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mcp.json",
        {
            "mcpServers": {
                "search": {"command": "python", "args": ["-m", "mcp_servers.search"], "env": {"A": "1"}},
                "exa": {"url": "https://mcp.example.com/mcp", "headers": {"X-Key": "k"}},
            }
        },
    )
    servers = load_mcp_config(path)
    assert servers["search"] == StdioServer(command="python", args=["-m", "mcp_servers.search"], env={"A": "1"})
    assert servers["exa"] == HttpServer(url="https://mcp.example.com/mcp", headers={"X-Key": "k"})


def test_disabled_and_inactive_entries_are_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "mcp.json",
        {
            "mcpServers": {
                "off": {"command": "x", "disabled": True},
                "jan-off": {"command": "y", "active": False},
                "on": {"command": "z", "active": True},
            }
        },
    )
    assert list(load_mcp_config(path)) == ["on"]


def test_variables_in_env_headers_and_args_expand_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERPER_API_KEY", "s3cret")
    path = write(
        tmp_path / "mcp.json",
        {
            "mcpServers": {
                "a": {"command": "srv", "args": ["--key=${SERPER_API_KEY}"], "env": {"K": "${env:SERPER_API_KEY}"}},
                "b": {"url": "http://127.0.0.1:1/mcp", "headers": {"Authorization": "Bearer ${SERPER_API_KEY}"}},
            }
        },
    )
    servers = load_mcp_config(path)
    a, b = servers["a"], servers["b"]
    assert isinstance(a, StdioServer) and a.args == ["--key=s3cret"] and a.env == {"K": "s3cret"}
    assert isinstance(b, HttpServer) and b.headers == {"Authorization": "Bearer s3cret"}


def test_bad_json_is_one_line_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"mcpServers": {"a": {"command": "x",}}', encoding="utf-8")
    with pytest.raises(JanagentError) as info:
        load_mcp_config(path)
    message = str(info.value)
    assert str(path) in message and "not valid JSON" in message and "line 1" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"args": ["x"]}, "needs `command` (stdio) or `url`"),
        ({"url": "ftp://example.com"}, "url"),
        ({"url": "https://example.com/sse", "type": "sse"}, "SSE transport"),
        ({"command": "x", "args": "not-a-list"}, "args"),
        ("python -m x", "must be an object"),
    ],
)
def test_an_invalid_entry_is_one_line_naming_the_server_and_file(tmp_path: Path, entry: object, expected: str) -> None:
    path = write(tmp_path / "mcp.json", {"mcpServers": {"bad-one": entry}})
    with pytest.raises(JanagentError) as info:
        load_mcp_config(path)
    message = str(info.value)
    assert "'bad-one'" in message and str(path) in message and expected in message
    assert "\n" not in message


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="does not exist"):
        load_mcp_config(tmp_path / "nope.json")


def test_the_default_servers_are_our_search_and_fetch_servers_on_this_python() -> None:
    assert default_servers() == {
        "search": {"command": sys.executable, "args": ["-m", "mcp_servers.search"]},
        "fetch": {"command": sys.executable, "args": ["-m", "mcp_servers.fetch"]},
    }
    assert list(resolve_servers()) == ["search", "fetch"]


def test_the_user_file_in_janagent_home_replaces_the_defaults(tmp_path: Path) -> None:
    write(mcp_config_path(), {"mcpServers": {"mine": {"command": "srv"}}})
    assert list(resolve_servers()) == ["mine"]
    other = write(tmp_path / "other.json", {"mcpServers": {}})
    assert resolve_servers(other) == {}
