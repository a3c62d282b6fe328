"""Wiring a run from settings: the model, the toolbox, the trace and the loop config.

Shared by every command that runs the agent (``ask``, ``chat``, ``bench simpleqa``), so that command
modules need nothing of each other. ``scripted:FILE`` replays the turns in a JSON file (a list of turns, or
``{"turns": [...], "calls_tools": false}``; a turn is text, which may hold ``<tool_call>`` blocks, or
``{"text": ..., "tool_calls": [{"name": ..., "arguments": {...}}]}``): demos and CLI tests run the whole
command without a real model.
"""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from pathlib import Path

import anyio
from rich.console import Console
from rich.markup import escape

from agent.loop import LoopConfig
from agent.models.base import Model
from agent.progress import RunProgress
from agent.settings import Settings
from agent.steps import AgentEvent
from agent.toolbox import Toolbox
from agent.trace import TraceWriter
from mcp_servers.errors import JanagentError

SCRIPTED_PREFIX = "scripted:"
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def loop_config(settings: Settings) -> LoopConfig:
    """The loop settings; sampling is left to the model, which got the user's overrides when loaded."""
    return LoopConfig(
        max_steps=settings.max_steps,
        tool_result_chars=settings.tool_result_chars,
        context_tokens=settings.context_tokens,
        retrieve_first=settings.retrieve_first,
        follow_up_search=settings.follow_up_search,
        compare_alternatives=settings.compare_alternatives,
    )


def build_model(settings: Settings, *, threads: int | None = None) -> Model:
    """The model the settings name: ``scripted:FILE``, or any spec ``load_model`` knows.

    With a base URL, a plain model name means that server's model (``openai:NAME``). ``threads``: llama.cpp's
    thread count (None: the cores idle when it loads).
    """
    spec = settings.model.strip()
    if spec.startswith(SCRIPTED_PREFIX):
        return load_scripted_model(Path(spec.removeprefix(SCRIPTED_PREFIX)))
    from agent.models.spec import load_model

    if settings.base_url and not spec.startswith("openai:") and not Path(spec).expanduser().exists():
        spec = f"openai:{spec}"
    return load_model(
        spec,
        base_url=settings.base_url,
        api_key=settings.api_key_value(),
        backend=settings.backend,
        threads=threads,
        **settings.sampling_overrides(),
    )


def load_scripted_model(path: Path) -> Model:
    """A ScriptedModel replaying the turns in a JSON file (see the module docstring for the format)."""
    from agent.models.base import ModelResponse
    from agent.models.scripted import ScriptedModel, ScriptedTurn
    from agent.models.tool_calls import new_call_id, parse_tool_calls

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise JanagentError(f"cannot read the scripted model {path}: {exc}") from exc
    spec = data if isinstance(data, dict) else {"turns": data}
    if not isinstance(spec.get("turns"), list):
        raise JanagentError(f'{path}: a scripted model is a list of turns or {{"turns": [...]}}')
    turns: list[ScriptedTurn] = []
    for turn in spec["turns"]:
        if isinstance(turn, str):
            turns.append(turn)
            continue
        calls = [{"id": new_call_id(), **call} for call in turn.get("tool_calls", [])]
        turns.append(ModelResponse.model_validate({**turn, "tool_calls": calls}))
    return ScriptedModel(
        turns,
        name=str(spec.get("name", f"scripted:{path.name}")),
        parse_text=parse_tool_calls,
        calls_tools=bool(spec.get("calls_tools", True)),
    )


@asynccontextmanager
async def model_and_toolbox(
    settings: Settings, *, no_tools: bool, progress: RunProgress | None = None
) -> AsyncIterator[tuple[Model, Toolbox | None]]:
    """Load the model (in a thread) while the MCP servers start; close both at the end."""
    from agent.mcp_config import resolve_servers
    from agent.toolbox import open_toolbox

    servers = {} if no_tools else resolve_servers(settings.mcp_config)  # a bad config fails before the load
    err_console.print(f"[dim]loading {escape(settings.model)}[/]")
    loader = _ModelLoader(settings)
    if no_tools:
        model = await loader.result()
        try:
            yield model, None
        finally:
            await model.aclose()
        return
    async with open_toolbox(
        servers=servers, timeout_s=settings.tool_timeout_s, start_timeout_s=settings.server_start_timeout_s
    ) as toolbox:
        if progress is not None:
            progress.servers(toolbox)
        model = await loader.result()
        try:
            yield model, toolbox
        finally:
            await model.aclose()


class _ModelLoader:
    """Builds the model in a background thread, so that loading overlaps the servers' start."""

    def __init__(self, settings: Settings) -> None:
        from agent.models.llamacpp_backend import default_threads

        self._model: Model | None = None
        self._error: BaseException | None = None
        # The idle cores are counted now, before the MCP servers start: counted while they start (each a Python
        # process importing its libraries) they left llama.cpp one thread of two, and the 0.5B Qwen's prefill at
        # half speed. Counting takes a tenth of a second, so a model served elsewhere is not counted for.
        spec = settings.model.strip()
        served = bool(settings.base_url) or spec.startswith(("openai:", SCRIPTED_PREFIX))
        self._threads = None if served else default_threads()
        # A daemon thread: a run that fails while the model loads must not wait for the load to finish.
        self._thread = threading.Thread(target=self._load, args=(settings,), name="model-loader", daemon=True)
        self._thread.start()

    def _load(self, settings: Settings) -> None:
        try:
            self._model = build_model(settings, threads=self._threads)
        except BaseException as exc:  # handed to the waiting task by result()
            self._error = exc

    async def result(self) -> Model:
        await anyio.to_thread.run_sync(self._thread.join)
        if self._error is not None:
            raise self._error
        assert self._model is not None
        return self._model


def open_trace(settings: Settings, question: str) -> AbstractContextManager[TraceWriter | None]:
    """A TraceWriter for this question under JANAGENT_HOME/runs/, or nothing when traces are off."""
    return TraceWriter.for_question(question) if settings.trace else nullcontext()


def fan_out(*sinks: Callable[[AgentEvent], None] | None) -> Callable[[AgentEvent], None]:
    """One ``on_event`` callback that hands each event to every sink given (None: skipped)."""
    active = [sink for sink in sinks if sink is not None]

    def on_event(event: AgentEvent) -> None:
        for sink in active:
            sink(event)

    return on_event
