"""`janagent embed distill|info`: make Model2Vec static models and show which one the index would use."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)
POOLINGS = ("mean", "last", "first", "pooler")


def _default_out(teacher: str) -> Path:
    from mcp_servers.home import models_dir

    stem = Path(teacher.rstrip("/")).name
    stem = stem.removesuffix(".gguf")
    if stem in {"model", "models"}:  # sentence-transformer packages keep the weights in `model/`
        stem = Path(teacher.rstrip("/")).parent.name
    return models_dir() / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', stem)}-static"


# Decoder families seen as teachers (the seeds plan Qwen and Nemotron); their GGUF configs carry no architectures.
_DECODER_TYPES = {
    "llama",
    "mistral",
    "qwen2",
    "qwen3",
    "qwen3_moe",
    "gemma",
    "gemma2",
    "gemma3_text",
    "phi3",
    "nemotron",
    "nemotron_h",
    "granite",
}


def _is_decoder(config: object) -> bool:
    architectures = getattr(config, "architectures", None) or []
    return getattr(config, "model_type", "") in _DECODER_TYPES or any(a.endswith("ForCausalLM") for a in architectures)


def distill_cmd(
    teacher: Annotated[str, typer.Argument(help="Hugging Face model folder, .gguf file, or hub id (cached)")],
    dims: Annotated[
        int, typer.Option("--dims", min=0, help="PCA dimensions of the vectors (0: keep the teacher's)")
    ] = 256,
    pooling: Annotated[str, typer.Option("--pooling", help="mean (sentence encoders) or last (decoder LLMs)")] = "mean",
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: JANAGENT_HOME/models/<teacher>-static)")
    ] = None,
    vocabulary_from: Annotated[
        Path | None,
        typer.Option("--vocabulary-from", help="Corpus (.jsonl/.txt) whose frequent words join the vocabulary"),
    ] = None,
    vocabulary_size: Annotated[
        int, typer.Option("--vocabulary-size", min=1, help="Most frequent corpus words to add")
    ] = 50_000,
    device: Annotated[str, typer.Option("--device", help="auto (cuda, else mps, else cpu), cpu, cuda or mps")] = "auto",
    dtype: Annotated[
        str,
        typer.Option("--dtype", help="auto (bfloat16/float16 on a GPU, float32 on CPU), float32, bfloat16, float16"),
    ] = "auto",
    trust_remote_code: Annotated[
        bool, typer.Option("--trust-remote-code", help="Run the teacher's own modelling code (hybrid models)")
    ] = False,
    batch_size: Annotated[int | None, typer.Option("--batch-size", min=1, help="Tokens per forward pass")] = None,
    max_tokens: Annotated[
        int | None,
        typer.Option("--max-tokens", min=1, help="Distill only the teacher's first N token ids (faster for LLMs)"),
    ] = None,
) -> None:
    """Distill any transformer, decoder LLMs included, into a Model2Vec static model (one-time, CPU is fine)."""
    from mcp_servers.embeddings.distilling import distill_teacher, folder_size, save_static_model
    from mcp_servers.embeddings.naming import model_id
    from mcp_servers.embeddings.teachers import load_teacher, require_distill_stack
    from mcp_servers.embeddings.vocabulary import corpus_vocabulary
    from mcp_servers.errors import JanagentError

    if pooling not in POOLINGS:
        raise JanagentError(f"--pooling must be one of {', '.join(POOLINGS)} (got {pooling!r})")
    target = out or _default_out(teacher)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise JanagentError(f"{target} already exists - choose another --out or remove it first")
    require_distill_stack()
    vocabulary = corpus_vocabulary(vocabulary_from, max_words=vocabulary_size) if vocabulary_from else None
    if vocabulary:
        err.print(f"vocabulary: {len(vocabulary):,} frequent words from {vocabulary_from}")

    from mcp_servers.embeddings.teacher_preflight import preflight

    target_device, target_dtype = preflight(teacher, device, dtype, trust_remote_code, err.print)
    started = time.perf_counter()
    with err.status(f"loading teacher {teacher}"):
        loaded = load_teacher(teacher, dtype=target_dtype, trust_remote_code=trust_remote_code)
    err.print(f"teacher {loaded.name} loaded in {time.perf_counter() - started:.1f} s; distilling (pooling={pooling})")
    if pooling == "mean" and _is_decoder(loaded.model.config):
        err.print("[yellow]note:[/] this teacher is a decoder LLM; --pooling last usually suits it better")
    model = distill_teacher(
        loaded,
        dims=dims or None,
        pooling=pooling,  # type: ignore[arg-type]
        vocabulary=vocabulary,
        device=target_device,
        batch_size=batch_size,
        max_tokens=max_tokens,
    )
    save_static_model(model, target)
    seconds = time.perf_counter() - started
    size = folder_size(target)
    err.print(
        f"[green]wrote[/] {target}: {model.dim} dims, vocabulary {len(model.tokens):,}, "
        f"{size / 1e6:.1f} MB on disk, {seconds:.0f} s"
    )
    result = {
        "out": str(target),
        "model_id": model_id(model),
        "dims": model.dim,
        "vocabulary": len(model.tokens),
        "size_bytes": size,
        "seconds": round(seconds, 1),
        "teacher": teacher,
        "pooling": pooling,
        "device": target_device,
        "dtype": target_dtype,
    }
    typer.echo(json.dumps(result))


def train_cmd(
    corpus: Annotated[Path, typer.Option("--corpus", help="Corpus: .jsonl(.gz) with a text field, or .txt lines")],
    teacher: Annotated[
        str | None, typer.Option("--teacher", help="Sentence-transformer folder (default: packaged all-MiniLM-L6-v2)")
    ] = None,
    sentences: Annotated[int, typer.Option("--sentences", min=1, help="Passages sampled from the corpus")] = 20_000,
    dims: Annotated[int, typer.Option("--dims", min=2, help="Dimensions of the vectors")] = 256,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output folder (default: JANAGENT_HOME/models/<teacher>-tokenlearn)")
    ] = None,
) -> None:
    """Train a static model on a teacher's embeddings of a corpus (Tokenlearn, Model2Vec's potion recipe)."""
    from mcp_servers.embeddings.distilling import distill_teacher, folder_size, save_static_model
    from mcp_servers.embeddings.naming import model_id
    from mcp_servers.embeddings.teachers import load_teacher, minilm_teacher_dir, require_distill_stack
    from mcp_servers.embeddings.tokenlearn_training import corpus_passages, featurize, timed, train_static
    from mcp_servers.errors import JanagentError, require

    teacher_dir = Path(teacher).expanduser() if teacher else None
    if teacher_dir is not None and not (teacher_dir / "config.json").is_file():
        raise JanagentError(f"teacher {teacher} is not a model folder with a config.json - pass a local folder")
    target = out or Path(str(_default_out(teacher or "all-MiniLM-L6-v2")).removesuffix("-static") + "-tokenlearn")
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise JanagentError(f"{target} already exists - choose another --out or remove it first")
    require_distill_stack()
    require("tokenlearn", "distill")
    teacher_dir = teacher_dir or minilm_teacher_dir()
    started = time.perf_counter()
    passages, read_s = timed(lambda: corpus_passages(corpus, sentences))
    err.print(f"{len(passages):,} passages sampled from {corpus} in {read_s:.0f} s; embedding them with the teacher")

    def progress(done: int, total: int) -> None:
        elapsed = time.perf_counter() - featurize_started
        eta = elapsed / done * (total - done)
        err.print(f"featurize {done:,}/{total:,} passages, {elapsed:.0f} s, ETA {eta:.0f} s", highlight=False)

    featurize_started = time.perf_counter()
    vectors, featurize_s = timed(lambda: featurize(teacher_dir, passages, on_progress=progress))
    loaded = load_teacher(str(teacher_dir))
    base, distill_s = timed(lambda: distill_teacher(loaded, dims=dims))
    err.print(f"distilled the starting model in {distill_s:.0f} s; training (tokenlearn shows each epoch's ETA)")
    model, train_s = timed(lambda: train_static(base, passages, vectors, dims=dims))
    save_static_model(model, target)
    seconds = time.perf_counter() - started
    err.print(f"[green]wrote[/] {target}: {model.dim} dims, vocabulary {len(model.tokens):,}, {seconds:.0f} s")
    result = {
        "out": str(target),
        "model_id": model_id(model),
        "dims": model.dim,
        "vocabulary": len(model.tokens),
        "size_bytes": folder_size(target),
        "passages": len(passages),
        "seconds": {
            "read": round(read_s, 1),
            "featurize": round(featurize_s, 1),
            "distill": round(distill_s, 1),
            "train": round(train_s, 1),
            "total": round(seconds, 1),
        },
        "teacher": str(teacher_dir),
        "corpus": str(corpus),
    }
    typer.echo(json.dumps(result))


def info_cmd(
    spec: Annotated[
        str | None, typer.Argument(help="Model folder or hub id (default: $JANAGENT_EMBED_MODEL or potion)")
    ] = None,
) -> None:
    """Show what an embedding-model spec resolves to (distilling the offline stand-in if needed)."""
    from mcp_servers.embeddings import load_static_model, model_id, resolve_model_folder
    from mcp_servers.embeddings.distilling import folder_size

    folder, how = resolve_model_folder(spec)
    model = load_static_model(str(folder))
    result = {
        "spec": spec,
        "folder": str(folder),
        "resolved_by": how,
        "model_id": model_id(model),
        "dims": model.dim,
        "vocabulary": len(model.tokens),
        "size_bytes": folder_size(folder),
        "teacher": model.base_model_name or model.config.get("tokenizer_name"),
    }
    typer.echo(json.dumps(result, indent=2))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the `embed` command group."""
    embed = typer.Typer(help="Model2Vec static embeddings: distill one from any model, inspect the one in use.")
    embed.command("distill")(distill_cmd)
    embed.command("info")(info_cmd)
    embed.command("train")(train_cmd)
    app.add_typer(embed, name="embed")
