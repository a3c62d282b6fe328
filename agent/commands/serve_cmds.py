"""`janagent serve`, `janagent mcp-config` and `janagent bench load`: our MCP servers for other apps."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    from mcp.server import MCPServer

err_console = Console(stderr=True)
# A guessable token protects nothing; 16 characters of token_urlsafe is 96 bits.
MIN_TOKEN_CHARS = 16


class ServerKind(StrEnum):
    search = "search"
    fetch = "fetch"


class Transport(StrEnum):
    stdio = "stdio"
    http = "http"


class ClientName(StrEnum):
    claude = "claude"
    cursor = "cursor"
    vscode = "vscode"
    jan = "jan"


def build_server(kind: ServerKind, *, index: str | None, allow_private_network: bool) -> MCPServer:
    """The search or fetch MCP server, built with the options that apply to it."""
    if kind is ServerKind.search:
        if allow_private_network:
            raise JanagentError("--allow-private-network applies to the fetch server only")
        from mcp_servers.search.server import build_search_server

        return build_search_server(index=index)
    if index is not None:
        raise JanagentError("--index applies to the search server only")
    from mcp_servers.fetch.server import build_fetch_server

    return build_fetch_server(allow_private_network=allow_private_network)


def read_token(token_env: str | None) -> str | None:
    """The bearer token from the environment variable named ``token_env`` (never from the command line)."""
    if token_env is None:
        return None
    token = os.environ.get(token_env, "").strip()
    if not token:
        raise JanagentError(
            f"${token_env} is empty - set it to a random token, e.g. "
            f"`export {token_env}=$(python -c 'import secrets; print(secrets.token_urlsafe(32))')`"
        )
    if len(token) < MIN_TOKEN_CHARS:
        raise JanagentError(f"${token_env} is shorter than {MIN_TOKEN_CHARS} characters - use a long random token")
    return token


def serve(
    server: Annotated[ServerKind, typer.Argument(help="Which server: search or fetch")],
    transport: Annotated[Transport, typer.Option(help="stdio for desktop apps; http serves /mcp")] = Transport.stdio,
    host: Annotated[str, typer.Option(help="HTTP bind address; anything but loopback needs --token-env")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="HTTP port (0 picks a free one)")] = 8765,
    index: Annotated[str | None, typer.Option(help="Local index the search server uses")] = None,
    allow_private_network: Annotated[
        bool, typer.Option("--allow-private-network", help="Let fetch reach private and loopback addresses")
    ] = False,
    token_env: Annotated[
        str | None, typer.Option(help="Environment variable holding the bearer token HTTP clients must send")
    ] = None,
    allowed_host: Annotated[
        list[str] | None, typer.Option(help="Extra Host name clients may use (a DNS name); repeatable")
    ] = None,
) -> None:
    """Run the search or fetch MCP server over stdio (desktop apps) or streamable HTTP at /mcp."""
    if transport is Transport.stdio:
        if token_env or allowed_host:
            raise JanagentError("--token-env and --allowed-host apply to --transport http only")
        # stdout is the protocol: everything else goes to stderr (the SDK's logging already does).
        build_server(server, index=index, allow_private_network=allow_private_network).run("stdio")
        return

    from mcp_servers.http_transport import InsecureBindError, run_http, security_for_bind

    token = read_token(token_env)
    try:
        security = security_for_bind(host, token=token, extra_hosts=allowed_host or ())
    except InsecureBindError as exc:
        raise JanagentError(f"{exc} - pass --token-env NAME with the token in $NAME, or bind 127.0.0.1") from exc
    mcp_server = build_server(server, index=index, allow_private_network=allow_private_network)
    try:
        run_http(mcp_server, host=host, port=port, security=security)
    except OSError as exc:
        raise JanagentError(f"cannot listen on {host}:{port} ({exc.strerror}) - pick another --port or --host") from exc


def mcp_config(
    client: Annotated[ClientName, typer.Option(help="The app to configure")],
    write: Annotated[bool, typer.Option("--write", help="Merge into the app's config file (with a backup)")] = False,
    config_path: Annotated[Path | None, typer.Option(help="The app's config file, if not at its usual place")] = None,
) -> None:
    """Print (or merge with --write) the config entries that start janagent's MCP servers in a desktop app."""
    from agent.desktop_config import client_config_path, client_fragment, is_secret, our_servers, write_client_config

    servers = our_servers()
    path = config_path or Path(str(client_config_path(client.value)))
    secrets = sorted({name for server in servers for name in server.env if is_secret(name)})
    if not write:
        fragment = client_fragment(client.value, servers, redact=True)
        sys.stdout.write(json.dumps(fragment, indent=2) + "\n")
        err_console.print(f"add these entries to {path}, or run again with --write to merge them", highlight=False)
        if secrets and client is not ClientName.vscode:
            err_console.print(
                f"replace the placeholders for {', '.join(secrets)} with your keys (--write copies them from "
                "your environment)",
                highlight=False,
            )
        return
    fragment = client_fragment(client.value, servers, redact=False)
    result = write_client_config(path, fragment, client.value)
    report = {
        "written": str(result.path),
        "backup": str(result.backup) if result.backup else None,
        "servers": sorted(server.name for server in servers),
    }
    sys.stdout.write(json.dumps(report, indent=2) + "\n")
    if secrets and client is not ClientName.vscode:
        err_console.print(f"{path} now holds {', '.join(secrets)}; keep it private", highlight=False)
    err_console.print(f"restart {client.value} to load the servers", highlight=False)


def bench_load(
    sessions: Annotated[int, typer.Option(min=1, max=500, help="Concurrent MCP sessions")] = 50,
    calls: Annotated[int, typer.Option(min=1, max=1000, help="Search calls per session")] = 20,
    index: Annotated[str | None, typer.Option(help="Local index to search (started server only)")] = None,
    url: Annotated[str | None, typer.Option(help="Target a running server on loopback instead of starting one")] = None,
    token_env: Annotated[str | None, typer.Option(help="Environment variable holding the server's token")] = None,
    timeout: Annotated[float, typer.Option(min=1, max=3600, help="Bound on the whole run, in seconds")] = 300.0,
) -> None:
    """N concurrent MCP sessions over HTTP on loopback, M searches each; prints throughput, latency, errors."""
    from eval.load_bench import LoadOptions, run_load_bench

    options = LoadOptions(sessions=sessions, calls=calls, total_timeout_s=timeout)
    try:
        report = run_load_bench(options, index=index, url=url, token=read_token(token_env), log=err_console.print)
    except (ValueError, RuntimeError) as exc:  # a non-loopback URL, a server that would not start or answer
        first, *details = str(exc).splitlines()
        if details:  # the server's last log lines say why it did not start
            err_console.print("\n".join(details), highlight=False, markup=False)
        raise JanagentError(first) from exc
    sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `serve`, `mcp-config` and `bench load` to the CLI."""
    app.command("serve")(serve)
    app.command("mcp-config")(mcp_config)
    bench.command("load")(bench_load)
