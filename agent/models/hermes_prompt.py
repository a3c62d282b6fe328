"""The Hermes/Qwen tool prompt, for chat templates that have no tool section of their own (SmolLM2's).

Qwen2.5/Qwen3 templates describe tools in the system turn inside ``<tools></tools>``, expect calls as
``<tool_call>`` JSON, and show tool results to the model as a user turn wrapped in ``<tool_response>``.
``to_hermes_messages`` rewrites a conversation into that form using only system/user/assistant turns,
so any template that can render those three roles can carry tools.
"""

from __future__ import annotations

import json

from agent.models.base import Message, ToolSpec
from agent.models.messages import tool_call_parts


def render_tools_block(tools: list[ToolSpec]) -> str:
    """The system-prompt section that lists ``tools`` and says how to call them."""
    signatures = "\n".join(json.dumps(tool, ensure_ascii=False) for tool in tools)
    return (
        "# Tools\n\n"
        "You may call one or more functions to assist with the user query.\n\n"
        "You are provided with function signatures within <tools></tools> XML tags:\n"
        f"<tools>\n{signatures}\n</tools>\n\n"
        "For each function call, return a json object with function name and arguments within "
        "<tool_call></tool_call> XML tags:\n"
        '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
    )


def render_tool_call(name: str, arguments: dict[str, object]) -> str:
    """One call as the model is expected to write it."""
    payload = json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False)
    return f"<tool_call>\n{payload}\n</tool_call>"


def render_tool_response(content: str) -> str:
    """One tool result as the model is used to reading it."""
    return f"<tool_response>\n{content}\n</tool_response>"


def to_hermes_messages(messages: list[Message], tools: list[ToolSpec]) -> list[Message]:
    """Rewrite ``messages`` (OpenAI format) for a template without tool support.

    The tools block is appended to the system message (one is created if there is none); assistant
    tool calls become ``<tool_call>`` text; consecutive tool results are merged into one user turn of
    ``<tool_response>`` blocks, as Qwen's own template does.
    """
    rewritten: list[Message] = []
    for message in messages:
        role = message.get("role")
        content = str(message.get("content") or "")
        if role == "tool":
            block = render_tool_response(content)
            previous = rewritten[-1] if rewritten else None
            if previous is not None and previous.get("_tool_results"):
                previous["content"] += "\n" + block
            else:
                rewritten.append({"role": "user", "content": block, "_tool_results": True})
            continue
        if role == "assistant" and message.get("tool_calls"):
            calls = [render_tool_call(*tool_call_parts(raw)[1:]) for raw in message["tool_calls"]]
            content = "\n".join(part for part in [content.strip(), *calls] if part)
        rewritten.append({"role": role, "content": content})
    for message in rewritten:
        message.pop("_tool_results", None)
    if tools:
        block = render_tools_block(tools)
        if rewritten and rewritten[0]["role"] == "system":
            system = rewritten[0]["content"].strip()
            rewritten[0]["content"] = f"{system}\n\n{block}" if system else block
        else:
            rewritten.insert(0, {"role": "system", "content": block})
    return rewritten
