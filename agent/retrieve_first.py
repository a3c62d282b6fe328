"""Retrieve-first: for models that do not call tools, the question is searched before their first turn.

The hits reach the model as the result of a ``search`` call it did not make, so progress and traces show
exactly what it read.
"""

from __future__ import annotations

from typing import Any

from agent.models.base import ToolCall, ToolSpec

RETRIEVE_CALL_ID = "call_retrieve"


def find_tool(tools: list[ToolSpec], name: str) -> ToolSpec | None:
    """The tool called ``name``, else the first whose name ends with it (``web_search`` for ``search``)."""
    by_name = {spec["function"]["name"]: spec for spec in tools}
    if name in by_name:
        return by_name[name]
    return next((spec for tool, spec in by_name.items() if tool.endswith(name)), None)


def retrieve_call(spec: ToolSpec, question: str, k: int | None, call_id: str = RETRIEVE_CALL_ID) -> ToolCall:
    """The call that searches ``question`` with the tool ``spec``: its query parameter, and ``k`` if it takes one."""
    schema = spec["function"].get("parameters") or {}
    properties: dict[str, Any] = schema.get("properties") or {}
    required = [name for name in schema.get("required") or [] if name in properties]
    query_param = "query" if "query" in properties else next(iter(required or properties), "query")
    arguments: dict[str, Any] = {query_param: question}
    if k is not None and "k" in properties:
        arguments["k"] = k
    return ToolCall(id=call_id, name=spec["function"]["name"], arguments=arguments)
