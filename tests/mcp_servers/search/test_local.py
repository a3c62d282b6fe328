"""The local backend: a given index is searched in a worker thread and kept."""

from __future__ import annotations

import threading

import pytest

from mcp_servers.search.backends import LocalBackend, SearchError
from mcp_servers.types import SearchHit
from tests.mcp_servers.search.doubles import FakeIndex, demo_docs


async def test_search_runs_the_blocking_index_search_in_a_worker_thread() -> None:
    index = FakeIndex(demo_docs())
    backend = LocalBackend(index=index)

    hits = await backend.search("pointillist painting", 3)

    assert [hit.doc_id for hit in hits] == ["seurat-jatte"]
    assert index.calls == [("pointillist painting", 3)]
    assert index.threads[0] != threading.get_ident()


async def test_the_index_is_kept_between_searches() -> None:
    index = FakeIndex(demo_docs())
    backend = LocalBackend(index=index)
    await backend.search("painting", 2)
    await backend.search("garden", 2)
    assert await backend.index() is index
    assert len(index.calls) == 2


class _EmptyIndex(FakeIndex):
    def __init__(self) -> None:
        super().__init__([])


class _BrokenIndex(FakeIndex):
    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        raise RuntimeError("index 'fake' changed while being opened; try again")


async def test_an_empty_index_says_it_is_empty_and_how_to_fill_it() -> None:
    with pytest.raises(SearchError, match=r"local index 'fake' is empty; use source=wikipedia, or build it"):
        await LocalBackend(index=_EmptyIndex()).search("anything", 5)


async def test_no_match_in_a_filled_index_is_an_empty_list() -> None:
    assert await LocalBackend(index=FakeIndex(demo_docs())).search("quantum chromodynamics", 5) == []


async def test_an_index_failure_is_passed_on_as_a_search_error() -> None:
    with pytest.raises(SearchError, match=r"local index search failed \(index 'fake' changed while being opened"):
        await LocalBackend(index=_BrokenIndex(demo_docs())).search("painting", 5)


async def test_a_named_index_is_opened_on_the_first_search_and_kept(demo_index: str) -> None:
    backend = LocalBackend(index_name=demo_index)
    hits = await backend.search("pointillist painting", 3)
    first = await backend.index()
    await backend.search("water lilies", 3)

    assert hits[0].doc_id == "seurat-jatte"
    assert await backend.index() is first


async def test_a_missing_index_is_reported_as_empty() -> None:
    with pytest.raises(SearchError, match=r"local index 'nothing-here' is empty"):
        await LocalBackend(index_name="nothing-here").search("painting", 5)
