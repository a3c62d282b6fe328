"""`janagent serve`, `janagent mcp-config` and `janagent bench load` through typer's CliRunner."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from mcp_servers.errors import JanagentError
from mcp_servers.http_transport import security_for_bind, serve_in_thread
from mcp_servers.types import Document, IndexStats, SearchHit

runner = CliRunner()
KEY = "sk-test-secret-value"


class FixedIndex:
    """A local index that answers every query with the same two hits."""

    name = "fixed"

    def add_documents(self, docs: Iterable[Document]) -> int:
        return 0

    def remove(self, doc_ids: Iterable[str]) -> int:
        return 0

    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        hits = [
            SearchHit(title="Seurat", doc_id="seurat", snippet="Georges Seurat painted La Grande Jatte.", score=0.9),
            SearchHit(title="Fox", doc_id="fox", snippet="The quick brown fox.", score=0.1),
        ]
        return hits[:k]

    def stats(self) -> IndexStats:
        return IndexStats(name=self.name, backend="fixed", documents=2, chunks=2)


@pytest.fixture
def search_url() -> Iterator[str]:
    from mcp_servers.search.server import build_search_server

    server = build_search_server(local_index=FixedIndex(), default_source="local")
    with serve_in_thread(server, security_for_bind("127.0.0.1")) as url:
        yield url


def invoke(*args: str) -> tuple[int, str, str, BaseException | None]:
    result = runner.invoke(app, list(args))
    error = result.exception if not isinstance(result.exception, SystemExit) else None
    return result.exit_code, result.stdout, result.stderr, error


@pytest.mark.slow
async def test_mcp_config_for_claude_prints_commands_that_start_working_servers() -> None:
    from mcp import Client, StdioServerParameters

    code, out, _, error = invoke("mcp-config", "--client", "claude")
    assert code == 0 and error is None
    servers = json.loads(out)["mcpServers"]
    assert set(servers) == {"janagent-search", "janagent-fetch"}
    for name, entry in servers.items():
        params = StdioServerParameters(command=entry["command"], args=entry["args"], env=entry.get("env"))
        async with Client(params) as client:
            tools = await client.list_tools()
        assert [tool.name for tool in tools.tools] == [name.removeprefix("janagent-")]


def test_mcp_config_prints_a_placeholder_and_says_so_when_a_key_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERPER_API_KEY", KEY)
    code, out, err, _ = invoke("mcp-config", "--client", "cursor")
    assert code == 0
    assert KEY not in out and KEY not in err
    assert json.loads(out)["mcpServers"]["janagent-search"]["env"]["SERPER_API_KEY"] == "<your SERPER_API_KEY>"
    assert "SERPER_API_KEY" in err and "placeholder" in err


def test_mcp_config_write_merges_into_the_given_file_with_a_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERPER_API_KEY", KEY)
    path = tmp_path / "mcp_config.json"
    path.write_text(json.dumps({"mcpServers": {"notes": {"command": "notes-mcp", "active": False}}}))
    code, out, _, error = invoke("mcp-config", "--client", "jan", "--write", "--config-path", str(path))
    assert code == 0 and error is None
    report = json.loads(out)
    assert KEY not in out
    assert report["written"] == str(path)
    assert Path(report["backup"]).read_text() == json.dumps(
        {"mcpServers": {"notes": {"command": "notes-mcp", "active": False}}}
    )
    servers = json.loads(path.read_text())["mcpServers"]
    assert servers["notes"] == {"command": "notes-mcp", "active": False}
    assert servers["janagent-search"]["env"]["SERPER_API_KEY"] == KEY  # the app starts the server with it
    assert servers["janagent-fetch"]["active"] is True


def test_mcp_config_write_refuses_a_broken_file_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text("{not json")
    code, _, _, error = invoke("mcp-config", "--client", "vscode", "--write", "--config-path", str(path))
    assert code != 0
    assert isinstance(error, JanagentError) and "is not valid JSON" in str(error)
    assert path.read_text() == "{not json"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["serve", "search", "--transport", "http", "--host", "0.0.0.0"], "needs a bearer token"),
        (["serve", "fetch", "--transport", "http", "--host", "192.168.1.20"], "--token-env"),
        (["serve", "search", "--transport", "http", "--token-env", "JANAGENT_TEST_TOKEN"], "is empty"),
        (["serve", "search", "--allow-private-network"], "fetch server only"),
        (["serve", "fetch", "--index", "default"], "search server only"),
        (["serve", "search", "--token-env", "HOME"], "--transport http only"),
    ],
)
def test_serve_refuses_unsafe_or_meaningless_options_with_a_one_line_error(args: list[str], message: str) -> None:
    code, _, _, error = invoke(*args)
    assert code != 0
    assert isinstance(error, JanagentError)
    assert message in str(error) and "\n" not in str(error)


def test_serve_refuses_a_short_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_TEST_TOKEN", "short")
    _, _, _, error = invoke(
        "serve", "search", "--transport", "http", "--host", "0.0.0.0", "--token-env", "JANAGENT_TEST_TOKEN"
    )
    assert isinstance(error, JanagentError) and "shorter than" in str(error)


def test_bench_load_reports_every_call_of_every_session(search_url: str) -> None:
    code, out, _, error = invoke("bench", "load", "--sessions", "3", "--calls", "4", "--url", search_url)
    assert code == 0 and error is None, out
    report = json.loads(out)
    assert report["sessions"] == 3 and report["calls_per_session"] == 4
    assert report["calls_ok"] == 12 and report["errors"] == 0
    assert set(report["latency_ms"]) >= {"p50", "p99"}
    assert report["throughput_calls_per_s"] > 0


def test_bench_load_counts_failed_calls_as_errors_and_goes_on(search_url: str) -> None:
    from eval.load_bench import LoadOptions, run_load_bench

    # Every other query is over the tool's 500-character limit, so every other call is a tool error.
    options = LoadOptions(sessions=2, calls=2, queries=("seurat", "x" * 600))
    report = run_load_bench(options, url=search_url)
    assert report.calls_ok == 2
    assert report.errors == 2
    assert report.error_samples and "tool error" in report.error_samples[0]


def test_bench_load_stops_when_the_warm_up_search_fails(search_url: str) -> None:
    from eval.load_bench import LoadOptions, run_load_bench

    with pytest.raises(RuntimeError, match="warm-up"):
        run_load_bench(LoadOptions(sessions=1, calls=1, queries=("x" * 600,)), url=search_url)


def test_bench_load_targets_loopback_only() -> None:
    code, _, _, error = invoke("bench", "load", "--sessions", "1", "--calls", "1", "--url", "http://192.0.2.1/mcp")
    assert code != 0
    assert isinstance(error, JanagentError) and "loopback" in str(error)
