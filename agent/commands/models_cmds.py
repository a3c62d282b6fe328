"""`janagent bench backend`: the in-process backend's speed against plain transformers generate."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from mcp_servers.errors import JanagentError

err = Console(stderr=True)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    """Add the model commands to the CLI."""
    bench.command("backend")(bench_backend)


def bench_backend(
    model: Annotated[
        str, typer.Option("--model", help="A local model spec (smollm2, a folder, a .gguf, a hub id).")
    ] = "smollm2",
    max_new_tokens: Annotated[int, typer.Option("--max-new-tokens", min=1, help="Tokens to generate per run.")] = 48,
    repeats: Annotated[int, typer.Option("--repeats", min=1, help="Timed runs of each side (median reported).")] = 3,
    device: Annotated[str | None, typer.Option("--device", help="cpu, cuda or auto.")] = None,
) -> None:
    """Print JSON: our backend's tokens/s vs plain model.generate (target >= 95%), and the KV-reuse speedup."""
    from agent.models.spec import load_model
    from agent.models.transformers_backend import TransformersModel
    from eval.backend_bench import run_backend_bench

    err.print(f"loading {model}")
    loaded = load_model(model, device=device)
    if not isinstance(loaded, TransformersModel):
        raise JanagentError("bench backend measures the in-process backend; pass a local model (e.g. --model smollm2)")
    result = run_backend_bench(
        loaded, max_new_tokens=max_new_tokens, repeats=repeats, log=lambda line: err.print(line, highlight=False)
    )
    typer.echo(json.dumps(result, indent=2))
