"""`janagent ask` and `janagent chat`: progress goes to stderr, answers to stdout.

The wiring (model, toolbox, trace, loop config) is agent/session.py; ``--model scripted:FILE`` replays a
script (format there), so demos and CLI tests run the whole command without a real model.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agent.cli_options import (
    BackendOpt,
    BaseUrlOpt,
    CompareOpt,
    FollowUpOpt,
    MaxStepsOpt,
    MaxTokensOpt,
    McpConfigOpt,
    ModelOpt,
    NoToolsOpt,
    RetrieveOpt,
    SeedOpt,
    TemperatureOpt,
    TopKOpt,
    TopPOpt,
)
from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    from agent.loop import AgentResult
    from agent.models.base import Message
    from agent.settings import Settings

CHAT_HISTORY_MESSAGES = 12  # earlier user/assistant messages a chat turn still sees


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)


def ask(
    question: Annotated[str, typer.Argument(help="The question to answer")],
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mcp_config: McpConfigOpt = None,
    max_steps: MaxStepsOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object: answer, sources, steps, usage, timing")
    ] = False,
    seed: SeedOpt = None,
    backend: BackendOpt = None,
    retrieve_first: RetrieveOpt = None,
    follow_up_search: FollowUpOpt = None,
    compare_alternatives: CompareOpt = None,
    temperature: TemperatureOpt = None,
    top_p: TopPOpt = None,
    top_k: TopKOpt = None,
    max_tokens: MaxTokensOpt = None,
    no_tools: NoToolsOpt = False,
) -> None:
    """Answer a question by searching and reading with tools; print the answer and its sources."""
    import anyio

    from agent.settings import settings_from_flags

    if not question.strip():
        raise JanagentError('the question is empty; pass it in quotes: janagent ask "Who painted ...?"')
    settings = settings_from_flags(locals())
    result = anyio.run(_ask, question, settings, no_tools)
    if as_json:
        payload: dict[str, Any] = result.model_dump(include={"answer", "sources", "steps", "usage", "timing"})
        if result.error:
            payload["error"] = result.error
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print_answer(result)
    if result.error:
        # The one line that reports the failure (the progress display does not repeat it).
        raise JanagentError(f"the run failed: {result.error}")


async def _ask(question: str, settings: Settings, no_tools: bool) -> AgentResult:
    from agent.loop import run_agent
    from agent.progress import RunProgress
    from agent.session import err_console, fan_out, loop_config, model_and_toolbox, open_trace

    progress = RunProgress()
    async with model_and_toolbox(settings, no_tools=no_tools, progress=progress) as (model, toolbox):
        with open_trace(settings, question) as trace:
            result = await run_agent(question, model, toolbox, loop_config(settings), on_event=fan_out(progress, trace))
    if trace is not None:
        err_console.print(f"[dim]trace: {trace.path}[/]")
    return result


def print_answer(result: AgentResult) -> None:
    """The answer, then its sources, on stdout."""
    typer.echo(result.answer or "(no answer)")
    if result.sources:
        typer.echo("\nSources:")
        for source in result.sources:
            typer.echo(f"- {source}")


def chat(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mcp_config: McpConfigOpt = None,
    max_steps: MaxStepsOpt = None,
    seed: SeedOpt = None,
    backend: BackendOpt = None,
    retrieve_first: RetrieveOpt = None,
    follow_up_search: FollowUpOpt = None,
    compare_alternatives: CompareOpt = None,
    temperature: TemperatureOpt = None,
    max_tokens: MaxTokensOpt = None,
    no_tools: NoToolsOpt = False,
) -> None:
    """Talk with the agent: one question per line; /reset forgets the conversation, /exit (or EOF) ends."""
    import anyio

    from agent.settings import settings_from_flags

    settings = settings_from_flags(locals())
    anyio.run(_chat, settings, no_tools)


async def _chat(settings: Settings, no_tools: bool) -> None:
    import anyio
    from rich.markup import escape

    from agent.loop import run_agent
    from agent.progress import RunProgress
    from agent.session import err_console, fan_out, loop_config, model_and_toolbox, open_trace

    progress = RunProgress()
    history: list[Message] = []
    async with model_and_toolbox(settings, no_tools=no_tools, progress=progress) as (model, toolbox):
        err_console.print("[dim]Ask a question; /reset forgets the conversation, /exit ends.[/]")
        while True:
            err_console.print("[bold]>[/] ", end="")
            line = await anyio.to_thread.run_sync(sys.stdin.readline)
            if not line:  # end of input
                break
            question = line.strip()
            if not question:
                continue
            if question in ("/exit", "/quit"):
                break
            if question == "/reset":
                history.clear()
                err_console.print("[dim]conversation cleared[/]")
                continue
            with open_trace(settings, question) as trace:
                result = await run_agent(
                    question,
                    model,
                    toolbox,
                    loop_config(settings),
                    on_event=fan_out(progress, trace),
                    history=history[-CHAT_HISTORY_MESSAGES:],
                )
            if result.error:
                err_console.print(f"[red]error:[/] {escape(result.error)}")
                continue
            print_answer(result)
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": result.answer}]
