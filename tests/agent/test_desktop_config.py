"""Desktop apps' MCP config files: where they live, our entries in each format, merges that lose nothing."""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from agent.desktop_config import (
    client_config_path,
    client_fragment,
    merge_fragment,
    our_servers,
    placeholder,
    write_client_config,
)
from mcp_servers.errors import JanagentError

PYTHON = "/opt/py/bin/python3"
KEY = "sk-test-secret-value"
ENVIRON = {"SERPER_API_KEY": KEY, "JANAGENT_HOME": "/data/janagent", "UNRELATED": "x"}
NOW = datetime(2026, 1, 2, 3, 4, 5)


@pytest.mark.parametrize(
    ("client", "system", "expected"),
    [
        ("claude", "Darwin", "/Users/ann/Library/Application Support/Claude/claude_desktop_config.json"),
        ("claude", "Linux", "/home/ann/.config/Claude/claude_desktop_config.json"),
        ("cursor", "Darwin", "/Users/ann/.cursor/mcp.json"),
        ("cursor", "Linux", "/home/ann/.cursor/mcp.json"),
        ("vscode", "Darwin", "/Users/ann/Library/Application Support/Code/User/mcp.json"),
        ("vscode", "Linux", "/home/ann/.config/Code/User/mcp.json"),
        ("jan", "Darwin", "/Users/ann/Library/Application Support/Jan/data/mcp_config.json"),
        ("jan", "Linux", "/home/ann/.local/share/Jan/data/mcp_config.json"),
    ],
)
def test_config_files_are_where_each_app_documents_them_on_posix(client: str, system: str, expected: str) -> None:
    home = PurePosixPath("/Users/ann" if system == "Darwin" else "/home/ann")
    assert client_config_path(client, system=system, home=home, environ={}) == PurePosixPath(expected)


@pytest.mark.parametrize(
    ("client", "expected"),
    [
        ("claude", r"C:\Users\ann\AppData\Roaming\Claude\claude_desktop_config.json"),
        ("cursor", r"C:\Users\ann\.cursor\mcp.json"),
        ("vscode", r"C:\Users\ann\AppData\Roaming\Code\User\mcp.json"),
        ("jan", r"C:\Users\ann\AppData\Roaming\Jan\data\mcp_config.json"),
    ],
)
def test_config_files_are_where_each_app_documents_them_on_windows(client: str, expected: str) -> None:
    environ = {"APPDATA": r"C:\Users\ann\AppData\Roaming"}
    path = client_config_path(client, system="Windows", home=PureWindowsPath(r"C:\Users\ann"), environ=environ)
    assert path == PureWindowsPath(expected)


def test_xdg_folders_and_jans_data_folder_override_are_honoured() -> None:
    home = PurePosixPath("/home/ann")
    environ = {"XDG_CONFIG_HOME": "/cfg", "JAN_DATA_FOLDER": "/big/disk/jan"}
    assert client_config_path("claude", system="Linux", home=home, environ=environ) == PurePosixPath(
        "/cfg/Claude/claude_desktop_config.json"
    )
    assert client_config_path("jan", system="Linux", home=home, environ=environ) == PurePosixPath(
        "/big/disk/jan/mcp_config.json"
    )


def test_an_unknown_client_is_a_one_line_error() -> None:
    with pytest.raises(JanagentError, match="choose one of claude, cursor, vscode, jan"):
        client_config_path("emacs")


def test_our_servers_start_with_the_given_interpreter_and_carry_only_the_settings_the_user_has() -> None:
    servers = {server.name: server for server in our_servers(python=PYTHON, environ=ENVIRON)}
    assert set(servers) == {"janagent-search", "janagent-fetch"}
    assert servers["janagent-search"].command == PYTHON
    assert servers["janagent-search"].args[:1] == ("-m",)
    assert dict(servers["janagent-search"].env) == {"SERPER_API_KEY": KEY, "JANAGENT_HOME": "/data/janagent"}
    assert dict(servers["janagent-fetch"].env) == {"JANAGENT_HOME": "/data/janagent"}  # fetch needs no search key


def test_our_servers_default_to_this_interpreter() -> None:
    assert {server.command for server in our_servers(environ={})} == {sys.executable}


@pytest.mark.parametrize("client", ["claude", "cursor", "jan"])
def test_a_printed_entry_never_holds_a_key_value(client: str) -> None:
    fragment = client_fragment(client, our_servers(python=PYTHON, environ=ENVIRON), redact=True)
    text = json.dumps(fragment)
    assert KEY not in text
    entry = fragment["mcpServers"]["janagent-search"]
    assert entry["env"]["SERPER_API_KEY"] == placeholder("SERPER_API_KEY")
    assert entry["env"]["JANAGENT_HOME"] == "/data/janagent"  # not a secret: printed as is
    assert entry["command"] == PYTHON


