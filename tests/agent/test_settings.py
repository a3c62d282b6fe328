"""Settings precedence: flags > JANAGENT_* environment > JANAGENT_HOME/config.json > defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.settings import DEFAULT_MODEL, load_settings
from mcp_servers.errors import JanagentError
from mcp_servers.home import config_path


def write_config(data: object) -> Path:
    path = config_path()
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_without_any_configuration_the_defaults_apply() -> None:
    settings = load_settings()
    assert settings.model == DEFAULT_MODEL == "Menlo/Jan-nano"
    assert settings.max_steps == 20 and settings.tool_timeout_s == 30.0
    assert settings.sampling().temperature == 0.7  # Jan-nano's recommended sampling


def test_flags_beat_the_environment_which_beats_the_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    write_config({"model": "from-file", "max_steps": 3, "base_url": "http://127.0.0.1:1/v1"})
    monkeypatch.setenv("JANAGENT_MODEL", "from-env")
    monkeypatch.setenv("JANAGENT_MAX_STEPS", "5")
    settings = load_settings(model="from-flag", max_steps=None)
    assert settings.model == "from-flag"  # flag over env
    assert settings.max_steps == 5  # env over file (the flag was not given)
    assert settings.base_url == "http://127.0.0.1:1/v1"  # file over default


def test_sampling_overrides_keep_the_other_defaults() -> None:
    sampling = load_settings(temperature=0.0, seed=7).sampling()
    assert (sampling.temperature, sampling.seed, sampling.top_p, sampling.top_k) == (0.0, 7, 0.8, 20)


def test_the_api_key_is_never_shown_in_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_API_KEY", "sk-very-secret")
    settings = load_settings()
    assert settings.api_key_value() == "sk-very-secret"
    assert "sk-very-secret" not in repr(settings) and "sk-very-secret" not in settings.model_dump_json()


def test_a_broken_config_file_is_one_line_naming_it() -> None:
    path = config_path()
    path.write_text("{model: smollm2", encoding="utf-8")
    with pytest.raises(JanagentError) as info:
        load_settings()
    assert str(path) in str(info.value) and "not valid JSON" in str(info.value)


def test_an_invalid_value_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_MAX_STEPS", "many")
    with pytest.raises(JanagentError, match="invalid setting max_steps"):
        load_settings()


def test_a_config_file_that_is_not_an_object_is_rejected() -> None:
    write_config(["smollm2"])
    with pytest.raises(JanagentError, match="must hold a JSON object"):
        load_settings()


def test_a_commands_parameters_named_like_settings_are_its_flags() -> None:
    from agent.settings import settings_from_flags

    parameters = {"question": "q", "model": "smollm2", "max_steps": 3, "seed": 7, "temperature": None}
    settings = settings_from_flags(parameters, ignore={"seed"})  # bench simpleqa: --seed samples questions
    assert (settings.model, settings.max_steps, settings.seed) == ("smollm2", 3, None)
    assert settings.sampling_overrides() == {}
    assert settings_from_flags(parameters).sampling_overrides() == {"seed": 7}
