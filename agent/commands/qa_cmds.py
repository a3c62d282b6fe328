"""`janagent bench qa`: HotpotQA, SQuAD or SimpleQA where the answers are in reach; official EM/F1, resumable."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from agent.cli_options import CompareOpt, FollowUpOpt, GraderApiKeyOpt, GraderBaseUrlOpt
from eval.qa.datasets import QAFormat
from eval.qa.solvers import ToolsMode
from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    from agent.loop import LoopConfig
    from agent.models.base import Model
    from agent.settings import Settings
    from eval.qa.datasets import QADataset
    from eval.simpleqa.benchmark import BenchmarkOutcome, BenchmarkPlan
    from eval.simpleqa.solver import Solver

err_console = Console(stderr=True)
GRADER_TEMPLATE = "simple-evals"  # bench qa grades SimpleQA (the original CSV) with its own template


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("qa")(qa)
    bench.command("qa-rescore")(qa_rescore)


def qa(
    dataset: Annotated[
        Path,
        typer.Option(
            help="multi-hop jsonl or json list (HotpotQA, 2Wiki, MuSiQue; IRCoT or official form), SQuAD v1.1 json or SimpleQA csv"
        ),
    ],
    dataset_format: Annotated[
        QAFormat | None, typer.Option("--format", help="Dataset format (default: from the file name)")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="Sample this many questions (default: all)")] = None,
    seed: Annotated[int, typer.Option(help="Sampling seed: random.Random(seed).sample(questions, limit)")] = 0,
    model: Annotated[str | None, typer.Option("--model", "-m", help="Model spec as for `janagent ask`")] = None,
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible server for an openai: model")] = None,
    api_key: Annotated[
        str | None, typer.Option(envvar="JANAGENT_API_KEY", show_envvar=False, help="Key for that server")
    ] = None,
    tools: Annotated[
        ToolsMode, typer.Option(help="mcp: the agent with MCP tools; none: closed-book; retrieve: one-prompt baseline")
    ] = ToolsMode.mcp,
    index: Annotated[
        str | None,
        typer.Option(help="Index to search (SimpleQA: required; HotpotQA/SQuAD: default qa-<format>-<file>)"),
    ] = None,
    mcp_config: Annotated[
        Path | None, typer.Option(help="mcpServers JSON instead of our search server over the index")
    ] = None,
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
    model_seed: Annotated[int | None, typer.Option("--model-seed", help="Sampling seed of the model")] = None,
    grader: Annotated[
        str, typer.Option(help="SimpleQA only: offline (approximate) or a model spec, e.g. openai:gpt-4o")
    ] = "offline",
    grader_base_url: GraderBaseUrlOpt = None,
    grader_api_key: GraderApiKeyOpt = None,
    concurrency: Annotated[int, typer.Option(min=1, help="Questions in flight at once")] = 1,
    timeout: Annotated[float, typer.Option(min=1.0, help="Seconds per question")] = 600.0,
    retries: Annotated[int, typer.Option(min=0, max=10, help="Retries after a model/grader failure")] = 2,
    out: Annotated[Path | None, typer.Option(help="Run directory (default: JANAGENT_HOME/runs/qa-<time>)")] = None,
    resume: Annotated[bool, typer.Option(help="Continue the run in --out: skip done questions, redo errors")] = False,
) -> None:
    """Answer a QA dataset with the agent and print summary.json (EM, F1, evidence recall...); outputs go to --out."""
    from agent.session import loop_config
    from agent.settings import load_settings
    from eval.qa.benchmark import QA_SCORING, qa_plan
    from eval.qa.corpus import default_index_name
    from eval.qa.datasets import load_qa_dataset
    from eval.simpleqa.benchmark import preflight
    from eval.simpleqa.runner import RunConfig
    from mcp_servers.home import runs_dir

    setup_started = time.perf_counter()
    if resume and out is None:
        raise JanagentError("--resume needs --out DIR, the run directory to continue")
    settings = load_settings(
        model=model,
        base_url=base_url,
        api_key=api_key,
        mcp_config=mcp_config,
        max_steps=max_steps,
        retrieve_first=retrieve_first,
        follow_up_search=follow_up_search,
        compare_alternatives=compare_alternatives,
        temperature=temperature,
        top_p=top_p,
        top_k=top_k,
        max_tokens=max_tokens,
        seed=model_seed,
    )
    data = load_qa_dataset(dataset, dataset_format)
    if not data.passages and index is None and tools is not ToolsMode.none:
        what = (
            "SimpleQA brings no corpus"
            if data.format is QAFormat.SIMPLEQA
            else f"{data.path.name} brings no paragraphs"
        )
        raise JanagentError(
            f"{what}: pass --index NAME (e.g. build Simple English Wikipedia with "
            "`janagent index add ../shared/data/simplewiki-2021/simplewiki.jsonl.gz --index simplewiki`)"
        )
    index_name = index or default_index_name(data)
    run_dir = out if out is not None else runs_dir() / time.strftime(f"qa-{data.format}-%Y%m%d-%H%M%S")
    plan = qa_plan(
        data,
        run_dir,
        limit=limit,
        seed=seed,
        resume=resume,
        config=RunConfig(concurrency=concurrency, timeout_s=timeout, retries=retries),
    )
    overrides = settings.sampling_overrides()
    identity = _solver_identity(tools, settings.model, settings.base_url, index_name, settings, overrides)
    done = preflight(plan, identity, _judge_identity(data, grader, grader_base_url), QA_SCORING)
    if done is not None:
        err_console.print(f"nothing to do: all {len(plan.questions)} questions of {run_dir} are done")
        typer.echo(json.dumps(done, indent=2, ensure_ascii=False))
        return
    if tools is not ToolsMode.none:
        _prepare_index(data, index_name, given=index is not None)
    plan.setup_s = time.perf_counter() - setup_started
    err_console.print(f"{len(plan.questions)} questions, --tools {tools} -> {run_dir}", highlight=False)
    try:
        outcome = asyncio.run(
            _run(
                plan,
                data,
                settings,
                loop_config(settings),
                tools,
                index_name,
                overrides,
                grader,
                grader_base_url,
                grader_api_key,
            )
        )
    except KeyboardInterrupt:
        from eval.simpleqa.rundir import interrupted_message

        err_console.print(interrupted_message(run_dir, "answered", sys.argv[1:]), highlight=False, soft_wrap=True)
        raise SystemExit(130) from None  # SystemExit: in non-standalone mode click returns an Exit's code instead
    summary = outcome.summary
    typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    err_console.print(
        f"F1 {summary['f1']:.3f} · EM {summary['exact_match']:.3f} · evidence recall {summary['evidence_recall']:.2f} "
        f"· empty {summary['empty_answers']} · errors {summary['errors']} · {summary['duration_s']:.1f} s"
        f"\nwritten: {run_dir}/results.jsonl, summary.json, report.md, chart",
        highlight=False,
    )


def qa_rescore(
    run_dir: Annotated[Path, typer.Argument(help="A `bench qa` run directory (its --out)")],
    grader: Annotated[
        str, typer.Option(help="SimpleQA only: offline (approximate) or a model spec, e.g. openai:gpt-4o")
    ] = "offline",
    grader_base_url: GraderBaseUrlOpt = None,
    grader_api_key: GraderApiKeyOpt = None,
) -> None:
    """Score a run's stored answers again under the current short form and metrics (no model is run)."""
    from eval.qa.rescore import rescore_run, stored_format

    async def rescore() -> dict[str, Any]:
        judge_grader = None
        if stored_format(run_dir) is QAFormat.SIMPLEQA:
            from eval.simpleqa.grader_choice import build_grader

            judge_grader = build_grader(
                grader, base_url=grader_base_url, api_key=grader_api_key, template_name=GRADER_TEMPLATE
            )
        try:
            return await rescore_run(run_dir, judge_grader)
        finally:
            close = getattr(judge_grader, "aclose", None)
            if close is not None:
                await close()

    summary = asyncio.run(rescore())
    typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    err_console.print(
        f"re-scored {summary['graded']} answers: F1 {summary['f1']:.3f} · EM {summary['exact_match']:.3f}"
        f"\nwritten: {run_dir}/results.jsonl, summary.json, report.md, chart",
        highlight=False,
    )


