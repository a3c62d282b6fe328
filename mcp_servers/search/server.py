"""The search MCP server: one ``search`` tool over the local index and keyless web search services."""

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

import anyio
import httpx
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from mcp_servers.index.snippets import cut_snippet
from mcp_servers.search.backends import SOURCES, LocalBackend, SearchBackend, SearchError, web_backend
from mcp_servers.search.backends.base import make_http_client, no_results
from mcp_servers.types import SearchHit, SearchIndex

logger = logging.getLogger(__name__)

SOURCE_ENV = "JANAGENT_SEARCH_SOURCE"
MAX_K = 20
# httpx bounds each operation; this bounds the whole call, so a slow trickle cannot stall the model's turn.
WEB_DEADLINE_S = 30.0

DESCRIPTION = (
    "Search for information. Use it before answering any question about facts, people, places, dates or "
    "numbers. Returns numbered results, each with a title, a url (or doc id), a snippet and a score. "
    "To read a whole page, call fetch with a result's url. "
    "If no result helps, search again with fewer or different words."
)

QueryArg = Annotated[
    str,
    Field(min_length=1, max_length=500, description="A few keywords or a short question, e.g. 'Eiffel Tower height'"),
]
KArg = Annotated[int, Field(ge=1, le=MAX_K, description="How many results to return (1-20)")]
SourceArg = Annotated[
    str,
    Field(
        description="Where to search: local (offline documents), wikipedia, searxng, duckduckgo or serper (the web)",
        json_schema_extra={"enum": list(SOURCES)},
    ),
]


class SearchResults(BaseModel):
    """The structured form of a search call's result, for clients that read structured content."""

    query: str
    source: str
    hits: list[SearchHit]


def choose_default_source(source: str | None = None) -> str:
    """The source used when the model names none: the argument, else $JANAGENT_SEARCH_SOURCE, else local."""
    chosen = (source or os.environ.get(SOURCE_ENV) or "local").strip().lower()
    if chosen not in SOURCES:
        raise ValueError(f"unknown search source '{chosen}'; use one of: {', '.join(SOURCES)}")
    return chosen


def format_results(results: SearchResults) -> str:
    """The numbered, plain-text result list the model reads."""
    lines = [f'Results for "{results.query}" from {results.source}:', ""]
    for number, hit in enumerate(results.hits, start=1):
        lines.append(f"{number}. {hit.title}")
        lines.append(f"   url: {hit.url}" if hit.url else f"   doc: {hit.doc_id or hit.title}")
        if hit.snippet:
            lines.append(f"   {hit.snippet}")
        lines.append(f"   score: {hit.score:.3f}")
    if any(hit.url for hit in results.hits):
        lines += ["", "To read a page, call fetch with its url."]
    return "\n".join(lines)


class _HttpClientHolder:
    """The httpx client for web backends: the caller's, or one of our own closed when the last session ends."""

    def __init__(self, client: httpx.AsyncClient | None) -> None:
        self._given = client
        self._own: httpx.AsyncClient | None = None
        self._sessions = 0

    def get(self) -> httpx.AsyncClient:
        if self._given is not None:
            return self._given
        if self._own is None:
            self._own = make_http_client()
        return self._own

    @asynccontextmanager
    async def lifespan(self, _server: MCPServer) -> AsyncIterator[None]:
        self._sessions += 1
        try:
            yield
        finally:
            self._sessions -= 1
            if self._sessions == 0 and self._own is not None:
                own, self._own = self._own, None
                await own.aclose()


def build_search_server(
    *,
    index: str | None = None,
    default_source: str | None = None,
    http_client: httpx.AsyncClient | None = None,
    local_index: SearchIndex | None = None,
    web_deadline_s: float = WEB_DEADLINE_S,
) -> MCPServer:
    """Build the search server.

    ``index`` names the local index (opened on the first local search); ``local_index`` hands over an index
    object instead (tests, embedding apps). ``default_source`` falls back to $JANAGENT_SEARCH_SOURCE, then
    ``local``. Web backends use ``http_client`` when given, otherwise a client with bounded timeouts; a web
    search that takes longer than ``web_deadline_s`` in all is abandoned.
    """
    fallback_source = choose_default_source(default_source)
    local = LocalBackend(index_name=index, index=local_index)
    clients = _HttpClientHolder(http_client)
    server = MCPServer(
        name="janagent-search",
        instructions="Search the local index or the web. Call search, then fetch a result's url to read it.",
        lifespan=clients.lifespan,
    )

    def backend_for(source: str) -> SearchBackend:
        return local if source == "local" else web_backend(source, clients.get())

    async def search(
        query: QueryArg, k: KArg = 5, source: SourceArg = fallback_source
    ) -> Annotated[CallToolResult, SearchResults]:
        query = " ".join(query.split())
        source = source.strip().lower()
        if not query:
            raise ToolError("the query is empty; pass a few keywords")
        try:
            backend = backend_for(source)
            if source == "local":
                hits = await backend.search(query, k)
            else:
                with anyio.fail_after(web_deadline_s):
                    hits = await backend.search(query, k)
            if not hits:
                raise no_results(query, source)
        except SearchError as exc:
            raise ToolError(str(exc)) from exc
        except TimeoutError as exc:
            raise ToolError(f"search backend {source} timed out after {web_deadline_s:g} s; try source=local") from exc
        results = SearchResults(
            query=query,
            source=source,
            hits=[hit.model_copy(update={"snippet": cut_snippet(hit.snippet, query)}) for hit in hits[:k]],
        )
        return CallToolResult(
            content=[TextContent(type="text", text=format_results(results))],
            structured_content=results.model_dump(mode="json"),
        )

    server.add_tool(
        search,
        name="search",
        title="Search",
        description=DESCRIPTION + f" Default source: {fallback_source}.",
        annotations=ToolAnnotations(read_only_hint=True, open_world_hint=True),
    )
    return server
