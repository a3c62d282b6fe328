"""The one interface every model backend implements, and the types that cross it.

Messages and tool specs use the OpenAI chat format (plain dicts) because that is what chat templates,
vLLM and every OpenAI-compatible server already speak.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from agent.models.profiles import DEFAULT, ModelProfile
from agent.models.sampling import Sampling

__all__ = ["Message", "Model", "ModelResponse", "Sampling", "ToolCall", "ToolSpec", "Usage"]

# {"role": "system"|"user"|"assistant"|"tool", "content": str, "tool_calls"?: [...], "tool_call_id"?: str, "name"?: str}
Message = dict[str, Any]
# {"type": "function", "function": {"name": str, "description": str, "parameters": JSON schema}}
ToolSpec = dict[str, Any]


class ToolCall(BaseModel):
    """A tool call the model asked for."""

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class ModelResponse(BaseModel):
    """What one model turn produced: text, parsed tool calls, and calls that could not be parsed."""

    text: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    # Each entry explains one malformed tool call; the loop sends these back to the model to correct.
    tool_call_errors: list[str] = Field(default_factory=list)


class Model(ABC):
    """A chat model that may call tools. A new backend implements ``generate`` and little else.

    What the loop needs to know about a model is declared here, so that no caller probes for it: a backend
    sets these per instance (usually from its profile) or keeps the defaults.
    """

    name: str = "model"
    # What janagent assumes about the model's family (profiles.py): tool calling, sampling, template switches.
    profile: ModelProfile = DEFAULT
    # True when the model emits tool calls on its own; False selects the retrieve-first loop.
    calls_tools: bool = True
    # The sampling the loop uses unless its config sets one: the profile's, with the user's overrides.
    default_sampling: Sampling = Sampling()
    # Context length in tokens where the backend knows it (None: unknown; the server says when it is exceeded).
    context_length: int | None = None

    @abstractmethod
    async def generate(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        sampling: Sampling,
        on_text: Callable[[str], None] | None = None,
    ) -> ModelResponse:
        """Run one assistant turn. ``on_text`` receives streamed text pieces where the backend streams."""

    def count_tokens(self, text: str) -> int:
        """Approximate token count for context budgeting; backends with a tokenizer override this."""
        return max(1, len(text) // 4)

    async def aclose(self) -> None:
        """Release resources (HTTP clients, GPU memory)."""
