"""`janagent embed use|eval` and `janagent index reembed`: choose, compare and deploy static models.

These attach to the `embed` and `index` groups that embed_cmds and index_cmds create; this module's entry
point (``static-models``) sorts after theirs, and the CLI loads groups in name order.
"""

from __future__ import annotations

import json
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


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add `embed use`, `embed eval` and `index reembed` to the groups made by embed_cmds and index_cmds."""
    embed = _group(app, "embed")
    embed.command("use")(use_cmd)
    _group(app, "index").command("reembed")(reembed_cmd)
