"""janagent: a research assistant that answers questions by calling tools over MCP."""

__version__ = "0.1.0"