def _tools_label(tools: ToolsMode, index_name: str, mcp_config: Path | None) -> str:
    if tools is ToolsMode.none:
        return "none"
    if tools is ToolsMode.retrieve:
        return f"retrieve:{index_name}"
    return f"mcp:{mcp_config}" if mcp_config is not None else f"mcp:{index_name}"


def _solver_identity(
    tools: ToolsMode, spec: str, base_url: str | None, index_name: str, settings: Settings, overrides: dict[str, Any]
) -> dict[str, Any]:
    """What answers, known before the model is loaded (what a resumed run must match)."""
    from agent.session import loop_config
    from eval.qa.solvers import RETRIEVE_K, SHORT_ANSWER_PROMPT, retrieve_prompt
    from eval.simpleqa.agent_solver import agent_identity

    label = _tools_label(tools, index_name, settings.mcp_config)
    if tools is ToolsMode.retrieve:
        return {
            "spec": spec,
            "base_url": base_url,
            "tools": label,
            "sampling_overrides": dict(sorted(overrides.items())),
            "max_steps": 0,
            "retrieve_first": None,
            "retrieve_k": RETRIEVE_K,
            "question_prompt": retrieve_prompt("{question}", "{results}"),
        }
    identity = agent_identity(spec, base_url, label, loop_config(settings), sampling_overrides=overrides)
    return {**identity, "question_prompt": SHORT_ANSWER_PROMPT}


