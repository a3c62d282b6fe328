"""Building and normalising chat messages (OpenAI format) as the backends and the loop exchange them.

An assistant message's ``tool_calls`` may arrive in OpenAI's shape
(``{"id", "type": "function", "function": {"name", "arguments": "<json>"}}``) or as a dumped ``ToolCall``
(``{"id", "name", "arguments": {...}}``); every backend accepts both and converts to what it sends.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from agent.models.base import Message, ModelResponse, ToolCall
from agent.models.json_repair import JSONRepairError, loads_lenient


def assistant_message(response: ModelResponse) -> Message:
    """The assistant turn to append to the conversation after ``response`` (OpenAI shape)."""
    message: Message = {"role": "assistant", "content": response.text}
    if response.tool_calls:
        message["tool_calls"] = [openai_tool_call(call) for call in response.tool_calls]
    return message


def tool_message(call: ToolCall, content: str) -> Message:
    """The tool-result turn answering ``call``."""
    return {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": content}


def openai_tool_call(call: ToolCall) -> dict[str, Any]:
    """A ToolCall in OpenAI's wire shape (arguments as a JSON string)."""
    return {
        "id": call.id,
        "type": "function",
        "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)},
    }


def tool_call_parts(raw: dict[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """(id, name, arguments as a dict) of a tool call in either accepted shape."""
    nested = raw.get("function")
    function: dict[str, Any] = nested if isinstance(nested, dict) else raw
    arguments: Any = function.get("arguments") or {}
    if isinstance(arguments, str):
        try:
            arguments = loads_lenient(arguments)
        except JSONRepairError:
            arguments = {"_raw": arguments}
    if not isinstance(arguments, dict):
        arguments = {"_value": arguments}
    return str(raw.get("id") or ""), str(function.get("name") or ""), arguments


def normalize_messages(messages: list[Message], arguments_as: Literal["dict", "json"]) -> list[Message]:
    """Copies of ``messages`` with assistant tool calls in OpenAI's shape and string contents.

    ``arguments_as="json"`` gives arguments as JSON strings (what HTTP servers expect); ``"dict"`` gives
    mappings (what chat templates render with ``tojson``).
    """
    normalized: list[Message] = []
    for message in messages:
        copy = dict(message)
        if copy.get("content") is None:
            copy["content"] = ""
        if copy.get("tool_calls"):
            calls = []
            for raw in copy["tool_calls"]:
                call_id, name, arguments = tool_call_parts(raw)
                calls.append(
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {
                            "name": name,
                            "arguments": json.dumps(arguments, ensure_ascii=False)
                            if arguments_as == "json"
                            else arguments,
                        },
                    }
                )
            copy["tool_calls"] = calls
        else:
            copy.pop("tool_calls", None)
        normalized.append(copy)
    return normalized
