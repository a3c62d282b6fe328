"""The local hybrid index (BM25 + Model2Vec vectors on local disk) and the entry points to any index.

from mcp_servers.index import open_index
index = open_index("default")          # or a Qdrant URL: "http://localhost:6333/wiki"
index.add_documents(load_documents(["notes/"]))
hits = index.search("pointillist painting of an island in the Seine", k=5)
"""

from mcp_servers.index.loaders import demo_documents, load_documents
from mcp_servers.index.registry import DEFAULT_INDEX, list_indexes, open_index, open_local_index, remove_index

__all__ = [
    "DEFAULT_INDEX",
    "demo_documents",
    "list_indexes",
    "load_documents",
    "open_index",
    "open_local_index",
    "remove_index",
]
