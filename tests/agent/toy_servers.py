"""Small MCP servers for the agent tests: built in memory, or run over stdio with
``python -m tests.agent.toy_servers`` (that one also has a ``die`` tool that kills its own process)."""

from __future__ import annotations

import os
from typing import Annotated

import anyio
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

PAINTING_HITS = [
    {
        "title": "Georges Seurat",
        "url": "https://en.wikipedia.org/wiki/Georges_Seurat",
        "snippet": "Georges Seurat was a French painter who devised pointillism. His best-known work is "
        "A Sunday Afternoon on the Island of La Grande Jatte (1884-1886).",
    },
    {
        "title": "Claude Monet",
        "url": "https://en.wikipedia.org/wiki/Claude_Monet",
        "snippet": "Claude Monet was a French painter and a founder of Impressionism.",
    },
]


def format_hits(hits: list[dict[str, str]]) -> str:
    """Hits as numbered text blocks with a url line, the way a search tool answers a model."""
    return "\n\n".join(
        f"{i}. {hit['title']}\nurl: {hit['url']}\n{hit['snippet']}" for i, hit in enumerate(hits, start=1)
    )


def build_toy_server(
    name: str = "toy", hits: list[dict[str, str]] | None = None, queries: list[str] | None = None
) -> MCPServer:
    """A server with ``search`` (appends each query to ``queries``), ``fetch`` (a long page), ``fail``,
    ``hang`` (never returns) and ``meet`` (two calls that only finish when they run at the same time)."""
    server = MCPServer(name)
    seen = queries if queries is not None else []
    peers: dict[str, anyio.Event] = {}

    @server.tool()
    def search(
        query: Annotated[str, Field(description="What to search for")],
        k: Annotated[int, Field(ge=1, le=10, description="Number of hits")] = 5,
    ) -> str:
        """Search the web."""
        seen.append(query)
        return format_hits((hits if hits is not None else PAINTING_HITS)[:k])

    @server.tool()
    def fetch(url: str, length: int = 100) -> str:
        """Fetch a page."""
        return f"Page {url}\n" + "word " * length

    @server.tool()
    def fail(reason: str) -> str:
        """Always fails."""
        raise ToolError(f"failed on purpose: {reason}")

    @server.tool()
    async def hang() -> str:
        """Never returns."""
        await anyio.sleep_forever()
        return "unreachable"

    @server.tool()
    async def meet(me: str, other: str) -> str:
        """Returns once the call named ``other`` is running too; a sequential caller times out."""
        peers.setdefault(me, anyio.Event()).set()
        with anyio.fail_after(10):
            await peers.setdefault(other, anyio.Event()).wait()
        return f"{me} met {other}"

    return server


if __name__ == "__main__":
    stdio_server = build_toy_server("toy-stdio")

    @stdio_server.tool()
    def die() -> str:
        """Kills this server's process, as a crash would."""
        os._exit(3)

    stdio_server.run()
