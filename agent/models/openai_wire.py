"""The chat-completions wire format: the request we send (with each vendor's quirks) and the replies we read.

Replies are validated against typed shapes, so a server that sends ``choices: ["x"]`` or ``index: "abc"``
is reported as not speaking OpenAI's format instead of crashing on a Python error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from agent.models.base import Message, Sampling, ToolSpec, Usage
from agent.models.messages import normalize_messages
from agent.models.openai_endpoint import is_openai_url
from agent.models.profiles import ModelProfile


def request_body(
    model: str,
    base_url: str,
    profile: ModelProfile,
    messages: list[Message],
    tools: list[ToolSpec],
    sampling: Sampling,
    *,
    stream: bool,
) -> dict[str, Any]:
    """The JSON body of one chat-completions request."""
    body: dict[str, Any] = {
        "model": model,
        "messages": [wire_message(m) for m in normalize_messages(messages, arguments_as="json")],
        "max_tokens": sampling.max_tokens,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "stream": stream,
    }
    if tools:
        body["tools"] = tools
    if sampling.seed is not None:
        body["seed"] = sampling.seed
    if stream:
        body["stream_options"] = {"include_usage": True}
    if not is_openai_url(base_url):
        # Extra fields that vLLM, llama.cpp and SGLang accept (OpenAI rejects them): sampling, and the chat
        # template switches of the model's profile (Qwen3's thinking switch; profiles.py decides).
        if sampling.top_k > 0:
            body["top_k"] = sampling.top_k
        body["min_p"] = sampling.min_p
        if profile.template_kwargs:
            body["chat_template_kwargs"] = dict(profile.template_kwargs)
    return body


def wire_message(message: Message) -> Message:
    """Only the fields every OpenAI-compatible server accepts for each role."""
    keep = {"role", "content"}
    if message.get("role") == "assistant" and message.get("tool_calls"):
        keep.add("tool_calls")
    if message.get("role") == "tool":
        keep.add("tool_call_id")
    return {key: value for key, value in message.items() if key in keep}


# -- what comes back --------------------------------------------------------------------------------------


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WireFunction(_Wire):
    name: str | None = None
    arguments: str | dict[str, Any] | None = None  # a few servers send the object itself


class WireToolCall(_Wire):
    index: int | None = None
    id: str | None = None
    function: WireFunction | None = None


class WireDelta(_Wire):
    content: str | None = None
    tool_calls: list[WireToolCall] | None = None


class WireChunkChoice(_Wire):
    index: int = 0
    delta: WireDelta | None = None


class WireUsage(_Wire):
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def usage(self) -> Usage:
        return Usage(prompt_tokens=self.prompt_tokens or 0, completion_tokens=self.completion_tokens or 0)


class WireChunk(_Wire):
    """One streamed ``chat.completion.chunk``."""

    choices: list[WireChunkChoice] | None = None
    usage: WireUsage | None = None


class WireMessage(_Wire):
    content: str | None = None
    tool_calls: list[WireToolCall] | None = None


class WireChoice(_Wire):
    message: WireMessage | None = None


class WireCompletion(_Wire):
    """A whole ``chat.completion`` (non-streaming)."""

    choices: list[WireChoice]
    usage: WireUsage | None = None


def validation_summary(error: ValidationError) -> str:
    """The first problem of a shape check, e.g. ``choices.0: Input should be a valid dictionary``."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{where}: {first['msg']}"


@dataclass
class Reply:
    """What one completion returned, accumulated from a body or from stream deltas."""

    text: str = ""
    usage: Usage | None = None
    calls: dict[int, dict[str, str]] = field(default_factory=dict)
    pieces: int = 0  # chunks that carried text or a tool-call fragment: at least one token each

    def add_chunk(self, chunk: WireChunk) -> str:
        """Fold one streamed chunk in; return the new text piece."""
        if chunk.usage is not None:
            self.usage = chunk.usage.usage()
        piece = ""
        carried = False
        for choice in chunk.choices or []:
            delta = choice.delta or WireDelta()
            if delta.content:
                piece += delta.content
            for position, call in enumerate(delta.tool_calls or []):
                carried = True
                index = call.index if call.index is not None else position
                slot = self.calls.setdefault(index, {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.id or slot["id"]
                function = call.function or WireFunction()
                slot["name"] += function.name or ""
                slot["arguments"] += _arguments_text(function.arguments)
        self.text += piece
        self.pieces += bool(piece) or carried
        return piece

    def native_calls(self) -> list[tuple[str, str, str]]:
        return [(c["id"], c["name"], c["arguments"]) for _, c in sorted(self.calls.items())]

    @classmethod
    def from_completion(cls, completion: WireCompletion) -> Reply:
        message = (completion.choices[0].message if completion.choices else None) or WireMessage()
        reply = cls(text=message.content or "", usage=completion.usage.usage() if completion.usage else None)
        for index, call in enumerate(message.tool_calls or []):
            function = call.function or WireFunction()
            reply.calls[index] = {
                "id": call.id or "",
                "name": function.name or "",
                "arguments": _arguments_text(function.arguments) or "{}",
            }
        return reply


def _arguments_text(arguments: str | dict[str, Any] | None) -> str:
    if isinstance(arguments, dict):
        return json.dumps(arguments)
    return arguments or ""
