"""User settings: command-line flags > environment (JANAGENT_*) > JANAGENT_HOME/config.json > defaults.

``load_settings(model=..., max_steps=...)`` is the one way in: keyword arguments are the flags (``None``
means "not given"), and a broken config file becomes a one-line error that names the file.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, JsonConfigSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

from agent.models.base import Sampling
from mcp_servers.errors import JanagentError
from mcp_servers.home import config_path

DEFAULT_MODEL = "Menlo/Jan-nano"
# The settings that override the model's sampling defaults.
SAMPLING_SETTINGS = ("temperature", "top_p", "top_k", "max_tokens", "seed")


class Settings(BaseSettings):
    """Everything a run can be configured with. Sampling fields left as None keep the model's defaults."""

    model_config = SettingsConfigDict(env_prefix="JANAGENT_", extra="ignore", validate_default=True)

    model: str = Field(default=DEFAULT_MODEL, description="Model spec: hub id, path, .gguf, openai:NAME, smollm2")
    base_url: str | None = Field(default=None, description="OpenAI-compatible server URL")
    api_key: SecretStr | None = Field(default=None, description="Key for the OpenAI-compatible server")
    mcp_config: Path | None = Field(default=None, description="mcpServers JSON file; default JANAGENT_HOME/mcp.json")
    max_steps: int = Field(default=20, ge=0, description="Maximum tool rounds")
    tool_result_chars: int = Field(default=4000, ge=200, description="Cap on one tool result, in characters")
    context_tokens: int = Field(default=32768, ge=512, description="Context budget in tokens")
    tool_timeout_s: float = Field(default=30.0, gt=0, description="Per tool call timeout")
    server_start_timeout_s: float = Field(default=120.0, gt=0, description="Time a server gets to start")
    retrieve_first: bool | None = Field(default=None, description="Search before the first turn; None: by model")
    follow_up_search: bool | None = Field(
        default=None, description="A second search the model names before the reader turn; None: by model"
    )
    compare_alternatives: bool | None = Field(
        default=None, description="Choices and sameness questions decided per named thing; None: by model"
    )
    temperature: float | None = Field(default=None, ge=0)
    top_p: float | None = Field(default=None, gt=0, le=1)
    top_k: int | None = Field(default=None, ge=0)
    max_tokens: int | None = Field(default=None, ge=1)
    seed: int | None = None
    backend: Literal["llamacpp", "transformers"] | None = Field(
        default=None, description="In-process backend for a GGUF; None: llama.cpp where installed"
    )
    trace: bool = Field(default=True, description="Save each run's trace under JANAGENT_HOME/runs/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The config file lives in JANAGENT_HOME, which is only known at load time (tests move it).
        return (init_settings, env_settings, JsonConfigSettingsSource(settings_cls, json_file=config_path()))

    def sampling_overrides(self) -> dict[str, Any]:
        """The sampling values the user gave (flags, env, config file); the model's profile supplies the rest."""
        return {name: value for name in SAMPLING_SETTINGS if (value := getattr(self, name)) is not None}

    def sampling(self) -> Sampling:
        """Jan-nano's sampling defaults with whatever the user overrode."""
        return Sampling(**self.sampling_overrides())

    def api_key_value(self) -> str | None:
        return self.api_key.get_secret_value() if self.api_key is not None else None


def settings_from_flags(parameters: Mapping[str, Any], *, ignore: Collection[str] = ()) -> Settings:
    """Settings for a command: each of its ``parameters`` named like a setting is that setting's flag.

    Commands pass ``locals()``, so a new flag needs no forwarding code; ``ignore`` names parameters that
    share a setting's name but mean something else (``bench simpleqa --seed`` samples questions).
    """
    return load_settings(
        **{name: value for name, value in parameters.items() if name in Settings.model_fields and name not in ignore}
    )


def load_settings(**flags: Any) -> Settings:
    """Load settings with ``flags`` on top; flags that are None were not given and do not override."""
    given = {name: value for name, value in flags.items() if value is not None}
    unknown = set(given) - set(Settings.model_fields)
    if unknown:
        raise TypeError(f"unknown settings: {sorted(unknown)}")
    path = config_path()
    _check_config_file(path)
    try:
        return Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise JanagentError(
            f"invalid setting {where}: {first['msg']} (from a flag, JANAGENT_{where.upper()} or {path})"
        ) from exc


def _check_config_file(path: Path) -> None:
    """Fail with one line naming the file when config.json is not a JSON object."""
    if not path.is_file():
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JanagentError(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    if not isinstance(data, dict):
        raise JanagentError(f'{path} must hold a JSON object of settings, like {{"model": "smollm2"}}')
