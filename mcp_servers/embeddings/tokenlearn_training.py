"""Tokenlearn, Model2Vec's recipe for its potion models: fit a static model to a teacher's sentence embeddings.

Plain distillation embeds each token alone; Tokenlearn then trains those token vectors (and a weight per
token) so that the mean over a passage's tokens matches what the teacher gives for the whole passage, on a
real corpus. The steps here: sample passages, embed them with the teacher (``featurize``), distill the
teacher as the starting point and train it with tokenlearn's trainer (``train_static``).
"""

from __future__ import annotations

import gzip
import json
import random
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_servers.errors import JanagentError, require
from mcp_servers.quiet_loading import quiet_transformers

if TYPE_CHECKING:
    import numpy as np
    from model2vec import StaticModel

# A passage is cut to its first words so that the teacher sees the same text the static model is trained
# on (the teacher truncates at its max length; the static model would otherwise see the whole paragraph),
# and so that featurizing on a CPU stays affordable.
MAX_WORDS = 64
MIN_WORDS = 8
_TEACHER_MAX_TOKENS = 128
# tokenlearn holds out a tenth of the passages (at most 10,000) for early stopping.
_MAX_VALIDATION = 10_000

Progress = Callable[[int, int], None]


def _open_text(path: Path) -> Any:
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def _paragraphs(path: Path) -> Iterator[str]:
    """Paragraphs of a corpus: JSON lines with a "text" field (WikiExtractor's output), or plain text lines."""
    is_json = ".jsonl" in path.suffixes or ".json" in path.suffixes
    with _open_text(path) as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            if is_json:
                try:
                    text = json.loads(line).get("text", "")
                except (json.JSONDecodeError, AttributeError) as exc:
                    raise JanagentError(f"{path} line {number} is not a JSON object with a text field") from exc
                yield from str(text).split("\n")
            else:
                yield line


def corpus_passages(path: Path, limit: int, *, seed: int = 0) -> list[str]:
    """A uniform sample of ``limit`` passages (paragraphs of >= MIN_WORDS words, cut to MAX_WORDS) from ``path``.

    Reservoir sampling reads the whole corpus once, so the sample is not just its first articles; the same
    ``seed`` gives the same passages. Headings and stubs fall out through the word minimum.
    """
    if not path.is_file():
        raise JanagentError(f"corpus {path} does not exist - pass a .jsonl(.gz) file with a text field or a .txt file")
    if limit < 1:
        raise JanagentError(f"--sentences must be at least 1 (got {limit})")
    rng = random.Random(seed)
    sample: list[str] = []
    seen = 0
    for paragraph in _paragraphs(path):
        words = paragraph.split()
        if len(words) < MIN_WORDS:
            continue
        seen += 1
        passage = " ".join(words[:MAX_WORDS])
        if len(sample) < limit:
            sample.append(passage)
        else:
            slot = rng.randrange(seen)
            if slot < limit:
                sample[slot] = passage
    if not sample:
        raise JanagentError(f"corpus {path} has no paragraph of {MIN_WORDS} words or more")
    return sample


def _sentence_transformer(teacher_dir: Path) -> Any:
    require("sentence_transformers", "distill")
    from sentence_transformers import SentenceTransformer

    # A local folder: sentence-transformers reads it as is (a plain HF folder gets mean pooling). Its load
    # report ("embeddings.position_ids | UNEXPECTED") is noise to a user; the encoding bar stays.
    with quiet_transformers():
        model = SentenceTransformer(str(teacher_dir), device="cpu", local_files_only=True)
    model.max_seq_length = min(model.max_seq_length or _TEACHER_MAX_TOKENS, _TEACHER_MAX_TOKENS)
    return model


def featurize(
    teacher_dir: Path, passages: list[str], *, batch_size: int = 64, on_progress: Progress | None = None
) -> np.ndarray:
    """The teacher's sentence embedding of every passage, as a float32 matrix (one row per passage)."""
    import numpy as np

    model = _sentence_transformer(teacher_dir)
    chunk = batch_size * 8
    parts = []
    for start in range(0, len(passages), chunk):
        part = model.encode(passages[start : start + chunk], batch_size=batch_size, show_progress_bar=False)
        parts.append(np.asarray(part, dtype=np.float32))
        if on_progress is not None:
            on_progress(min(start + chunk, len(passages)), len(passages))
    return np.concatenate(parts, axis=0)


def train_static(
    base: StaticModel, passages: list[str], targets: np.ndarray, *, dims: int, device: str = "cpu"
) -> StaticModel:
    """Train ``base`` (a distilled StaticModel) so its passage means match ``targets`` (tokenlearn's trainer).

    Like tokenlearn's own ``train_model``: the targets are reduced by PCA to ``dims`` and a tenth of the
    passages is held out for early stopping (patience 5 evaluations).
    """
    import numpy as np

    require("tokenlearn", "distill")
    import torch
    from sklearn.decomposition import PCA
    from tokenlearn.pretrain import TextDataset, train_supervised

    if len(passages) != len(targets):
        raise JanagentError(f"{len(passages)} passages but {len(targets)} teacher vectors")
    width = min(dims, base.dim, targets.shape[1])
    held_out = min(_MAX_VALIDATION, len(passages) // 10)
    if held_out < 1 or len(passages) - held_out < width:
        raise JanagentError(f"too few passages ({len(passages)}) to train {width} dims - use --sentences {width * 2}")
    if base.tokenizer.token_to_id("[PAD]") is None:
        raise JanagentError("the teacher's tokenizer has no [PAD] token, which tokenlearn needs")
    torch.manual_seed(0)  # the trainer shuffles with torch's generator; fixed, a run can be repeated
    reduced = PCA(n_components=width, random_state=0).fit_transform(targets).astype(np.float32)
    split = len(passages) - held_out
    train = TextDataset(passages[:split], torch.from_numpy(reduced[:split]), base.tokenizer)
    validation = TextDataset(passages[split:], torch.from_numpy(reduced[split:]), base.tokenizer)
    stored_dtype = base.embedding.dtype
    # Model2Vec stores float16 vectors; tokenlearn's trainer needs float32 ones to start from.
    base.embedding = base.embedding.astype(np.float32)
    model = train_supervised(train_dataset=train, validation_dataset=validation, model=base, device=device)
    model.embedding = model.embedding.astype(stored_dtype)  # the same size on disk as plain distillation
    model.base_model_name = base.base_model_name
    return model


def timed(step: Callable[[], Any]) -> tuple[Any, float]:
    """(result of ``step()``, wall-clock seconds it took)."""
    started = time.perf_counter()
    result = step()
    return result, time.perf_counter() - started
