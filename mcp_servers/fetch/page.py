"""fetch_page: URL in, one page of readable (optionally query-ranked) text out; used by the server, CLI and bench."""

from __future__ import annotations

from dataclasses import dataclass

import anyio

from mcp_servers.fetch.errors import FetchError
from mcp_servers.fetch.extract import Extracted, TextFormat, extract_body
from mcp_servers.fetch.http_fetch import FetchOptions, fetch_raw
from mcp_servers.fetch.paginate import paginate
from mcp_servers.fetch.passages import default_embedder, rank_passages, render_ranked, split_passages
from mcp_servers.types import Document

DEFAULT_MAX_LENGTH = 5000


@dataclass(frozen=True)
class FetchResult:
    """One page of a fetched document as the model reads it.

    ``content`` is the page of text followed, when the document goes on, by a note with the start_index to
    call next (or, past the end, a note that there is no more). ``total_length`` is the length of the whole
    text being paged: the extracted page, or with a query the ranked passages.
    """

    url: str
    final_url: str
    title: str | None
    content: str
    next_start_index: int | None
    total_length: int
    start_index: int = 0
    query: str | None = None
    # Where the text came from when it is not the live page (a local index's copy), in one line.
    notice: str | None = None

    def to_text(self) -> str:
        """The tool's answer: a short header (title, URL, how the text is ordered) then the content."""
        lines = []
        if self.title:
            lines.append(f"Title: {self.title}")
        lines.append(f"URL: {self.final_url}")
        if self.notice:
            lines.append(self.notice)
        if self.query:
            lines.append(
                f"Passages ranked by relevance to {self.query!r}, most relevant first; "
                "each marker gives the passage's place in the page."
            )
        return "\n".join(lines) + "\n\n" + self.content


def _with_note(text: str, start: int, next_start: int | None, total: int) -> str:
    # Trailing whitespace of a page is dropped from view only; next_start_index still counts it.
    if next_start is not None:
        return (
            f"{text.rstrip()}\n\n[Content cut: characters {start}-{next_start} of {total} shown. "
            f"To read more, call fetch with start_index={next_start}.]"
        )
    if total == 0:
        return "[The page has no readable text.]"
    if start >= total:
        return f"[No more content: the text has {total} characters and start_index={start} is past the end.]"
    if start > 0:
        return f"{text.rstrip()}\n\n[End of content: characters {start}-{total} of {total} shown; there is no more.]"
    return text


def _readable(text: str, query: str | None, options: FetchOptions) -> str:
    """The text to page through: the page's text, or with a query its passages, most relevant first."""
    if not query or not query.strip():
        return text
    passages = split_passages(text)
    embedder = options.embedder if options.embedder is not None else default_embedder()
    return render_ranked(rank_passages(passages, query, embedder), len(text))


async def fetch_page(
    url: str,
    *,
    query: str | None = None,
    start_index: int = 0,
    max_length: int = DEFAULT_MAX_LENGTH,
    format: TextFormat = "markdown",
    options: FetchOptions | None = None,
) -> FetchResult:
    """Fetch url safely, extract its readable text, rank passages for query, and return one page of it.

    Raises FetchError (RefusedURL for addresses the guard refuses) with a one-line reason.
    """
    if start_index < 0:
        raise ValueError("start_index must be >= 0")
    if max_length < 1:
        raise ValueError("max_length must be >= 1")
    options = options or FetchOptions()
    local = options.local_documents
    if local is not None and "://" not in url:  # a doc id: no page to try first
        document = await anyio.to_thread.run_sync(local.find, url)
        if document is None:
            raise FetchError(f"{url!r} is neither an http(s) URL nor the id of a document in index '{local.name}'")
        notice = f"From the local index '{local.name}' (document {document.id})."
        return await _local_page(url, document, notice, query, start_index, max_length, options)
    try:
        raw = await fetch_raw(url, options)
    except FetchError as exc:
        if local is None:
            raise
        document = await anyio.to_thread.run_sync(local.find, url)
        if document is None:
            raise
        notice = f"Copy from the local index '{local.name}': the live page could not be fetched ({exc})."
        return await _local_page(url, document, notice, query, start_index, max_length, options)

    def work() -> tuple[Extracted, str]:
        extracted = extract_body(raw.body, kind=raw.kind, charset=raw.charset, url=raw.final_url, fmt=format)
        return extracted, _readable(extracted.text, query, options)

    # Parsing and ranking are CPU work: off the event loop, so a server keeps answering other calls.
    extracted, readable = await anyio.to_thread.run_sync(work)
    return _result(url, raw.final_url, extracted.title, readable, query, start_index, max_length)


async def _local_page(
    url: str,
    document: Document,
    notice: str,
    query: str | None,
    start_index: int,
    max_length: int,
    options: FetchOptions,
) -> FetchResult:
    """A local index's document paged and ranked as a fetched page is (its text is plain already)."""
    readable = await anyio.to_thread.run_sync(_readable, document.text, query, options)
    final_url = document.url or document.id
    return _result(url, final_url, document.title, readable, query, start_index, max_length, notice=notice)


def _result(
    url: str,
    final_url: str,
    title: str | None,
    readable: str,
    query: str | None,
    start_index: int,
    max_length: int,
    *,
    notice: str | None = None,
) -> FetchResult:
    page = paginate(readable, start_index, max_length)
    return FetchResult(
        url=url,
        final_url=final_url,
        title=title,
        content=_with_note(page.text, start_index, page.next_start_index, page.total_length),
        next_start_index=page.next_start_index,
        total_length=page.total_length,
        start_index=start_index,
        query=query if query and query.strip() else None,
        notice=notice,
    )
