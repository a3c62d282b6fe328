"""The local index of a dataset's evidence paragraphs: built once, reused while the file is unchanged.

The index is named after the dataset (``qa-hotpotqa-dev_subsampled``) unless ``--index`` names it. A small
marker under JANAGENT_HOME/cache/qa-indexes records which file (by sha256) and how many paragraphs it holds;
a changed file, a marker for another file or an index that lost documents means a fresh build (from empty,
so no paragraph of an older version lingers).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eval.qa.datasets import QADataset
from mcp_servers.errors import JanagentError
from mcp_servers.home import cache_dir

if TYPE_CHECKING:
    from mcp_servers.index.progress import AddProgress
    from mcp_servers.index.vectors import Embedder

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class DatasetIndex:
    """The index a run searches and whether this run built it."""

    name: str
    documents: int
    built: bool
    seconds: float = 0.0


def default_index_name(dataset: QADataset) -> str:
    """``qa-<format>-<file stem>``, cut to a valid index name."""
    name = dataset.path.name
    for suffix in (".gz", ".jsonl", ".json", ".csv"):
        name = name.removesuffix(suffix)
    stem = _UNSAFE.sub("_", name).strip("._-") or "data"  # dev-v1.1.json -> dev-v1.1
    return f"qa-{dataset.format}-{stem}"[:64]


def built_from_questions(name: str) -> bool:
    """Whether index ``name`` was built by ``ensure_dataset_index`` (and so may be rebuilt from another file)."""
    return _marker_path(name).is_file()


def _marker_path(name: str) -> Path:
    return cache_dir() / "qa-indexes" / f"{name}.json"


def _marker_for(dataset: QADataset) -> dict[str, Any]:
    return {
        "dataset_sha256": dataset.sha256,
        "format": str(dataset.format),
        "documents": len(dataset.passages),
        "path": str(dataset.path),
    }


def _read_marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _matches(stored: dict[str, Any] | None, wanted: dict[str, Any]) -> bool:
    if stored is None:
        return False
    return all(stored.get(key) == wanted[key] for key in ("dataset_sha256", "format", "documents"))


def ensure_dataset_index(
    dataset: QADataset,
    name: str | None = None,
    *,
    embedder: Embedder | None = None,
    progress: AddProgress | None = None,
) -> DatasetIndex:
    """The index of ``dataset``'s paragraphs, built now if it is missing or was built from another file."""
    import time

    from mcp_servers.index import open_local_index, remove_index

    if not dataset.passages:
        raise JanagentError(f"{dataset.path} brings no paragraphs to index; pass --index NAME of an existing index")
    name = name or default_index_name(dataset)
    if "://" in name:
        raise JanagentError(f"--index {name}: the paragraphs of {dataset.format} are indexed locally; give a name")
    marker = _marker_path(name)
    wanted = _marker_for(dataset)
    index = open_local_index(name, embedder=embedder)
    stored = _read_marker(marker)
    existing = index.stats().documents
    if _matches(stored, wanted) and existing == len(dataset.passages):
        return DatasetIndex(name=name, documents=len(dataset.passages), built=False)
    if existing and stored is None:
        # Only an index this module built (it has a marker) is a cache to rebuild; any other is a user's.
        raise JanagentError(
            f"index {name!r} holds {existing:,} documents that were not built from a question file; "
            "it is not replaced (search it as it is with `bench qa --index`, or pick another name)"
        )
    started = time.perf_counter()
    marker.unlink(missing_ok=True)  # until the build succeeds, the index is not this dataset's
    remove_index(name)
    index = open_local_index(name, embedder=embedder)
    index.add_documents(dataset.passages, progress=progress)
    marker.parent.mkdir(parents=True, exist_ok=True)
    partial = marker.with_name(marker.name + ".tmp")
    partial.write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
    partial.replace(marker)
    return DatasetIndex(
        name=name, documents=len(dataset.passages), built=True, seconds=round(time.perf_counter() - started, 3)
    )
