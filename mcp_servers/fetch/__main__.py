"""``python -m mcp_servers.fetch``: the fetch MCP server over stdio (logs go to stderr, stdout is the protocol)."""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> None:
    """Parse flags and serve the fetch tool over stdio until the client disconnects."""
    parser = argparse.ArgumentParser(prog="python -m mcp_servers.fetch", description=__doc__)
    parser.add_argument(
        "--allow-private-network",
        action="store_true",
        help="let fetch reach loopback, private and link-local addresses (intranet use)",
    )
    parser.add_argument("--ignore-robots", action="store_true", help="do not check robots.txt")
    parser.add_argument(
        "--index",
        default=None,
        help="local index whose documents fetch reads by doc id, or when their URL cannot be fetched "
        "(default: $JANAGENT_INDEX or 'default')",
    )
    parser.add_argument("--no-local", action="store_true", help="never read documents from a local index")
    parser.add_argument("--log-level", default="WARNING", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=args.log_level)

    from mcp_servers.fetch.local_copies import IndexDocuments
    from mcp_servers.fetch.server import build_fetch_server

    server = build_fetch_server(
        allow_private_network=args.allow_private_network,
        respect_robots=not args.ignore_robots,
        local_documents=None if args.no_local else IndexDocuments(args.index),
    )
    server.run("stdio")


if __name__ == "__main__":
    main()
