"""Which embedding model an index uses: loading the default lazily and naming a model for the index."""

from __future__ import annotations

from collections.abc import Callable

from mcp_servers.errors import JanagentError
from mcp_servers.index.vectors import Embedder


def default_embedder() -> Embedder:
    """The default static model (from the hub cache, or distilled locally once and cached)."""
    from mcp_servers.embeddings import load_static_model

    return load_static_model()


def resolve_embedder(spec: str | None) -> Embedder:
    """The embedding model named by a Model2Vec ``spec`` (a path or model name), else the default one."""
    if spec is None:
        return default_embedder()
    from mcp_servers.embeddings import load_static_model

    return load_static_model(spec)


def embedder_id(model: object) -> str:
    """A stable name for an embedding model, recorded in the index so that models are never mixed."""
    from mcp_servers.embeddings import model_id

    return model_id(model)


class LazyEmbedder:
    """Loads the embedding model on first use, so that BM25-only searches and stats never load one."""

    def __init__(self, factory: Callable[[], Embedder]) -> None:
        self._factory = factory
        self._model: Embedder | None = None
        self._id: str | None = None

    @property
    def model(self) -> Embedder:
        if self._model is None:
            self._model = self._factory()
        return self._model

    @property
    def id(self) -> str:
        if self._id is None:
            self._id = embedder_id(self.model)
        return self._id


def check_same_model(index_name: str, built_with: str | None, used: str) -> None:
    """Refuse to mix embedding models in one index: its vectors and the query's must come from one model."""
    if built_with is not None and built_with != used:
        raise JanagentError(
            f"index '{index_name}' was built with embedding model {built_with} but this run uses "
            f"{used}; use the same model or rebuild it (janagent index remove {index_name})"
        )
