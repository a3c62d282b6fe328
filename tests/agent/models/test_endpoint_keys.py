"""Which key goes to which server: a grader or custom endpoint never inherits a key it was not given."""

from __future__ import annotations

import pytest

from agent.commands.simpleqa_cmds import build_grader
from agent.models.openai_backend import resolve_endpoint


def test_an_explicit_empty_key_sends_no_key_to_a_custom_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_API_KEY", "model-server-key")
    assert resolve_endpoint("http://127.0.0.1:9/v1", "") == ("http://127.0.0.1:9/v1", None)
    assert resolve_endpoint("http://127.0.0.1:9/v1", None) == ("http://127.0.0.1:9/v1", "model-server-key")


def test_an_explicit_empty_key_still_uses_the_openai_key_for_openai(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("JANAGENT_API_KEY", "model-server-key")
    assert resolve_endpoint("https://api.openai.com/v1", "") == ("https://api.openai.com/v1", "sk-openai")


def test_the_grader_never_inherits_the_model_servers_url_or_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("JANAGENT_API_KEY", "model-server-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    grader = build_grader("openai:grader", base_url="http://127.0.0.2:9/v1", api_key=None, template_name="simple-evals")
    model = grader.model  # type: ignore[attr-defined]
    assert model.base_url == "http://127.0.0.2:9/v1"
    assert model._api_key is None
    default = build_grader("openai:gpt-4o", base_url=None, api_key=None, template_name="simple-evals")
    assert default.model.base_url == "https://api.openai.com/v1"  # type: ignore[attr-defined]
    assert default.model._api_key == "sk-openai"  # type: ignore[attr-defined]
