"""The search MCP server: ``build_search_server()`` builds it, ``python -m mcp_servers.search`` runs it over stdio."""
