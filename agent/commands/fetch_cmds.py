"""`janagent fetch URL...` (read pages as the fetch tool does) and `janagent bench fetch` (extraction benchmark)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from mcp_servers.errors import JanagentError

DEFAULT_SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

err_console = Console(stderr=True)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `fetch` to the main app and `fetch` to the bench group."""
    app.command("fetch")(fetch_command)
    bench.command("fetch")(bench_fetch_command)


def fetch_command(
    urls: Annotated[
        list[str], typer.Argument(help="One or more http(s) URLs, or doc ids of a local index.", show_default=False)
    ],
    query: Annotated[
        str | None, typer.Option("--query", "-q", help="Put the passages most relevant to this first.")
    ] = None,
    format: Annotated[str, typer.Option("--format", help="markdown or text.")] = "markdown",
    max_length: Annotated[int, typer.Option("--max-length", min=1, help="Most characters per URL.")] = 5000,
    start_index: Annotated[int, typer.Option("--start-index", min=0, help="Character to start from.")] = 0,
    allow_private_network: Annotated[
        bool,
        typer.Option("--allow-private-network", help="Allow loopback, private and link-local addresses (intranet)."),
    ] = False,
    ignore_robots: Annotated[bool, typer.Option("--ignore-robots", help="Do not check robots.txt.")] = False,
    index_name: Annotated[
        str | None,
        typer.Option(
            "--index",
            "-i",
            help="Local index whose documents are read by doc id, or when their URL cannot be fetched "
            "(default: $JANAGENT_INDEX or 'default').",
        ),
    ] = None,
    no_local: Annotated[bool, typer.Option("--no-local", help="Never read documents from a local index.")] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help='One JSON object per URL: {"url", "title", "content", "error"}.')
    ] = False,
) -> None:
    """Fetch pages safely and print their main text (as the MCP fetch tool returns it)."""
    if format not in ("markdown", "text"):
        raise JanagentError(f"--format must be markdown or text, not {format!r}")
    import anyio

    from mcp_servers.fetch import FetchError, FetchOptions, fetch_page
    from mcp_servers.fetch.local_copies import IndexDocuments

    options = FetchOptions(
        allow_private_network=allow_private_network,
        respect_robots=not ignore_robots,
        local_documents=None if no_local else IndexDocuments(index_name),
    )

    async def one(url: str) -> dict[str, Any]:
        try:
            result = await fetch_page(
                url,
                query=query,
                start_index=start_index,
                max_length=max_length,
                format=format,  # type: ignore[arg-type]
                options=options,
            )
        except FetchError as exc:
            return {"url": url, "title": None, "content": None, "error": str(exc), "text": None}
        return {"url": url, "title": result.title, "content": result.content, "error": None, "text": result.to_text()}

    failures = 0
    last_error = ""
    for index, url in enumerate(urls):
        # One URL at a time, in order: output order matches the arguments and a bad URL never stops the rest.
        record = anyio.run(one, url)
        text = record.pop("text")
        if jsonl:
            print(json.dumps(record, ensure_ascii=False), flush=True)
        elif record["error"]:
            last_error = record["error"]
            if len(urls) > 1:
                err_console.print(f"[bold red]error:[/] {url}: {last_error}", highlight=False, soft_wrap=True)
        else:
            if len(urls) > 1 and index:
                print("\n" + "-" * 40 + "\n")
            print(text, flush=True)
        failures += record["error"] is not None
    if failures and not jsonl:
        # One URL: its reason is the one line. Several: each was reported above; this line sums up.
        raise JanagentError(last_error if len(urls) == 1 else f"{failures} of {len(urls)} URLs could not be fetched")


def bench_fetch_command(
    pages: Annotated[
        Path | None,
        typer.Option("--pages", help="article-extraction pages: html/<id>.html.gz + ground-truth.json."),
    ] = None,
    wcxb: Annotated[
        Path | None, typer.Option("--wcxb", help="WCXB folder (metadata.json, test/html, test/ground-truth).")
    ] = None,
    no_wcxb: Annotated[bool, typer.Option("--no-wcxb", help="Skip WCXB.")] = False,
    peer_python: Annotated[
        Path | None,
        typer.Option("--peer-python", help="Python of a venv with mcp-server-fetch installed, to compare with it."),
    ] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="Only the first N pages of each set.")] = None,
) -> None:
    """Extraction quality (F1 vs hand-checked text) and ms per page: janagent vs mcp-server-fetch vs trafilatura."""
    from eval.fetch_bench import run_benchmark

    article_dir = pages or DEFAULT_SHARED_DATA / "article-extraction-dev"
    if not (article_dir / "ground-truth.json").is_file():
        raise JanagentError(f"no ground-truth.json in {article_dir} - pass --pages DIR (article-extraction pages)")
    wcxb_dir: Path | None = None
    if not no_wcxb:
        wcxb_dir = wcxb or DEFAULT_SHARED_DATA / "wcxb-web-content-extraction"
        if not (wcxb_dir / "metadata.json").is_file():
            if wcxb is not None:
                raise JanagentError(f"no metadata.json in {wcxb_dir} - pass --wcxb DIR or --no-wcxb")
            wcxb_dir = None
    if peer_python is not None and not peer_python.is_file():
        err_console.print(f"note: {peer_python} does not exist; mcp-server-fetch is left out")
    report = run_benchmark(
        article_dir=article_dir,
        wcxb_dir=wcxb_dir,
        peer_python=peer_python,
        limit=limit,
        progress=lambda msg: err_console.print(msg, highlight=False),
    )
    json.dump(report, sys.stdout, indent=2)
    print()
