"""The README quickstart, end to end and offline: real SmolLM2-135M, a real local index built from the
bundled Wikipedia summaries, and the real search server over stdio, called retrieve-first."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app

QUESTION = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
# Enough of the corpus that the search has to find the right summary among many (full corpus: 10,033).
DEMO_SUBSET = 1500


@pytest.fixture
def demo_index(static_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The default index, built from a slice of the bundled corpus that includes the painting's summary."""
    pytest.importorskip("transformers")
    from mcp_servers.index import demo_documents, open_index

    monkeypatch.setenv("JANAGENT_EMBED_MODEL", str(static_model_dir))  # the stdio server inherits it
    subset = list(itertools.islice(demo_documents(), DEMO_SUBSET))
    if not any("Grande Jatte" in doc.title for doc in subset):
        subset += [doc for doc in demo_documents() if "Grande Jatte" in doc.title]
    index = open_index("default")
    index.add_documents(subset)
    return index.name


@pytest.mark.slow
def test_smollm2_answers_the_quickstart_question_from_a_real_search_over_mcp(demo_index: str, tmp_path: Path) -> None:
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
    assert "https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte" in payload["sources"]
    [retrieve] = [s for s in payload["steps"] if s["kind"] == "tool" and s["data"]["phase"] == "end"]
    assert retrieve["data"]["kind"] == "retrieve"
    assert retrieve["data"]["name"] == "search" and not retrieve["data"]["is_error"]
