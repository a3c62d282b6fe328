"""What answers a benchmark question: a small protocol, so the harness runs (and is tested) without the agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class SolverOutput:
    """One answered question. ``tokens`` uses the Usage names (prompt_tokens, completion_tokens)."""

    answer: str
    sources: list[str] = field(default_factory=list)
    tool_calls: int = 0
    tokens: dict[str, int] = field(default_factory=dict)
    latency_s: float = 0.0
    steps: int = 0
    # The tool results as the model saw them ({"name", "arguments", "text", "is_error"}): bench qa's evidence recall.
    tool_results: list[dict[str, Any]] = field(default_factory=list)
    # What the loop warned about on the way (a nudge, a skipped or extra search): why an answer came out as it did.
    warnings: list[str] = field(default_factory=list)


class SolverError(RuntimeError):
    """The solver ran but produced no answer (the model or a tool failed); the runner may retry."""


class Solver(Protocol):
    """Answers one question. Raises on failure; the runner retries with backoff, then records an error."""

    @property
    def identity(self) -> dict[str, Any]:
        """What answered (model spec, tools, sampling), written into summary.json."""
        ...

    async def solve(self, question: str) -> SolverOutput: ...