def _judge_identity(data: QADataset, grader: str, grader_base_url: str | None) -> dict[str, Any]:
    """The judge's identity without loading a grader model (for the finished-run and resume checks)."""
    from eval.qa.judge import judge_identity
    from eval.simpleqa.grader_choice import grader_identity

    if data.format is not QAFormat.SIMPLEQA:
        return judge_identity(data.format)
    return judge_identity(data.format, grader_identity(grader, grader_base_url, GRADER_TEMPLATE))


def _prepare_index(data: QADataset, index_name: str, *, given: bool) -> None:
    """Build (or reuse) the dataset's index; for SimpleQA, or a user's own index, check that it is not empty."""
    from eval.qa.corpus import built_from_questions, ensure_dataset_index
    from mcp_servers.index import open_index

    if data.format is QAFormat.SIMPLEQA or (given and not data.passages):
        if open_index(index_name).stats().documents == 0:
            raise JanagentError(
                f"index {index_name!r} is empty or missing; build it with `janagent index add PATH --index {index_name}`"
            )
        return
    if given and not built_from_questions(index_name):
        documents = open_index(index_name).stats().documents
        if documents:
            # A user's own index (a Wikipedia copy, say): the questions are asked over it as it is, open-domain.
            err_console.print(
                f"index {index_name}: {documents:,} document{'' if documents == 1 else 's'}, searched as it is "
                f"(the {len(data.passages):,} paragraphs of {data.path.name} are not added to it)",
                highlight=False,
            )
            return

    err_console.print(
        f"index {index_name}: checking ({len(data.passages)} paragraphs in {data.path.name})", highlight=False
    )
    built = ensure_dataset_index(data, index_name)
    verb = f"built in {built.seconds:.1f} s" if built.built else "reused (file unchanged)"
    err_console.print(f"index {built.name}: {built.documents} paragraphs, {verb}", highlight=False)


async def _run(
    plan: BenchmarkPlan,
    data: QADataset,
    settings: Settings,
    config: LoopConfig,
    tools: ToolsMode,
    index_name: str,
    overrides: dict[str, Any],
    grader_spec: str,
    grader_base_url: str | None,
    grader_api_key: str | None,
) -> BenchmarkOutcome:
    from agent.session import build_model
    from eval.qa.benchmark import QA_SCORING, QAProgress
    from eval.qa.judge import QAJudge
    from eval.simpleqa.benchmark import run_scored

    async with AsyncExitStack() as stack:
        grader = None
        if data.format is QAFormat.SIMPLEQA:
            from eval.simpleqa.grader_choice import build_grader

            grader = build_grader(
                grader_spec, base_url=grader_base_url, api_key=grader_api_key, template_name=GRADER_TEMPLATE
            )
            close = getattr(grader, "aclose", None)
            if close is not None:
                stack.push_async_callback(close)
        err_console.print(f"loading {settings.model}", highlight=False, markup=False)
        agent_model = await asyncio.to_thread(build_model, settings)
        stack.push_async_callback(agent_model.aclose)
        solver = await _solver(stack, tools, agent_model, settings, config, index_name, overrides)
        with QAProgress(console=err_console) as bar:
            return await run_scored(plan, solver, QAJudge(data.format, grader), QA_SCORING, progress=bar)


async def _solver(
    stack: AsyncExitStack,
    tools: ToolsMode,
    model: Model,
    settings: Settings,
    config: LoopConfig,
    index_name: str,
    overrides: dict[str, Any],
) -> Solver:
    from eval.qa.solvers import PromptedSolver, RetrieveSolver, qa_servers
    from eval.simpleqa.agent_solver import AgentSolver

    if tools is ToolsMode.retrieve:
        from mcp_servers.index import open_index

        return RetrieveSolver(
            model, open_index(index_name), spec=settings.model, index_name=index_name, base_url=settings.base_url,
            max_tokens=settings.max_tokens, sampling_overrides=overrides,
        )  # fmt: skip
    toolbox = None
    if tools is ToolsMode.mcp:
        from agent.mcp_config import resolve_servers
        from agent.toolbox import open_toolbox

        servers: dict[str, Any] = (
            dict(resolve_servers(settings.mcp_config)) if settings.mcp_config is not None else qa_servers(index_name)
        )
        toolbox = await stack.enter_async_context(
            open_toolbox(
                servers=servers, timeout_s=settings.tool_timeout_s, start_timeout_s=settings.server_start_timeout_s
            )
        )
        for name, reason in toolbox.failed.items():
            err_console.print(f"[yellow]tool server {name} failed to start:[/] {reason}", highlight=False)
        if not toolbox.tool_names:
            raise JanagentError("no MCP tools are available (see above); fix the servers or pass --tools none")
    label = _tools_label(tools, index_name, settings.mcp_config)
    agent = AgentSolver(
        model,
        toolbox,
        config,
        spec=settings.model,
        base_url=settings.base_url,
        tools=label,
        sampling_overrides=overrides,
    )
    return PromptedSolver(agent)
