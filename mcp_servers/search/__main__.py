"""``python -m mcp_servers.search``: the search server over stdio (stdout is the protocol, logs go to stderr)."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys

from mcp_servers.search.backends import SOURCES


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mcp_servers.search", description="Run the janagent search MCP server over stdio."
    )
    parser.add_argument("--index", default=None, help="local index name (default: the default index)")
    parser.add_argument(
        "--source", default=None, choices=SOURCES, help="default source (default: $JANAGENT_SEARCH_SOURCE or local)"
    )
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve the search tool over stdio until the client closes the connection."""
    args = parse_args(argv)
    # Anything written to stdout would corrupt the JSON-RPC stream, so logging goes to stderr only.
    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    from mcp_servers.search.server import build_search_server

    try:
        server = build_search_server(index=args.index, default_source=args.source)
    except ValueError as exc:  # a bad $JANAGENT_SEARCH_SOURCE
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    # Ctrl-C in a terminal is a normal way to stop a stdio server: no traceback for it.
    with contextlib.suppress(KeyboardInterrupt):
        server.run("stdio")


if __name__ == "__main__":
    main()
