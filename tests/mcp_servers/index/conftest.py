"""Shared pieces for the local index tests: a hashing embedder and a fresh index under the test's home."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcp_servers.index.local_index import LocalIndex
from mcp_servers.types import Document
from tests.fakes import HashingEmbedder

PAINTINGS = [
    Document(
        id="jatte",
        title="A Sunday Afternoon on the Island of La Grande Jatte",
        text="A pointillist painting by Georges Seurat of Parisians relaxing on an island in the Seine.",
    ),
    Document(
        id="lilies", title="Water Lilies", text="A series of oil paintings by Claude Monet of his flower garden pond."
    ),
    Document(
        id="guernica",
        title="Guernica",
        text="A large oil painting by Pablo Picasso about the bombing of a Basque town.",
    ),
    Document(id="volcano", title="Mount Etna", text="An active stratovolcano on the east coast of Sicily, Italy."),
]


@pytest.fixture
def embedder() -> HashingEmbedder:
    return HashingEmbedder(dim=32)


@pytest.fixture
def index(tmp_path: Path, embedder: HashingEmbedder) -> LocalIndex:
    return LocalIndex("test", tmp_path / "test", embedder)
