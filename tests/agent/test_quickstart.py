"""The README quickstart, end to end and offline: the real Qwen2.5-Coder-0.5B tool-caller (installed by the
README's test command, `janagent models install qwen2.5-0.5b`, into the folder JANAGENT_TEST_MODELS names),
the demo index built from all the bundled Wikipedia summaries, and our real search and fetch servers over stdio;
and SmolLM2-135M answering from a real search over MCP (retrieve-first)."""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from mcp_servers.types import Document

QUESTION = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
PAINTING_URL = "https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte"
# Enough of the corpus that the search has to find the right summary among many (full corpus: 10,033).
DEMO_SUBSET = 1500


def _index(documents: list[Document]) -> str:
    from mcp_servers.index import open_index

    index = open_index("default")
    index.add_documents(documents)
    return index.name


@pytest.fixture
def demo_subset_index(static_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The default index, built from a slice of the bundled corpus that includes the painting's summary."""
    pytest.importorskip("transformers")
    from mcp_servers.index import demo_documents

    monkeypatch.setenv("JANAGENT_EMBED_MODEL", str(static_model_dir))  # the stdio server inherits it
    subset = list(itertools.islice(demo_documents(), DEMO_SUBSET))
    if not any("Grande Jatte" in doc.title for doc in subset):
        subset += [doc for doc in demo_documents() if "Grande Jatte" in doc.title]
    return _index(subset)


@pytest.fixture
def qwen05_gguf() -> Path:
    """The 0.5B Qwen GGUF the README's test command installed (this test never downloads)."""
    pytest.importorskip("llama_cpp")
    from agent.models.catalog import QWEN25_05B

    folder = os.environ.get("JANAGENT_TEST_MODELS")
    path = Path(folder) / QWEN25_05B.file_name if folder else None
    if path is None or not path.is_file():
        pytest.skip("set JANAGENT_TEST_MODELS to a folder holding `janagent models install qwen2.5-0.5b`'s GGUF")
    return path


@pytest.mark.slow
def test_the_quickstart_a_real_tool_caller_answers_over_the_whole_demo_index(
    qwen05_gguf: Path, static_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mcp_servers.index import demo_documents

    monkeypatch.setenv("JANAGENT_EMBED_MODEL", str(static_model_dir))
    _index(list(demo_documents()))  # all 10,033 summaries, as `janagent index add --demo` builds them
    result = CliRunner().invoke(app, ["ask", "--json", "--model", str(qwen05_gguf), "--seed", "0", QUESTION])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert "Seurat" in payload["answer"] and payload.get("error") is None
    assert PAINTING_URL in payload["sources"]
    ends = [s["data"] for s in payload["steps"] if s["kind"] == "tool" and s["data"]["phase"] == "end"]
    assert ends[0]["kind"] == "retrieve"  # the profile's first search of the question
    own = [end for end in ends if end["kind"] != "retrieve"]
    assert 1 <= len(own) <= 5  # calls the model made itself (run or refused as repeats)


@pytest.mark.slow
def test_smollm2_answers_from_a_real_search_over_mcp(demo_subset_index: str, tmp_path: Path) -> None:
    search = {"command": sys.executable, "args": ["-m", "mcp_servers.search"]}
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"search": search}}), encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["ask", "--json", "--model", "smollm2", "--temperature", "0", "--mcp-config", str(config), QUESTION],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert "Seurat" in payload["answer"]  # on llama.cpp (the GGUF default) greedy SmolLM2 may say "A Seurat."
    assert PAINTING_URL in payload["sources"]
    [retrieve] = [s for s in payload["steps"] if s["kind"] == "tool" and s["data"]["phase"] == "end"]
    assert retrieve["data"]["kind"] == "retrieve"
    assert retrieve["data"]["name"] == "search" and not retrieve["data"]["is_error"]
