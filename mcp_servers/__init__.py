"""MCP servers (search, fetch) and what they stand on: the local index and Model2Vec embeddings."""
