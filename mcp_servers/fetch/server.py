"""The fetch MCP server: one tool, ``fetch``, that reads a web page safely for a small model."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import httpx
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ToolAnnotations
from pydantic import Field

from mcp_servers.fetch.errors import FetchError
from mcp_servers.fetch.http_fetch import FetchOptions
from mcp_servers.fetch.local_copies import DocumentSource
from mcp_servers.fetch.network_guard import Resolver
from mcp_servers.fetch.page import DEFAULT_MAX_LENGTH, fetch_page

MAX_MAX_LENGTH = 100_000

FETCH_DESCRIPTION = """Read a web page and get its main text as markdown (menus, ads and footers removed).

Use it to read a URL from search results or from the user.
- query: give the question you are answering; the page's most relevant passages then come first, each marked \
with its place in the page.
- Long pages are cut at max_length characters. The result then ends with the start_index to use next; call \
fetch again with the same url and that start_index to read on.
Only public http and https pages can be read. If the result is an error, read its reason: do not retry the \
same URL unchanged."""


def build_fetch_server(
    *,
    allow_private_network: bool = False,
    respect_robots: bool = True,
    embedder: Any = None,
    http_transport: httpx.AsyncBaseTransport | None = None,
    resolver: Resolver | None = None,
    local_documents: DocumentSource | None = None,
) -> MCPServer:
    """An MCPServer with the fetch tool.

    allow_private_network turns the SSRF guard off (intranet use); respect_robots follows robots.txt; embedder
    (``encode(list[str])``) ranks passages, loaded lazily from the project's static model when None;
    http_transport and resolver replace the network for tests; local_documents is where a doc id, or a URL
    that cannot be fetched (offline), is read from instead.
    """
    server = MCPServer(
        name="janagent-fetch",
        instructions="Reads web pages: call fetch with a URL, and a query to get the relevant passages first.",
    )

    def options() -> FetchOptions:
        return FetchOptions(
            allow_private_network=allow_private_network,
            respect_robots=respect_robots,
            embedder=embedder,
            http_transport=http_transport,
            resolver=resolver,
            local_documents=local_documents,
        )

    @server.tool(
        description=FETCH_DESCRIPTION,
        annotations=ToolAnnotations(title="Fetch a web page", read_only_hint=True, open_world_hint=True),
        structured_output=False,
    )
    async def fetch(
        url: Annotated[str, Field(description="The http or https URL of the page to read.")],
        query: Annotated[
            str | None,
            Field(description="Optional: what you are looking for; the most relevant passages come first."),
        ] = None,
        start_index: Annotated[
            int,
            Field(ge=0, description="Character to start from. Use the start_index a cut result tells you; else 0."),
        ] = 0,
        max_length: Annotated[
            int, Field(ge=100, le=MAX_MAX_LENGTH, description="The most characters to return.")
        ] = DEFAULT_MAX_LENGTH,
        format: Annotated[
            Literal["markdown", "text"],
            Field(description="markdown keeps headings, lists and tables; text is plain."),
        ] = "markdown",
    ) -> str:
        try:
            result = await fetch_page(
                url, query=query, start_index=start_index, max_length=max_length, format=format, options=options()
            )
        except FetchError as exc:
            raise ToolError(str(exc)) from None
        return result.to_text()

    return server
