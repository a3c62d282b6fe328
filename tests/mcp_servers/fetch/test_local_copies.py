"""fetch over a local index: a doc id reads the indexed document, and a URL that fails falls back to its copy."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mcp.client import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import TextContent

from mcp_servers.fetch import FetchError, FetchOptions, fetch_page
from mcp_servers.fetch.local_copies import IndexDocuments
from mcp_servers.fetch.server import build_fetch_server
from mcp_servers.index.registry import open_local_index
from mcp_servers.types import Document
from tests.fakes import HashingEmbedder
from tests.mcp_servers.fetch.conftest import LocalSite

REPO_ROOT = Path(__file__).resolve().parents[3]
FILLER = " ".join(f"Paragraph {n} of the history says little of note." for n in range(40))
JATTE = Document(
    id="jatte",
    title="A Sunday Afternoon on the Island of La Grande Jatte",
    text=f"{FILLER}\n\nThe painting was made by Georges Seurat from 1884 to 1886 with dots of paint.",
)


def index_with(*docs: Document, name: str = "default") -> IndexDocuments:
    open_local_index(name, embedder=HashingEmbedder()).add_documents(list(docs))
    return IndexDocuments(name)


def options_with(local: IndexDocuments, tmp_path: Path) -> FetchOptions:
    return FetchOptions(
        allow_private_network=True,
        read_timeout_s=5,
        total_timeout_s=15,
        cache_dir=tmp_path / "cache",
        embedder=HashingEmbedder(),
        local_documents=local,
    )


async def test_a_doc_id_reads_the_whole_indexed_document(tmp_path: Path) -> None:
    options = options_with(index_with(JATTE), tmp_path)
    result = await fetch_page("jatte", max_length=100_000, options=options)
    assert result.title == JATTE.title
    assert result.final_url == "jatte"
    assert result.notice == "From the local index 'default' (document jatte)."
    text = result.to_text()
    assert text.startswith(f"Title: {JATTE.title}\nURL: jatte\nFrom the local index 'default' (document jatte).\n\n")
    # Every passage, in order: the answer sits in the document's last passage, past the first one.
    assert result.content.index("Paragraph 0 ") < result.content.index("Paragraph 39 ")
    assert result.content.rstrip().endswith("with dots of paint.")


async def test_a_query_puts_the_documents_matching_passage_first(tmp_path: Path) -> None:
    options = options_with(index_with(JATTE), tmp_path)
    result = await fetch_page("jatte", query="Georges Seurat dots of paint", max_length=100_000, options=options)
    first, *others = result.content.split("\n\n[passage ")
    assert first.startswith("[passage ")
    assert "Georges Seurat" in first
    assert others and not any("Georges Seurat" in passage for passage in others)


async def test_a_url_that_cannot_be_fetched_gives_the_indexed_copy_and_says_why(
    local_site: LocalSite, tmp_path: Path
) -> None:
    url = local_site.url("/wiki/Jatte")  # the site answers 404 for it
    local = index_with(JATTE.model_copy(update={"url": url}))
    # The model copies a URL with small changes; each still names the indexed page.
    for asked in (url, url + "/", url.replace("/wiki/Jatte", "/wiki/%4Aatte"), url + "#History"):
        result = await fetch_page(asked, max_length=100_000, options=options_with(local, tmp_path))
        assert result.final_url == url
        assert result.notice is not None
        assert result.notice.startswith("Copy from the local index 'default': the live page could not be fetched (")
        assert "404" in result.notice
        assert "with dots of paint" in result.content


async def test_a_page_that_can_be_fetched_is_read_live_not_from_the_index(
    local_site: LocalSite, tmp_path: Path
) -> None:
    live = "<html><head><title>Jatte</title></head><body><article><p>The live page, revised today.</p></article></body></html>"
    url = local_site.page("/wiki/Jatte", live)
    result = await fetch_page(url, options=options_with(index_with(JATTE.model_copy(update={"url": url})), tmp_path))
    assert result.notice is None
    assert "revised today" in result.content


async def test_what_neither_the_web_nor_the_index_has_is_an_error_naming_both(
    local_site: LocalSite, tmp_path: Path
) -> None:
    options = options_with(index_with(JATTE), tmp_path)
    with pytest.raises(
        FetchError, match=r"^'nope-1' is neither an http\(s\) URL nor the id of a document in index 'default'$"
    ):
        await fetch_page("nope-1", options=options)
    with pytest.raises(FetchError, match="404"):  # the fetch's own reason, unchanged
        await fetch_page(local_site.url("/missing"), options=options)


async def test_without_an_index_a_doc_id_is_refused_as_before(tmp_path: Path) -> None:
    options = options_with(IndexDocuments("absent"), tmp_path)
    with pytest.raises(FetchError, match="index 'absent'"):
        await fetch_page("jatte", options=options)
    with pytest.raises(FetchError):
        await fetch_page("jatte", options=FetchOptions(cache_dir=tmp_path / "cache"))


async def test_the_server_reads_a_doc_id_in_memory_and_over_stdio(janagent_home: Path) -> None:
    index_with(JATTE, name="paintings")
    server = build_fetch_server(embedder=HashingEmbedder(), local_documents=IndexDocuments("paintings"))
    async with Client(server) as client:
        result = await client.call_tool("fetch", {"url": "jatte"})
    assert result.is_error is False
    assert isinstance(result.content[0], TextContent)
    assert "with dots of paint" in result.content[0].text

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "mcp_servers.fetch", "--index", "paintings"],
        env={"JANAGENT_HOME": str(janagent_home), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO_ROOT)},
    )
    async with Client(params, read_timeout_seconds=60) as client:
        over_stdio = await client.call_tool("fetch", {"url": "jatte", "max_length": 100_000})
        refused = await client.call_tool("fetch", {"url": "nope-1"})
    assert over_stdio.is_error is False
    assert isinstance(over_stdio.content[0], TextContent)
    assert "From the local index 'paintings' (document jatte)." in over_stdio.content[0].text
    assert refused.is_error is True


async def test_a_broken_index_is_no_copy_and_fetch_still_answers(janagent_home: Path, tmp_path: Path) -> None:
    from mcp_servers.index.registry import index_path

    broken = index_path("broken")
    (broken / "gen-1").mkdir(parents=True)
    (broken / "gen-1" / "meta.json").write_text("{not json", encoding="utf-8")
    (broken / "CURRENT").write_text("gen-1", encoding="utf-8")
    with pytest.raises(FetchError, match="nor the id of a document in index 'broken'"):
        await fetch_page("jatte", options=options_with(IndexDocuments("broken"), tmp_path))
