"""`janagent embed use|eval` and `janagent index reembed`: choose, compare and deploy static models.

These attach to the `embed` and `index` groups that embed_cmds and index_cmds create; this module's entry
point (``static-models``) sorts after theirs, and the CLI loads groups in name order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from mcp_servers.errors import JanagentError

err = Console(stderr=True)


def _group(app: typer.Typer, name: str) -> typer.Typer:
    """The sub-app called ``name`` that another command module registered on ``app``."""
    for info in app.registered_groups:
        if info.name == name and info.typer_instance is not None:
            return info.typer_instance
    raise RuntimeError(f"the `{name}` command group is not registered before static-models; check pyproject.toml")


def use_cmd(
    model: Annotated[
        str | None, typer.Argument(help="Model2Vec folder or cached hub id; omit to show the current default")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Forget the default (back to the built-in one).")] = False,
) -> None:
    """Set the default static model for new indexes (stored in JANAGENT_HOME/config.json)."""
    import os

    from mcp_servers.embeddings import EMBED_MODEL_ENV, load_static_model, model_id
    from mcp_servers.embeddings.default_model import configured_model, resolve_named_model, set_configured_model

    if clear:
        path = set_configured_model(None)
        typer.echo(f"cleared the default static model in {path}")
        return
    if model is None:
        typer.echo(json.dumps({"configured": configured_model(), "env": os.environ.get(EMBED_MODEL_ENV)}, indent=2))
        return
    folder, recorded = resolve_named_model(model)
    loaded = load_static_model(str(folder))
    new_id = model_id(loaded)
    path = set_configured_model(recorded)
    typer.echo(f"default static model: {recorded} ({new_id}, {loaded.dim} dims) in {path}")
    if os.environ.get(EMBED_MODEL_ENV):
        err.print(f"[yellow]note:[/] ${EMBED_MODEL_ENV} is set and takes precedence over this default")
    for name in _indexes_on_another_default(new_id):
        err.print(
            f"[yellow]note:[/] index '{name}' was built with the previous default; searches on it will refuse "
            f"the new model - `janagent index reembed --index {name} --embed-model {recorded}` moves it over"
        )


def _indexes_on_another_default(new_id: str) -> list[str]:
    """Local indexes that recorded no model spec (built with the default of their day) and another model."""
    from mcp_servers.index.registry import index_path, list_indexes
    from mcp_servers.index.store import Generation, read_pointer

    names: list[str] = []
    for stats in list_indexes():
        pointer = read_pointer(index_path(stats.name))
        if pointer is None or not stats.chunks:
            continue
        meta = Generation(pointer).meta
        if not meta.get("embed_spec") and meta.get("embed_model") not in (None, new_id):
            names.append(stats.name)
    return names


def reembed_cmd(
    embed_model: Annotated[str, typer.Option("--embed-model", help="The Model2Vec folder or cached hub id to use.")],
    index: Annotated[
        str | None, typer.Option("--index", "-i", help="Index name (default: $JANAGENT_INDEX or 'default').")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
) -> None:
    """Re-embed an index with another static model: written aside, swapped in atomically (a crash keeps the old)."""
    from mcp_servers.embeddings import load_static_model
    from mcp_servers.embeddings.default_model import resolve_named_model
    from mcp_servers.index.progress import RichProgress
    from mcp_servers.index.reembed import reembed_index
    from mcp_servers.index.registry import index_path, resolve_name

    name = resolve_name(index)
    if "://" in name:
        raise JanagentError("index reembed works on local indexes; rebuild a Qdrant collection with `index add`")
    folder, recorded = resolve_named_model(embed_model)
    model = load_static_model(str(folder))
    with RichProgress(f"re-embedding '{name}'") as progress:
        report = reembed_index(name, index_path(name), model, embed_spec=recorded, progress=progress)
    summary: dict[str, Any] = {
        "index": report.index,
        "old_model": report.old_model,
        "new_model": report.new_model,
        "embed_spec": report.new_spec,
        "documents": report.documents,
        "chunks": report.chunks,
        "dims": report.dim,
        "seconds": round(report.seconds, 2),
    }
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    typer.echo(
        f"index '{report.index}' re-embedded: {report.documents:,} documents, {report.chunks:,} chunks, "
        f"{report.old_model or '-'} -> {report.new_model} ({report.dim} dims) in {report.seconds:.1f} s"
    )


def eval_cmd(
    models: Annotated[list[str], typer.Argument(help="Static models: Model2Vec folders or cached hub ids.")],
    teacher: Annotated[
        str | None,
        typer.Option("--teacher", help="Their teacher (folder, .gguf, cached hub id) as a sentence encoder."),
    ] = None,
    teacher_pooling: Annotated[str, typer.Option(help="mean (sentence encoders) or last (decoder LLMs).")] = "mean",
    device: Annotated[str, typer.Option("--device", help="Where the teacher runs: auto, cpu, cuda, mps.")] = "auto",
    suite: Annotated[
        list[str] | None,
        typer.Option("--suite", help="dev (every dev set), a dev set name, or a BEIR folder; repeatable."),
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, help="Queries per set (a seeded sample, as bench search --suite).")
    ] = 200,
    split: Annotated[str, typer.Option(help="report, tune or all queries (as bench search --suite).")] = "report",
    data_dir: Annotated[Path, typer.Option(help="Where the dev data is.")] = Path("../shared/data"),
    max_docs: Annotated[
        int | None, typer.Option("--max-docs", min=1, help="Documents per set (judged ones first).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for embed_eval.json and the chart embed_eval.png.")
    ] = None,
) -> None:
    """Compare static models (and their teacher): nDCG@10, recall@100, speed, size, memory, vocabulary, dims."""
    from eval.embed_eval import run_embed_eval
    from eval.embed_eval_inputs import load_sets, static_candidate, teacher_candidate
    from eval.embed_eval_report import build_table, write_chart
    from mcp_servers.embeddings.device import resolve_device

    if split not in ("tune", "report", "all"):
        raise JanagentError(f"unknown split {split!r}: use report, tune or all")
    sets = load_sets(suite or ["dev"], data_dir, split=split, limit=limit, max_docs=max_docs)  # type: ignore[arg-type]
    candidates = [static_candidate(spec) for spec in models]
    if teacher is not None:
        err.print(f"loading teacher {teacher}")
        candidates.append(teacher_candidate(teacher, pooling=teacher_pooling, device=resolve_device(device)))
    report = run_embed_eval(candidates, sets, on_progress=lambda line: err.print(line, highlight=False))
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "embed_eval.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        chart = write_chart(report, out / "embed_eval.png")
        err.print(f"wrote {out / 'embed_eval.json'} and {chart}")
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    Console(width=200).print(build_table(report))


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `embed use`, `embed eval` and `index reembed` to the groups made by embed_cmds and index_cmds."""
    embed = _group(app, "embed")
    embed.command("use")(use_cmd)
    embed.command("eval")(eval_cmd)
    _group(app, "index").command("reembed")(reembed_cmd)
