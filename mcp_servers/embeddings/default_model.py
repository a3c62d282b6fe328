"""The user's default static model (``janagent embed use``), kept in JANAGENT_HOME/config.json.

Order of precedence for a model that nobody named: $JANAGENT_EMBED_MODEL, then this setting, then the
built-in default. Only new indexes follow it: an index records the model it was built with and keeps it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from mcp_servers.errors import JanagentError
from mcp_servers.home import config_path

CONFIG_KEY = "embed_model"


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JanagentError(f"{path} is not valid JSON ({exc}); fix or delete it") from exc
    if not isinstance(data, dict):
        raise JanagentError(f"{path} must hold a JSON object of settings")
    return data


def configured_model() -> str | None:
    """The model set with ``janagent embed use``, or None."""
    value = _read_config(config_path()).get(CONFIG_KEY)
    return str(value) if value else None


def set_configured_model(spec: str | None) -> Path:
    """Record ``spec`` (None clears it) in config.json, keeping every other setting; written atomically."""
    path = config_path()
    data = _read_config(path)
    if spec is None:
        data.pop(CONFIG_KEY, None)
    else:
        data[CONFIG_KEY] = spec
    staging = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staging.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(staging, path)
    return path


def resolve_named_model(spec: str) -> tuple[Path, str]:
    """(folder, the spec to record) for a model the user named explicitly: a Model2Vec folder, or a hub id
    that is in the local Hugging Face cache. Unlike a default, it is never replaced by the offline
    stand-in: a model asked for by name that is not here is an error, not silently another model."""
    from mcp_servers.embeddings.loading import _cached_hub_folder, resolve_model_folder
    from mcp_servers.embeddings.teachers import looks_like_path

    if Path(spec).expanduser().exists() or looks_like_path(spec):
        folder, _ = resolve_model_folder(spec)
        return folder, str(folder)
    cached = _cached_hub_folder(spec)
    if cached is None:
        raise JanagentError(
            f"{spec} is neither a Model2Vec folder nor in the local Hugging Face cache - "
            "give a folder (e.g. one made by `janagent embed distill`)"
        )
    return cached, spec
