"""fetch_page end to end on saved pages served locally: extraction, pagination notes, query ranking."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from eval.fetch_bench import BenchPage, load_article_pages, shingle_metrics, shingle_tp_fp_fn
from mcp_servers.fetch import FetchError, FetchOptions, fetch_page
from tests.mcp_servers.fetch.conftest import LocalSite, saved_page
from tests.mcp_servers.fetch.test_extract import make_pdf


def long_article(article_dir: Path) -> BenchPage:
    """The first saved article with a few thousand characters of text (some are only teasers)."""
    return next(p for p in load_article_pages(article_dir) if len(p.truth) > 4000)


NOTE = re.compile(
    r"\n\n\[Content cut: characters (\d+)-(\d+) of (\d+) shown\. To read more, call fetch with start_index=(\d+)\.\]$"
)


async def test_a_saved_article_comes_back_as_its_main_text(
    local_site: LocalSite, local_options: FetchOptions, article_dir: Path
) -> None:
    page = load_article_pages(article_dir, limit=3)[2]
    url = local_site.page("/article.html", saved_page(article_dir, page.id))
    result = await fetch_page(url, max_length=100_000, options=local_options)
    assert result.final_url == url
    assert result.title
    assert result.next_start_index is None
    assert shingle_metrics([shingle_tp_fp_fn(page.truth, result.content)])["recall"] > 0.8
    assert f"Title: {result.title}\nURL: {url}\n\n" in result.to_text()


async def test_pages_follow_each_other_exactly_and_say_where_to_go_next(
    local_site: LocalSite, local_options: FetchOptions, article_dir: Path
) -> None:
    page = long_article(article_dir)
    url = local_site.page("/article.html", saved_page(article_dir, page.id))
    whole = await fetch_page(url, max_length=100_000, options=local_options)
    pieces, start, calls = [], 0, 0
    while True:
        result = await fetch_page(url, start_index=start, max_length=700, options=local_options)
        calls += 1
        assert result.total_length == whole.total_length
        match = NOTE.search(result.content)
        if result.next_start_index is None:
            assert match is None
            pieces.append(result.content.split("\n\n[End of content:")[0])
            assert result.content.endswith(f"of {result.total_length} shown; there is no more.]")
            break
        assert match is not None
        assert int(match.group(1)) == start and int(match.group(4)) == result.next_start_index
        pieces.append(result.content[: match.start()])
        start = result.next_start_index
    assert calls > 2
    # Pages are cut at whitespace and shown without their trailing whitespace: the words all come back in order.
    assert " ".join("".join(p + " " for p in pieces).split()) == " ".join(whole.content.split())


async def test_a_start_index_past_the_end_says_there_is_no_more(
    local_site: LocalSite, local_options: FetchOptions
) -> None:
    url = local_site.page("/short.txt", "just a few words", "text/plain")
    result = await fetch_page(url, start_index=500, options=local_options)
    assert result.next_start_index is None
    assert result.content == "[No more content: the text has 16 characters and start_index=500 is past the end.]"


async def test_with_a_query_the_answering_passage_comes_first(
    local_site: LocalSite, local_options: FetchOptions, article_dir: Path
) -> None:
    page = long_article(article_dir)
    url = local_site.page("/article.html", saved_page(article_dir, page.id))
    whole = await fetch_page(url, max_length=100_000, options=local_options)
    # A sentence from deep in the article; asking about it must bring its passage to the top.
    sentence = next(line for line in whole.content.splitlines()[::-1] if len(line.split()) > 12)
    query = " ".join(sentence.split()[:12])
    result = await fetch_page(url, query=query, max_length=1500, options=local_options)
    first = result.content.split("\n\n[passage ")[0]
    assert first.startswith("[passage ")
    assert " ".join(sentence.split()[:8]) in " ".join(first.split())
    assert result.query == query
    assert "Passages ranked by relevance to" in result.to_text()


async def test_pdf_and_json_pages_are_read(local_site: LocalSite, local_options: FetchOptions) -> None:
    pdf = local_site.page("/report.pdf", make_pdf(["Annual figures", "Net income rose 7 percent."]), "application/pdf")
    data = local_site.page("/data.json", json.dumps({"answer": 42}), "application/json")
    assert "Net income rose 7 percent." in (await fetch_page(pdf, options=local_options)).content
    assert '"answer": 42' in (await fetch_page(data, options=local_options)).content


async def test_the_default_options_refuse_the_local_server(local_site: LocalSite, tmp_path: Path) -> None:
    url = local_site.page("/page.html", "<p>hi</p>")
    with pytest.raises(FetchError, match=r"refused: 127\.0\.0\.1 is a loopback address"):
        await fetch_page(url, options=FetchOptions(cache_dir=tmp_path))
    assert local_site.requests == []
