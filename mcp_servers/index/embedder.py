"""Which embedding model an index uses: loading the default lazily and naming a model for the index."""

from __future__ import annotations

from collections.abc import Callable

from mcp_servers.index.vectors import Embedder


def default_embedder() -> Embedder:
    """The default static model (from the hub cache, or distilled locally once and cached)."""
    from mcp_servers.embeddings import load_static_model

    return load_static_model()


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
