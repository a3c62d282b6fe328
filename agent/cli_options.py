"""Command-line options shared by the commands that run the agent (typer ``Annotated`` aliases).

A non-command module, so that command modules share them without importing each other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

ModelOpt = Annotated[
    str | None, typer.Option("--model", "-m", help="Model spec: Menlo/Jan-nano, path, .gguf, openai:NAME, smollm2")
]
BaseUrlOpt = Annotated[
    str | None, typer.Option("--base-url", help="OpenAI-compatible server URL (vLLM, llama.cpp, Jan, Ollama)")
]
McpConfigOpt = Annotated[
    Path | None, typer.Option("--mcp-config", help="mcpServers JSON file (default: JANAGENT_HOME/mcp.json, else ours)")
]
MaxStepsOpt = Annotated[int | None, typer.Option("--max-steps", min=0, help="Maximum tool rounds (default 20)")]
BackendOpt = Annotated[
    str | None,
    typer.Option(
        "--backend", help="In-process backend for a .gguf: llamacpp (default where installed) or transformers"
    ),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed for reproducible sampling")]
RetrieveOpt = Annotated[
    bool | None,
    typer.Option(
        "--retrieve-first/--no-retrieve-first",
        help="Search the question before the first turn (default: for models that do not call tools)",
    ),
]
FollowUpOpt = Annotated[
    bool | None,
    typer.Option(
        "--follow-up/--no-follow-up",
        help="Before the reader turn, search once more for what the model says is missing (default: by model)",
    ),
]
CompareOpt = Annotated[
    bool | None,
    typer.Option(
        "--compare/--no-compare",
        help="Decide 'X or Y' choices by time or count, and 'same nationality/city/...' questions, from one "
        "search per named thing (default: by model)",
    ),
]
TemperatureOpt = Annotated[
    float | None, typer.Option("--temperature", min=0.0, help="Sampling temperature (0: greedy)")
]
TopPOpt = Annotated[float | None, typer.Option("--top-p", min=0.0, max=1.0)]
TopKOpt = Annotated[int | None, typer.Option("--top-k", min=0)]
MaxTokensOpt = Annotated[int | None, typer.Option("--max-tokens", min=1, help="Cap on tokens per model turn")]
NoToolsOpt = Annotated[bool, typer.Option("--no-tools", help="Closed-book: start no servers, offer no tools")]
GraderBaseUrlOpt = Annotated[
    str | None, typer.Option("--grader-base-url", help="OpenAI-compatible server for the grader")
]
GraderApiKeyOpt = Annotated[
    str | None,
    typer.Option("--grader-api-key", envvar="JANAGENT_GRADER_API_KEY", show_envvar=False, help="Key for the grader"),
]
