"""`janagent fetch`: one-line refusals, --allow-private-network, --jsonl where one bad URL never stops the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from mcp_servers.errors import JanagentError
from tests.mcp_servers.fetch.conftest import LocalSite

PAGE = (
    "<html><head><title>Kettles</title></head><body><article><h1>Kettles</h1><p>"
    + ("An electric kettle boils a litre of water in about three minutes. " * 10)
    + "</p></article></body></html>"
)


REFUSAL = "refused: 127.0.0.1 is a loopback address (use --allow-private-network for intranet use)"


@pytest.mark.slow
def test_a_loopback_url_is_refused_with_a_one_line_reason(local_site: LocalSite, janagent_home: Path) -> None:
    url = local_site.page("/page.html", PAGE)
    # The real entry point, so the line is what a user sees (agent.cli.main prints JanagentError as one line).
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "fetch", url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "JANAGENT_HOME": str(janagent_home), "COLUMNS": "200"},
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: {REFUSAL}"
    assert proc.stdout == ""
    assert local_site.requests == []


@pytest.mark.slow
def test_an_unknown_host_is_one_line_without_a_traceback(janagent_home: Path) -> None:
    # .invalid never resolves (RFC 6761), so this asks the real resolver and still touches no network.
    proc = subprocess.run(
        [sys.executable, "-m", "agent", "fetch", "http://nonexistent-host.invalid/"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "JANAGENT_HOME": str(janagent_home), "COLUMNS": "200"},
        check=False,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    # "could not resolve" from a resolver that answers; "timed out: looking up" from one that does not.
    assert lines[0].startswith(("error: could not resolve nonexistent-host.invalid", "error: timed out: looking up"))
    assert proc.stdout == ""


def test_several_urls_report_each_failure_and_still_print_the_good_ones(local_site: LocalSite) -> None:
    good = local_site.page("/page.html", PAGE)
    result = CliRunner().invoke(app, ["fetch", local_site.url("/missing"), good, "--allow-private-network"])
    assert isinstance(result.exception, JanagentError)
    assert str(result.exception) == "1 of 2 URLs could not be fetched"
    assert "HTTP 404" in result.stderr
    assert "boils a litre of water" in result.stdout


def test_allow_private_network_fetches_the_local_page(local_site: LocalSite) -> None:
    url = local_site.page("/page.html", PAGE)
    result = CliRunner().invoke(
        app, ["fetch", url, "--allow-private-network", "--ignore-robots", "--max-length", "200"]
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Title: Kettles\nURL: {url}\n")
    assert "call fetch with start_index=" in result.stdout


def test_jsonl_gives_one_object_per_url_and_errors_do_not_stop_the_others(local_site: LocalSite) -> None:
    good = local_site.page("/page.html", PAGE)
    urls = [local_site.url("/missing"), "ftp://example.com/file", good]
    result = CliRunner().invoke(app, ["fetch", *urls, "--jsonl", "--allow-private-network", "--format", "text"])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["url"] for r in records] == urls
    assert all(set(r) == {"url", "title", "content", "error"} for r in records)
    assert "HTTP 404" in records[0]["error"] and records[0]["content"] is None
    assert "only http and https" in records[1]["error"]
    assert records[2]["error"] is None and records[2]["title"] == "Kettles"
    assert "boils a litre of water" in records[2]["content"]


def test_a_bad_format_is_a_one_line_error() -> None:
    result = CliRunner().invoke(app, ["fetch", "https://example.com", "--format", "html"])
    assert isinstance(result.exception, JanagentError)
    assert str(result.exception) == "--format must be markdown or text, not 'html'"


def test_a_doc_id_prints_the_document_of_the_local_index() -> None:
    from mcp_servers.index.registry import open_local_index
    from mcp_servers.types import Document
    from tests.fakes import HashingEmbedder

    open_local_index("kitchen", embedder=HashingEmbedder()).add_documents(
        [Document(id="kettle-1", title="Kettles", text="An electric kettle boils a litre of water in three minutes.")]
    )
    result = CliRunner().invoke(app, ["fetch", "kettle-1", "--index", "kitchen"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "Title: Kettles\nURL: kettle-1\nFrom the local index 'kitchen' (document kettle-1)."
    )
    assert "boils a litre of water" in result.stdout
    refused = CliRunner().invoke(app, ["fetch", "kettle-1", "--index", "kitchen", "--no-local"])
    assert isinstance(refused.exception, JanagentError)
