"""Named indexes: open one (local folder or Qdrant URL), list them, remove one."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from mcp_servers.errors import JanagentError
from mcp_servers.home import indexes_dir
from mcp_servers.index.local_index import LocalIndex
from mcp_servers.index.store import read_pointer, writer_lock
from mcp_servers.index.vectors import Embedder
from mcp_servers.types import IndexStats, SearchIndex

DEFAULT_INDEX = "default"
INDEX_ENV = "JANAGENT_INDEX"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def resolve_name(name: str | None) -> str:
    """The index name to use: the given one, else $JANAGENT_INDEX, else ``default``."""
    return name or os.environ.get(INDEX_ENV) or DEFAULT_INDEX


def index_path(name: str) -> Path:
    """The folder of a local index; the name must be a plain file name."""
    if not _NAME.fullmatch(name):
        raise JanagentError(
            f"invalid index name {name!r}: use letters, digits, '.', '_' or '-' (or a Qdrant URL like http://host:6333/collection)"
        )
    return indexes_dir() / name


def open_index(
    name: str | None = None, *, embedder: Embedder | None = None, embed_model: str | None = None
) -> SearchIndex:
    """Open (or create on first add) an index by name; a name with ``://`` is a Qdrant URL.

    The embedding model is loaded only when a search or an add needs it (default: the static model of
    ``mcp_servers.embeddings``).
    """
    resolved = resolve_name(name)
    if "://" in resolved:
        from mcp_servers.index.embedder import resolve_embedder
        from mcp_servers.index.qdrant_store import open_qdrant_index

        index: SearchIndex = open_qdrant_index(resolved, embedder or resolve_embedder(embed_model))
        return index
    return LocalIndex(resolved, index_path(resolved), embedder, embed_model=embed_model)


def open_local_index(
    name: str | None = None, *, embedder: Embedder | None = None, embed_model: str | None = None
) -> LocalIndex:
    """Like ``open_index`` but only for local indexes (typed as such)."""
    resolved = resolve_name(name)
    return LocalIndex(resolved, index_path(resolved), embedder, embed_model=embed_model)


def list_indexes() -> list[IndexStats]:
    """Stats of every local index under JANAGENT_HOME, by name."""
    out: list[IndexStats] = []
    for path in sorted(indexes_dir().iterdir()):
        if path.is_dir() and _NAME.fullmatch(path.name) and read_pointer(path) is not None:
            out.append(LocalIndex(path.name, path).stats())
    return out


def remove_index(name: str) -> bool:
    """Delete a local index and all its generations; False when there was none of that name."""
    path = index_path(name)
    if not path.is_dir():
        return False
    with writer_lock(path):
        # Unpublish first: a reader that opens it now sees "no index", never a half-deleted one.
        (path / "CURRENT").unlink(missing_ok=True)
    shutil.rmtree(path, ignore_errors=True)
    return True
