"""Model2Vec distillation: any transformer (sentence encoder or decoder LLM) into a static model."""

from __future__ import annotations

import logging
import re
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


@contextmanager
def _batch_size(size: int | None) -> Iterator[None]:
    """Model2Vec 0.10 fixes its forward-pass batch in a module constant (read per batch); set it for one run."""
    if size is None:
        yield
        return
    from model2vec.distill import inference

    before = inference._DEFAULT_BATCH_SIZE
    inference._DEFAULT_BATCH_SIZE = size
    try:
        yield
    finally:
        inference._DEFAULT_BATCH_SIZE = before


def distill_teacher(
    teacher: Teacher,
    *,
    dims: int | None = DEFAULT_DIMS,
    pooling: Pooling = "mean",
    vocabulary: Sequence[str] | None = None,
    device: str = "cpu",
    batch_size: int | None = None,
    max_tokens: int | None = None,
) -> StaticModel:
    """Distill a loaded teacher into a StaticModel (PCA to ``dims``; None keeps the teacher's width).

    ``pooling="last"`` suits decoder LLMs (the last token's state); ``"mean"`` suits sentence encoders.
    ``max_tokens`` keeps only the teacher's first N token ids (see ``token_subset``), plus ``vocabulary``.
    Model2Vec shows a progress bar (with an ETA) over the tokens it encodes.
    """
    from model2vec.distill import distill_from_model

    from mcp_servers.embeddings.token_subset import first_token_ids, keep_only_pattern

    hidden = int(getattr(teacher.model.config, "hidden_size", 0) or 0)
    pca_dims: int | None = dims
    if dims is not None and hidden and dims > hidden:
        pca_dims = hidden  # PCA cannot add dimensions; keep the teacher's width rather than fail
    remove: str | re.Pattern[str] | None = r"\[unused\d+\]"  # Model2Vec's own default
    if max_tokens is not None:
        remove = keep_only_pattern([*first_token_ids(teacher.tokenizer, max_tokens), *(vocabulary or ())])
    with _quiet_model2vec(), _batch_size(batch_size):
        model = distill_from_model(
            model=teacher.model,
            tokenizer=teacher.tokenizer,
            vocabulary=list(vocabulary) if vocabulary else None,
            device=device,
            pca_dims=pca_dims,
            pooling=pooling,
            token_remove_pattern=remove,  # type: ignore[arg-type]  # re.compile passes a Pattern through
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
