"""`janagent bench loop`: the agent loop's own overhead per step (eval/loop_bench.py)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import typer


class TokenizerChoice(StrEnum):
    estimate = "estimate"
    smollm2 = "smollm2"


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("loop")(bench_loop)


def bench_loop(
    steps: Annotated[int, typer.Option("--steps", min=1, help="Tool rounds per run")] = 10,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Runs to measure")] = 30,
    calls: Annotated[int, typer.Option("--calls", min=1, help="Parallel tool calls per round")] = 1,
    tokenizer: Annotated[
        TokenizerChoice,
        typer.Option(help="Token counting in the context budget: estimate (len//4) or smollm2 (real tokenizer)"),
    ] = TokenizerChoice.estimate,
) -> None:
    """The loop's own overhead per step (all but model and tool time), with a scripted model and in-memory tools."""
    import anyio

    from eval.loop_bench import run_loop_bench

    typer.echo(json.dumps(anyio.run(run_loop_bench, steps, runs, calls, tokenizer.value), indent=2))
