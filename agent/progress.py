"""Live progress of a run on stderr: each tool call, a one-line result, model turns, warnings.

A log of lines, not a bar: a run has no known length, and what a person wants to see is each call. (The
index build and the benchmarks draw rich progress bars of their own; they count known work.)
"""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.markup import escape

from agent.steps import (
    AgentEvent,
    FinalRequestStep,
    ModelStep,
    RetrieveStep,
    ToolEndStep,
    ToolStartStep,
    WarningStep,
)
from agent.toolbox import Toolbox

err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class RunProgress:
    """An ``on_event`` callback that prints each step of a run as one line."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or err_console

    def servers(self, toolbox: Toolbox) -> None:
        """Which servers failed to start, and the tools of those that did."""
        for name, reason in toolbox.failed.items():
            self.console.print(f"[yellow]server {escape(name)!r} did not start:[/] {escape(reason)}")
        if toolbox.servers:
            self.console.print(f"[dim]tools: {escape(', '.join(toolbox.tool_names))}[/]")

    def __call__(self, event: AgentEvent) -> None:
        line = describe(event)
        if line is not None:
            self.console.print(line)


def describe(event: AgentEvent) -> str | None:
    """The progress line (rich markup) for one step, or None for steps that show nothing."""
    data = event.data
    if isinstance(data, RetrieveStep):
        return f"[cyan]retrieve-first:[/] {escape(data.name)} {escape(short_arguments(data.arguments))}"
    if isinstance(data, ToolStartStep):
        if data.kind == "retrieve":
            return None  # the retrieve step already said it
        return f"[cyan]→ {escape(data.name)}[/] {escape(short_arguments(data.arguments))}"
    if isinstance(data, ToolEndStep):
        return result_line(data)
    if isinstance(data, ModelStep):
        return f"[dim]model turn {event.step}: {data.duration_s:.1f} s, {data.usage.completion_tokens} tokens[/]"
    if isinstance(data, WarningStep):
        return f"[yellow]warning:[/] {escape(data.message)}"
    if isinstance(data, FinalRequestStep):
        return "[yellow]out of tool rounds: asking for the final answer[/]"
    # An ErrorStep shows nothing: the command reports the failed run in its one error line.
    return None


def short_arguments(arguments: dict[str, Any], limit: int = 100) -> str:
    text = json.dumps(arguments, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def result_line(data: ToolEndStep) -> str:
    """✓ / ✗ / ↺, the tool, its time, and the references it returned (or its first line)."""
    name = escape(data.name or "tool call")
    seconds = f"{data.duration_s:.2f} s"
    first = next((line.strip() for line in data.result.splitlines() if line.strip()), "")
    first = escape(first if len(first) <= 100 else first[:99] + "…")
    if data.kind == "repeated":
        return f"[yellow]↺ {name}: repeated call, not run again[/]"
    if data.is_error:
        return f"[red]✗ {name}[/] ({seconds}): {first}"
    cited = f"{len(data.sources)} refs, first {escape(data.sources[0])}" if data.sources else first
    cut = " [dim](truncated)[/]" if data.truncated else ""
    return f"[green]✓ {name}[/] ({seconds}): {cited}{cut}"
