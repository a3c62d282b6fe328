"""`janagent bench simpleqa`: SimpleQA (or SimpleQA Verified) through the whole stack, graded, resumable."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from contextlib import AsyncExitStack
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from agent.cli_options import CompareOpt, FollowUpOpt, GraderApiKeyOpt, GraderBaseUrlOpt
from eval.simpleqa.grader_choice import TemplateChoice, build_grader
from eval.simpleqa.grader_choice import grader_identity as _grader_identity
from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    from agent.loop import LoopConfig
    from agent.settings import Settings
    from eval.simpleqa.benchmark import BenchmarkOutcome, BenchmarkPlan

err_console = Console(stderr=True)


class ToolsMode(StrEnum):
    mcp = "mcp"
    none = "none"


class FormatChoice(StrEnum):
    simpleqa = "simpleqa"
    verified = "verified"


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("simpleqa")(simpleqa)


def simpleqa(
    dataset: Annotated[
        Path | None,
        typer.Option(help="SimpleQA or SimpleQA Verified CSV; default: the official CSV, downloaded once to the cache"),
    ] = None,
    dataset_format: Annotated[
        FormatChoice | None, typer.Option("--format", help="CSV format (default: detected from its columns)")
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Sample this many questions as simple-evals does (default: all)")
    ] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed: random.Random(seed).sample(rows, limit)")] = 0,
    topic: Annotated[list[str] | None, typer.Option(help="Only this topic (repeatable), before sampling")] = None,
    model: Annotated[
        str | None, typer.Option(help="Model spec as for `janagent ask` (default: settings, Menlo/Jan-nano)")
    ] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server for an openai: model")] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="JANAGENT_API_KEY", show_envvar=False, help="Key for that server")
    ] = None,
    tools: Annotated[ToolsMode, typer.Option(help="mcp: the MCP servers; none: closed-book baseline")] = ToolsMode.mcp,
    mcp_config: Annotated[Path | None, typer.Option(help="mcpServers JSON (default: JANAGENT_HOME/mcp.json)")] = None,
    max_steps: Annotated[int | None, typer.Option(min=0, help="Maximum tool rounds per question")] = None,
    retrieve_first: Annotated[
        bool | None, typer.Option("--retrieve-first/--no-retrieve-first", help="Default: by the model's profile")
    ] = None,
    follow_up_search: FollowUpOpt = None,
    compare_alternatives: CompareOpt = None,
    temperature: Annotated[float | None, typer.Option(min=0.0, help="Default: the model profile's")] = None,
    top_p: Annotated[float | None, typer.Option(min=0.0, max=1.0)] = None,
    top_k: Annotated[int | None, typer.Option(min=0)] = None,
    max_tokens: Annotated[int | None, typer.Option(min=1)] = None,
    grader: Annotated[
        str, typer.Option(help="offline (approximate, rule-based) or a model spec, e.g. openai:gpt-4o")
    ] = "offline",
    grader_base_url: GraderBaseUrlOpt = None,
    grader_api_key: GraderApiKeyOpt = None,
    grader_template: Annotated[
        TemplateChoice | None, typer.Option(help="Grader prompt (default: the one of the dataset's format)")
    ] = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Questions in flight at once")] = 1,
    timeout: Annotated[float, typer.Option(min=1.0, help="Seconds per question (solver; grader alike)")] = 600.0,
    retries: Annotated[int, typer.Option(min=0, max=10, help="Retries after a model/grader failure")] = 2,
    out: Annotated[
        Path | None, typer.Option(help="Run directory (default: JANAGENT_HOME/runs/simpleqa-<time>)")
    ] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out: skip graded questions, redo errors")] = False,
) -> None:
    """Run SimpleQA through the agent and print summary.json; results, report and charts go to --out."""
    setup_started = time.perf_counter()
    from agent.session import loop_config as session_loop_config
    from agent.settings import settings_from_flags
    from eval.simpleqa.agent_solver import agent_identity
    from eval.simpleqa.benchmark import BenchmarkPlan, preflight
    from eval.simpleqa.dataset import DatasetFormat, download_dataset, load_dataset, select_questions
    from eval.simpleqa.runner import RunConfig
    from mcp_servers.home import cache_dir, runs_dir

    if resume and out is None:
        raise JanagentError("--resume needs --out DIR, the run directory to continue")
    settings = settings_from_flags(locals(), ignore={"seed"})  # --seed samples the questions, not the model
    path = dataset if dataset is not None else download_dataset(cache_dir())
    data = load_dataset(path, DatasetFormat(dataset_format.value) if dataset_format else None)
    questions = select_questions(data.questions, limit=limit, seed=seed, topics=topic or [], fmt=data.format)
    template_name = (
        grader_template.value
        if grader_template
        else ("simpleqa-verified" if data.format is DatasetFormat.VERIFIED else "simple-evals")
    )
    run_dir = out if out is not None else runs_dir() / time.strftime("simpleqa-%Y%m%d-%H%M%S")
    loop_config = session_loop_config(settings)  # sampling: the model's defaults with the user's overrides
    tools_label = _tools_label(tools, settings.mcp_config)
    plan = BenchmarkPlan(
        dataset=data,
        questions=questions,
        out_dir=run_dir,
        seed=seed,
        limit=limit,
        topics=list(topic or []),
        resume=resume,
        config=RunConfig(concurrency=concurrency, timeout_s=timeout, retries=retries),
    )
    model_identity = agent_identity(
        settings.model, settings.base_url, tools_label, loop_config, sampling_overrides=settings.sampling_overrides()
    )
    done = preflight(plan, model_identity, _grader_identity(grader, grader_base_url, template_name))
    if done is not None:
        err_console.print(f"nothing to do: all {len(questions)} questions of {run_dir} are graded")
        typer.echo(json.dumps(done, indent=2, ensure_ascii=False))
        return
    plan.setup_s = time.perf_counter() - setup_started
    if grader == "offline":
        err_console.print(
            "[yellow]grading with the offline rule-based grader: results are APPROXIMATE "
            "(pass --grader openai:gpt-4o --grader-base-url URL for SimpleQA's grader)[/]"
        )
    err_console.print(f"{len(questions)} questions -> {run_dir}", highlight=False)
    try:
        outcome = asyncio.run(
            _run(
                plan,
                settings=settings,
                loop_config=loop_config,
                tools=tools,
                tools_label=tools_label,
                grader_spec=grader,
                grader_base_url=grader_base_url,
                grader_api_key=grader_api_key,
                template_name=template_name,
            )
        )
    except KeyboardInterrupt:
        from eval.simpleqa.rundir import interrupted_message

        err_console.print(interrupted_message(run_dir, "graded", sys.argv[1:]), highlight=False, soft_wrap=True)
        # SystemExit, not typer.Exit: in non-standalone mode click returns an Exit's code instead of exiting.
        raise SystemExit(130) from None
    summary = outcome.summary
    typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    err_console.print(
        f"correct {100 * summary['correct']:.1f}% · given attempted {100 * summary['accuracy_given_attempted']:.1f}% "
        f"· F1 {summary['f1']:.3f} · errors {summary['errors']} · {summary['duration_s']:.1f} s"
        + (" · APPROXIMATE grader" if summary["approximate"] else "")
        + f"\nwritten: {run_dir}/results.jsonl, summary.json, report.md, charts",
        highlight=False,
    )


def _tools_label(tools: ToolsMode, mcp_config: Path | None) -> str:
    if tools is ToolsMode.none:
        return "none"
    return f"mcp:{mcp_config}" if mcp_config is not None else "mcp"


async def _run(
    plan: BenchmarkPlan,
    *,
    settings: Settings,
    loop_config: LoopConfig,
    tools: ToolsMode,
    tools_label: str,
    grader_spec: str,
    grader_base_url: str | None,
    grader_api_key: str | None,
    template_name: str,
) -> BenchmarkOutcome:
    from agent.session import build_model
    from eval.simpleqa.agent_solver import AgentSolver
    from eval.simpleqa.benchmark import run_benchmark
    from eval.simpleqa.progress import RichProgress

    async with AsyncExitStack() as stack:
        grader = build_grader(
            grader_spec, base_url=grader_base_url, api_key=grader_api_key, template_name=template_name
        )
        stack.push_async_callback(_close, grader)
        err_console.print(f"loading {settings.model}", highlight=False, markup=False)
        # The same model specs and backends as `janagent ask` (a plain name with --base-url is openai:NAME).
        agent_model = await asyncio.to_thread(build_model, settings)
        stack.push_async_callback(agent_model.aclose)
        toolbox = None
        if tools is ToolsMode.mcp:
            from agent.toolbox import open_toolbox

            toolbox = await stack.enter_async_context(
                open_toolbox(
                    settings.mcp_config,
                    timeout_s=settings.tool_timeout_s,
                    start_timeout_s=settings.server_start_timeout_s,
                )
            )
            for name, reason in toolbox.failed.items():
                err_console.print(f"[yellow]tool server {name} failed to start:[/] {reason}", highlight=False)
            if not toolbox.tool_names:
                raise JanagentError("no MCP tools are available (see above); fix the servers or pass --tools none")
        solver = AgentSolver(
            agent_model,
            toolbox,
            loop_config,
            spec=settings.model,
            base_url=settings.base_url,
            tools=tools_label,
            sampling_overrides=settings.sampling_overrides(),
        )
        approximate = bool(grader.identity.get("approximate"))
        with RichProgress(approximate=approximate, console=err_console) as bar:
            return await run_benchmark(plan, solver, grader, progress=bar)


async def _close(grader: Any) -> None:
    close = getattr(grader, "aclose", None)
    if close is not None:
        await close()
