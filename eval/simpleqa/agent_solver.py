"""The real solver: janagent's agent loop (``run_agent``) with a model and, unless closed-book, MCP tools."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from eval.simpleqa.solver import SolverError, SolverOutput

if TYPE_CHECKING:
    from agent.loop import LoopConfig
    from agent.models.base import Model
    from agent.toolbox import Toolbox


def agent_identity(
    spec: str,
    base_url: str | None,
    tools: str,
    config: LoopConfig,
    model: Model | None = None,
    sampling_overrides: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What answers the questions, as summary.json records it (all but the model's own sampling defaults is
    known before the model is loaded; ``sampling_overrides`` are the values the user gave)."""
    sampling = config.sampling_for(model)  # exactly what the loop will use
    return {
        "spec": spec,
        "base_url": base_url,
        "tools": tools,
        "sampling": sampling.model_dump(),
        "sampling_overrides": dict(sorted((sampling_overrides or {}).items())),
        "max_steps": config.max_steps,
        "retrieve_first": config.retrieve_first,
    }


class AgentSolver:
    """Adapts ``run_agent`` to the Solver protocol. ``toolbox`` None is the closed-book baseline (--tools none)."""

    def __init__(
        self,
        model: Model,
        toolbox: Toolbox | None,
        config: LoopConfig,
        *,
        spec: str,
        base_url: str | None = None,
        tools: str = "mcp",
        sampling_overrides: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.toolbox = toolbox
        self.config = config
        self._identity = agent_identity(
            spec, base_url, tools if toolbox is not None else "none", config, model, sampling_overrides
        )

    @property
    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    async def solve(self, question: str, search_query: str | None = None) -> SolverOutput:
        """Answer ``question``; ``search_query`` (default: the question) is what retrieve-first searches."""
        from agent.loop import run_agent

        started = time.perf_counter()
        result = await run_agent(question, self.model, self.toolbox, self.config, search_query=search_query)
        if result.error:
            # The loop never raises; a model or backend failure comes back here and is worth a retry.
            raise SolverError(result.error)
        steps = _step_dicts(result.steps)
        return SolverOutput(
            answer=result.answer,
            sources=list(result.sources),
            tool_calls=result.tool_calls,
            tokens={
                "prompt_tokens": result.usage.prompt_tokens,
                "completion_tokens": result.usage.completion_tokens,
            },
            latency_s=time.perf_counter() - started,
            steps=sum(1 for step in steps if step.get("kind") == "model"),  # model turns
            tool_results=seen_tool_results(steps),
            warnings=[
                str((step.get("data") or {}).get("message") or "") for step in steps if step.get("kind") == "warning"
            ],
        )


def _step_dicts(steps: Sequence[Any]) -> list[dict[str, Any]]:
    """A run's trace events as plain dicts, whether the loop hands them over as records or as dicts."""
    return [step.model_dump() if isinstance(step, BaseModel) else dict(step) for step in steps]


def seen_tool_results(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each tool result of a run's trace as the model saw it (capped), repeats and malformed calls left out."""
    seen = []
    for step in steps:
        data = step.get("data") or {}
        if step.get("kind") != "tool" or data.get("phase") != "end" or data.get("kind") in ("repeated", "malformed"):
            continue
        seen.append(
            {
                "name": data.get("name"),
                "arguments": data.get("arguments") or {},
                "text": str(data.get("result") or ""),
                "is_error": bool(data.get("is_error")),
            }
        )
    return seen
