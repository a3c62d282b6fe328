from __future__ import annotations

import json

from agent.models.base import ModelResponse, ToolCall
from agent.models.hermes_prompt import render_tools_block, to_hermes_messages
from agent.models.messages import assistant_message, normalize_messages, tool_message
from agent.models.tool_calls import parse_tool_calls
from tests.agent.models.conftest import SEARCH_TOOL

CALL = ToolCall(id="call_1", name="search", arguments={"query": "Seurat"})


def _conversation() -> list[dict[str, object]]:
    return [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Who painted it?"},
        assistant_message(ModelResponse(text="", tool_calls=[CALL, CALL.model_copy(update={"id": "call_2"})])),
        tool_message(CALL, "result one"),
        tool_message(CALL, "result two"),
    ]


def test_the_tools_block_lists_every_tool_and_the_call_format() -> None:
    block = render_tools_block([SEARCH_TOOL])
    assert "<tools>\n" + json.dumps(SEARCH_TOOL) + "\n</tools>" in block
    assert "<tool_call>" in block


def test_tools_go_into_the_existing_system_message() -> None:
    rewritten = to_hermes_messages(_conversation(), [SEARCH_TOOL])
    assert rewritten[0]["role"] == "system"
    assert rewritten[0]["content"].startswith("Be brief.\n\n# Tools")


def test_a_system_message_is_created_when_there_is_none() -> None:
    rewritten = to_hermes_messages([{"role": "user", "content": "hi"}], [SEARCH_TOOL])
    assert [m["role"] for m in rewritten] == ["system", "user"]


def test_assistant_calls_become_tool_call_text_that_parses_back() -> None:
    assistant = to_hermes_messages(_conversation(), [SEARCH_TOOL])[2]
    assert assistant["role"] == "assistant"
    parsed = parse_tool_calls(assistant["content"], {"search"})
    assert [(c.name, c.arguments) for c in parsed.tool_calls] == [("search", {"query": "Seurat"})]


def test_consecutive_tool_results_become_one_user_turn_of_tool_responses() -> None:
    rewritten = to_hermes_messages(_conversation(), [])
    assert [m["role"] for m in rewritten] == ["system", "user", "assistant", "user"]
    assert rewritten[-1]["content"] == (
        "<tool_response>\nresult one\n</tool_response>\n<tool_response>\nresult two\n</tool_response>"
    )
    assert all(set(m) == {"role", "content"} for m in rewritten)


def test_both_tool_call_shapes_normalise_to_openai_shape() -> None:
    dumped = {"role": "assistant", "content": None, "tool_calls": [CALL.model_dump()]}
    wire = {
        "role": "assistant",
        "content": "",
        "tool_calls": [assistant_message(ModelResponse(tool_calls=[CALL]))["tool_calls"][0]],
    }
    for message in (dumped, wire):
        (as_json,) = normalize_messages([message], arguments_as="json")
        (as_dict,) = normalize_messages([message], arguments_as="dict")
        assert as_json["content"] == ""
        assert as_json["tool_calls"][0]["function"] == {"name": "search", "arguments": '{"query": "Seurat"}'}
        assert as_dict["tool_calls"][0]["function"] == {"name": "search", "arguments": {"query": "Seurat"}}
        assert as_dict["tool_calls"][0]["id"] == "call_1"
