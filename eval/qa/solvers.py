"""What answers a ``bench qa`` question in each ``--tools`` mode.

- ``mcp``: the agent loop with the MCP tools (``AgentSolver``), the search server pointed at the dataset's index;
- ``none``: the same loop closed-book;
- ``retrieve``: the one-prompt yardstick every table reports: one search of the question (the top five hits of
  the local index, as the search tool writes them), one greedy prompt "reply with the answer only", no loop. Its
  system prompt and user message are those of the loop's reader turn, so the two differ only in the loop.

The agent modes get the question with a request for a short answer (``SHORT_ANSWER_PROMPT``); the reply and its
sources stay as ``ask`` gives them.
"""

from __future__ import annotations

import asyncio
import sys
import time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from agent.prompts import RETRIEVED_SYSTEM, final_answer_from_results
from eval.simpleqa.agent_solver import AgentSolver
from eval.simpleqa.solver import Solver, SolverOutput

if TYPE_CHECKING:
    from agent.models.base import Model, Sampling
    from mcp_servers.types import SearchHit, SearchIndex

SHORT_ANSWER_PROMPT = "Reply with the answer only: a name, a number, a date or a few words."
RETRIEVE_K = 5
RETRIEVE_MAX_TOKENS = 64


class ToolsMode(StrEnum):
    mcp = "mcp"
    none = "none"
    retrieve = "retrieve"


def qa_servers(index_name: str) -> dict[str, dict[str, Any]]:
    """Our search and fetch servers, the search server over ``index_name`` (what ``ask`` starts, aimed)."""
    return {
        "search": {"command": sys.executable, "args": ["-m", "mcp_servers.search", "--index", index_name]},
        "fetch": {"command": sys.executable, "args": ["-m", "mcp_servers.fetch", "--index", index_name]},
    }


class PromptedSolver:
    """Asks ``inner`` each question followed by the short-answer request; the identity says so."""

    def __init__(self, inner: Solver, prompt: str = SHORT_ANSWER_PROMPT) -> None:
        self.inner = inner
        self.prompt = prompt

    @property
    def identity(self) -> dict[str, Any]:
        return {**self.inner.identity, "question_prompt": self.prompt}

    async def solve(self, question: str) -> SolverOutput:
        if isinstance(self.inner, AgentSolver):  # retrieve-first searches the question, not the request
            return await self.inner.solve(f"{question}\n{self.prompt}", search_query=question)
        return await self.inner.solve(f"{question}\n{self.prompt}")


def format_hits(query: str, hits: list[SearchHit]) -> str:
    """The hits exactly as the search tool writes them (its own formatter), so the yardstick reads what the
    agent reads."""
    from mcp_servers.search.server import SearchResults, format_results  # the server's imports, only when used

    return format_results(SearchResults(query=query, source="local", hits=hits))


def retrieve_prompt(question: str, results: str, *, reasons: bool = False) -> str:
    """The yardstick's one prompt: the loop's reader turn over these results, so the two differ only in the loop
    (``reasons``: the model's profile asks for the deciding facts first, as the loop's reader turn does)."""
    return final_answer_from_results(question, [results], reasons=reasons)


class RetrieveSolver:
    """The one-prompt baseline: search once, show the model the top ``k`` hits, take its greedy reply."""

    def __init__(
        self,
        model: Model,
        index: SearchIndex,
        *,
        spec: str,
        index_name: str,
        base_url: str | None = None,
        k: int = RETRIEVE_K,
        max_tokens: int | None = None,
        sampling_overrides: dict[str, Any] | None = None,
    ) -> None:
        self.model = model
        self.index = index
        self.k = k
        self.reasons = model.profile.reader_reasons  # its yes/no questions get the facts-first request
        self.sampling = self._greedy(model, max_tokens, self.reasons)
        self._identity = {
            "spec": spec,
            "base_url": base_url,
            "tools": f"retrieve:{index_name}",
            "sampling": self.sampling.model_dump(),
            "sampling_overrides": dict(sorted((sampling_overrides or {}).items())),
            "max_steps": 0,
            "retrieve_first": None,
            "retrieve_k": k,
            "question_prompt": retrieve_prompt("{question}", "{results}"),
            # The profile's yes/no questions get REASONED_ANSWER_FORMAT instead (as in the loop's reader turn).
            "reader_reasons": self.reasons,
        }

    @staticmethod
    def _greedy(model: Model, max_tokens: int | None, reasons: bool) -> Sampling:
        # The model's own sampling (its profile with the user's overrides), made greedy and short; a model
        # that writes its facts before the answer keeps the budget the loop's reader turn gives it.
        short = model.default_sampling.max_tokens if reasons else RETRIEVE_MAX_TOKENS
        update = {"temperature": 0.0, "max_tokens": max_tokens or short}
        return model.default_sampling.model_copy(update=update)

    @property
    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    async def solve(self, question: str) -> SolverOutput:
        from agent.models.tool_calls import strip_thinking
        from agent.sources import passages_from_result, pick_sources

        started = time.perf_counter()
        hits = await asyncio.to_thread(self.index.search, question, self.k)
        results = format_hits(question, hits)
        messages = [
            {"role": "system", "content": RETRIEVED_SYSTEM},
            {"role": "user", "content": retrieve_prompt(question, results, reasons=self.reasons)},
        ]
        response = await self.model.generate(messages, [], self.sampling)
        answer = strip_thinking(response.text)
        arguments = {"query": question, "k": self.k}
        return SolverOutput(
            answer=answer,
            sources=pick_sources(answer, passages_from_result(results), question=question),
            tool_calls=1,
            tokens={
                "prompt_tokens": response.usage.prompt_tokens,
                "completion_tokens": response.usage.completion_tokens,
            },
            latency_s=time.perf_counter() - started,
            steps=1,
            tool_results=[{"name": "search", "arguments": arguments, "text": results, "is_error": False}],
        )
