"""The one interface every model backend implements, and the types that cross it.

Messages and tool specs use the OpenAI chat format (plain dicts) because that is what chat templates,
vLLM and every OpenAI-compatible server already speak.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, Field

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


class Sampling(BaseModel):
    """Sampling settings; the defaults are Jan-nano's recommended ones (non-thinking mode)."""

    temperature: float = 0.7
    top_p: float = 0.8
    top_k: int = 20
    min_p: float = 0.0
    max_tokens: int = 1024
    seed: int | None = None


class Model(ABC):
    """A chat model that may call tools. A new backend implements ``generate`` and little else."""

    # True when the model emits tool calls on its own; False selects the retrieve-first loop.
    calls_tools: ClassVar[bool] = True
    name: str = "model"

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