def test_a_written_entry_holds_the_key_the_server_needs() -> None:
    fragment = client_fragment("claude", our_servers(python=PYTHON, environ=ENVIRON), redact=False)
    assert fragment["mcpServers"]["janagent-search"]["env"]["SERPER_API_KEY"] == KEY


def test_jan_entries_are_marked_active() -> None:
    fragment = client_fragment("jan", our_servers(python=PYTHON, environ={}), redact=True)
    assert all(entry["active"] is True for entry in fragment["mcpServers"].values())
    assert all("env" not in entry for entry in fragment["mcpServers"].values())


@pytest.mark.parametrize("redact", [True, False])
def test_vscode_gets_typed_servers_and_a_password_prompt_instead_of_any_key(redact: bool) -> None:
    fragment = client_fragment("vscode", our_servers(python=PYTHON, environ=ENVIRON), redact=redact)
    assert KEY not in json.dumps(fragment)
    entry = fragment["servers"]["janagent-search"]
    assert entry["type"] == "stdio"
    assert entry["env"]["SERPER_API_KEY"] == "${input:janagent-serper-api-key}"
    assert fragment["inputs"] == [
        {
            "type": "promptString",
            "id": "janagent-serper-api-key",
            "description": "SERPER_API_KEY for janagent",
            "password": True,
        }
    ]


def test_a_merge_keeps_the_users_other_servers_and_settings_and_replaces_ours() -> None:
    existing = {
        "globalShortcut": "Ctrl+Space",
        "mcpServers": {
            "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
            "janagent-search": {"command": "/old/python", "args": []},
        },
    }
    fragment = client_fragment("claude", our_servers(python=PYTHON, environ={}), redact=False)
    merged = merge_fragment(existing, fragment, "claude")
    assert merged["globalShortcut"] == "Ctrl+Space"
    assert merged["mcpServers"]["fetch"] == {"command": "uvx", "args": ["mcp-server-fetch"]}
    assert merged["mcpServers"]["janagent-search"]["command"] == PYTHON
    assert existing["mcpServers"]["janagent-search"]["command"] == "/old/python"  # the input is not mutated


def test_a_vscode_merge_keeps_other_inputs_and_does_not_duplicate_ours() -> None:
    theirs = {"type": "promptString", "id": "github-token", "description": "GitHub", "password": True}
    fragment = client_fragment("vscode", our_servers(python=PYTHON, environ=ENVIRON), redact=False)
    once = merge_fragment(
        {"servers": {"gh": {"type": "http", "url": "https://x"}}, "inputs": [theirs]}, fragment, "vscode"
    )
    twice = merge_fragment(once, fragment, "vscode")
    assert twice["servers"]["gh"] == {"type": "http", "url": "https://x"}
    assert [item["id"] for item in twice["inputs"]] == ["github-token", "janagent-serper-api-key"]


def test_writing_a_new_config_creates_it_privately_without_a_backup(tmp_path: Path) -> None:
    path = tmp_path / "Claude" / "claude_desktop_config.json"
    fragment = client_fragment("claude", our_servers(python=PYTHON, environ=ENVIRON), redact=False)
    result = write_client_config(path, fragment, "claude", now=NOW)
    assert result.backup is None
    assert json.loads(path.read_text()) == fragment
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left behind


def test_writing_over_a_config_backs_up_the_old_bytes_first(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    original = '{\n  "mcpServers": {"notes": {"command": "notes-mcp"}},\n  "theme": "dark"\n}\n'
    path.write_text(original)
    fragment = client_fragment("cursor", our_servers(python=PYTHON, environ={}), redact=False)
    first = write_client_config(path, fragment, "cursor", now=NOW)
    second = write_client_config(path, fragment, "cursor", now=NOW)
    assert first.backup == tmp_path / "mcp.json.20260102-030405.bak"
    assert first.backup.read_text() == original
    assert second.backup is not None and second.backup != first.backup
    written = json.loads(path.read_text())
    assert written["theme"] == "dark"
    assert set(written["mcpServers"]) == {"notes", "janagent-search", "janagent-fetch"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"mcpServers": {,}}', "is not valid JSON"),
        ("// comment\n{}", "is not valid JSON"),
        ("[1, 2]", "does not hold a JSON object"),
        ('{"mcpServers": []}', "is not a JSON object"),
    ],
)
def test_a_config_we_cannot_merge_is_left_untouched(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "claude_desktop_config.json"
    path.write_text(content)
    fragment = client_fragment("claude", our_servers(python=PYTHON, environ={}), redact=False)
    with pytest.raises(JanagentError, match=message):
        write_client_config(path, fragment, "claude", now=NOW)
    assert path.read_text() == content
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_an_empty_config_file_counts_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "mcp_config.json"
    path.write_text("")
    fragment = client_fragment("jan", our_servers(python=PYTHON, environ={}), redact=False)
    write_client_config(path, fragment, "jan", now=NOW)
    assert set(json.loads(path.read_text())["mcpServers"]) == {"janagent-search", "janagent-fetch"}
