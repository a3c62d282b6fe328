"""A scripted model: replays queued responses and records what it was sent. Public, for tests and demos."""

from __future__ import annotations

import copy
from collections.abc import Callable

from agent.models.base import Message, Model, ModelResponse, Sampling, ToolCall, ToolSpec

# A scripted turn is a ready response, plain text, or a function of the conversation so far.
ScriptedTurn = ModelResponse | str | Callable[[list[Message], list[ToolSpec]], ModelResponse | str]


class ScriptExhaustedError(RuntimeError):
    """The model was asked for more turns than were scripted."""


class ScriptedModel(Model):
    """Returns the queued turns in order. Plain strings go through the Hermes tool-call parser when one
    is given, so a script can also exercise malformed ``<tool_call>`` text exactly as a real model emits it.
    """

    def __init__(
        self,
        turns: list[ScriptedTurn],
        *,
        name: str = "scripted",
        parse_text: Callable[[str], ModelResponse] | None = None,
        calls_tools: bool = True,
    ) -> None:
        self._turns = list(turns)
        self.name = name
        self._parse_text = parse_text
        self.calls_tools = calls_tools
        self.requests: list[tuple[list[Message], list[ToolSpec], Sampling]] = []

    @staticmethod
    def call(name: str, arguments: dict[str, object] | None = None, call_id: str | None = None) -> ModelResponse:
        """A turn that calls one tool; a convenience for writing scripts."""
        return ModelResponse(
            tool_calls=[ToolCall(id=call_id or f"call_{name}", name=name, arguments=dict(arguments or {}))]
        )

    async def generate(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        sampling: Sampling,
        on_text: Callable[[str], None] | None = None,
    ) -> ModelResponse:
        self.requests.append((copy.deepcopy(messages), copy.deepcopy(tools), sampling.model_copy()))
        if not self._turns:
            raise ScriptExhaustedError(f"{self.name}: no scripted turn left (request {len(self.requests)})")
        turn = self._turns.pop(0)
        if callable(turn) and not isinstance(turn, ModelResponse):
            turn = turn(messages, tools)
        if isinstance(turn, str):
            response = self._parse_text(turn) if self._parse_text else ModelResponse(text=turn)
        else:
            response = turn
        if on_text is not None and response.text:
            on_text(response.text)
        return response

    @property
    def remaining(self) -> int:
        return len(self._turns)
