"""Model2Vec distillation: any transformer (sentence encoder or decoder LLM) into a static model."""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from mcp_servers.embeddings.teachers import Teacher, check_round_trip, load_teacher
from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    from model2vec import StaticModel

Pooling = Literal["mean", "last", "first", "pooler"]
DEFAULT_DIMS = 256


@contextmanager
def _quiet_model2vec() -> Iterator[None]:
    """Silence model2vec's per-token warnings (one line per corpus word already in the vocabulary)."""
    logger = logging.getLogger("model2vec")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def distill_teacher(
    teacher: Teacher,
    *,
    dims: int | None = DEFAULT_DIMS,
    pooling: Pooling = "mean",
    vocabulary: Sequence[str] | None = None,
) -> StaticModel:
    """Distill a loaded teacher into a StaticModel (PCA to ``dims``; None keeps the teacher's width).

    ``pooling="last"`` suits decoder LLMs (the last token's state); ``"mean"`` suits sentence encoders.
    Model2Vec shows a progress bar over the tokens it encodes.
    """
    from model2vec.distill import distill_from_model

    hidden = int(getattr(teacher.model.config, "hidden_size", 0) or 0)
    pca_dims: int | None = dims
    if dims is not None and hidden and dims > hidden:
        pca_dims = hidden  # PCA cannot add dimensions; keep the teacher's width rather than fail
    with _quiet_model2vec():
        model = distill_from_model(
            model=teacher.model,
            tokenizer=teacher.tokenizer,
            vocabulary=list(vocabulary) if vocabulary else None,
            device="cpu",
            pca_dims=pca_dims,
            pooling=pooling,
        )
    check_round_trip(model.tokenizer)
    model.base_model_name = teacher.name
    return model


def distill(
    teacher_spec: str,
    *,
    dims: int | None = DEFAULT_DIMS,
    pooling: Pooling = "mean",
    vocabulary: Sequence[str] | None = None,
) -> StaticModel:
    """Load the teacher named by ``teacher_spec`` (folder, .gguf, cached hub id) and distill it."""
    return distill_teacher(load_teacher(teacher_spec), dims=dims, pooling=pooling, vocabulary=vocabulary)


def save_static_model(model: StaticModel, out: Path) -> Path:
    """Write ``model`` to the folder ``out`` atomically: a crash never leaves a half-written model there.

    Raises when ``out`` already exists and is not empty, so nothing the user has is overwritten.
    """
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise JanagentError(f"{out} already exists - choose another --out or remove it first")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        model.save_pretrained(staging)
        if out.exists():
            out.rmdir()  # the empty folder checked above
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def folder_size(path: Path) -> int:
    """Bytes on disk of every file under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
