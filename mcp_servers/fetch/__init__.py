"""The fetch tool: SSRF-safe page fetching, main-text extraction, query-ranked passages, pagination.

``fetch_page`` is the plain async API (CLI, benchmark); ``build_fetch_server`` in ``.server`` wraps it as MCP.
"""

from mcp_servers.fetch.errors import FetchError
from mcp_servers.fetch.http_fetch import FetchOptions
from mcp_servers.fetch.network_guard import RefusedURL
from mcp_servers.fetch.page import DEFAULT_MAX_LENGTH, FetchResult, fetch_page

__all__ = ["DEFAULT_MAX_LENGTH", "FetchError", "FetchOptions", "FetchResult", "RefusedURL", "fetch_page"]
