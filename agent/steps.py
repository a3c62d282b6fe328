"""Typed records of the steps of a run (after smolagents' ``ActionStep`` / ``FinalAnswerStep``).

The loop emits one ``AgentEvent`` per step; its ``data`` is one of the records below, so displays and
traces read fields, not string keys. ``AgentEvent.model_dump()`` keeps the JSON shape of traces and
``ask --json``: ``{"kind": ..., "step": ..., "t": ..., "data": {...}}``.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field, SerializerFunctionWrapHandler, model_serializer

from agent.models.base import ToolCall, Usage

EventKind = Literal["start", "retrieve", "model", "tool", "warning", "final_request", "answer", "error"]
# How a tool message came about: a call of the model, the retrieve-first search, a repeat that was not run
# again, a call on an invented URL that was refused, or a call the parser could not read.
CallKind = Literal["call", "retrieve", "repeated", "refused", "malformed"]


class StartStep(BaseModel):
    """The run begins: the question, the model, the tools offered and the settings in force."""

    event_kind: ClassVar[EventKind] = "start"
    question: str
    model: str
    tools: list[str]
    retrieve_first: bool
    config: dict[str, Any]
    sampling: dict[str, Any]


class RetrieveStep(BaseModel):
    """Retrieve-first: the search made for the model before its first turn."""

    event_kind: ClassVar[EventKind] = "retrieve"
    name: str
    arguments: dict[str, Any]


class ModelStep(BaseModel):
    """One model turn: its text, the calls it asked for, the calls that could not be read."""

    event_kind: ClassVar[EventKind] = "model"
    text: str
    tool_calls: list[ToolCall]
    tool_call_errors: list[str]
    usage: Usage
    duration_s: float


class ToolStartStep(BaseModel):
    """A tool call starts running."""

    event_kind: ClassVar[EventKind] = "tool"
    phase: Literal["start"] = "start"
    kind: CallKind
    id: str
    name: str
    arguments: dict[str, Any]


class ToolEndStep(BaseModel):
    """A tool message was added: the (capped) result the model sees and how it came about."""

    event_kind: ClassVar[EventKind] = "tool"
    phase: Literal["end"] = "end"
    kind: CallKind
    id: str
    name: str | None
    arguments: dict[str, Any]
    result: str
    is_error: bool
    truncated: bool
    chars: int = Field(description="Length of the full result, before the cap")
    sources: list[str]
    duration_s: float
    full_result: str | None = Field(default=None, description="The uncapped result, only when it was truncated")

    @model_serializer(mode="wrap")
    def _without_empty_full_result(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # Traces carry full_result only for truncated results (as they always have).
        data: dict[str, Any] = handler(self)
        if data.get("full_result") is None:
            data.pop("full_result", None)
        return data


class WarningStep(BaseModel):
    event_kind: ClassVar[EventKind] = "warning"
    message: str


class FinalRequestStep(BaseModel):
    """The model is asked, without tools and with the results gathered so far, for its final answer."""

    event_kind: ClassVar[EventKind] = "final_request"
    message: str
    # Why: the rounds ran out, an empty reply, a repeated call, calls that could not be used...
    reason: str = "the tool rounds ran out"


class ErrorStep(BaseModel):
    """A model or backend failure that ended the run."""

    event_kind: ClassVar[EventKind] = "error"
    message: str


class AnswerStep(BaseModel):
    """The end of the run: the answer, its sources, and what the run cost."""

    event_kind: ClassVar[EventKind] = "answer"
    answer: str
    sources: list[str]
    usage: Usage
    timing: dict[str, float]
    tool_calls: int
    error: str | None


StepData = (
    StartStep
    | RetrieveStep
    | ModelStep
    | ToolStartStep
    | ToolEndStep
    | WarningStep
    | FinalRequestStep
    | ErrorStep
    | AnswerStep
)


class AgentEvent(BaseModel):
    """One step of a run: what happened (``kind``), in which round (``step``), and its typed details."""

    kind: EventKind
    step: int = 0
    t: float = Field(default=0.0, description="Seconds since the run started")
    data: StepData

    @classmethod
    def of(cls, data: StepData, step: int, t: float) -> AgentEvent:
        """The event that carries ``data``; its kind is the record's."""
        return cls(kind=data.event_kind, step=step, t=t, data=data)
