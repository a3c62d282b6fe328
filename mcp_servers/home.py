"""The one user directory (JANAGENT_HOME) that holds config, caches, indexes and run traces."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "JANAGENT_HOME"


def janagent_home() -> Path:
    """Return JANAGENT_HOME (created on first use); defaults to the user's data dir."""
    raw = os.environ.get(HOME_ENV)
    home = Path(raw).expanduser() if raw else Path(platformdirs.user_data_dir("janagent"))
    home.mkdir(parents=True, exist_ok=True)
    return home


def home_subdir(name: str) -> Path:
    """A named sub-folder of JANAGENT_HOME (``indexes``, ``models``, ``cache``, ``runs``...), created."""
    path = janagent_home() / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def indexes_dir() -> Path:
    return home_subdir("indexes")


def models_dir() -> Path:
    return home_subdir("models")


def cache_dir() -> Path:
    return home_subdir("cache")


def runs_dir() -> Path:
    return home_subdir("runs")


def config_path() -> Path:
    """The user's config file (TOML or JSON is decided by the settings module)."""
    return janagent_home() / "config.json"


def mcp_config_path() -> Path:
    """The ``mcpServers`` JSON file the agent reads when no --mcp-config is given."""
    return janagent_home() / "mcp.json"
