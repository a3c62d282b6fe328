"""The agent loop with a scripted model and in-memory MCP servers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from agent.loop import REMOVED_MARKER, AgentResult, LoopConfig, cap_result, run_agent
from agent.models.base import Message, ModelResponse, Sampling, ToolCall, ToolSpec, Usage
from agent.models.scripted import ScriptedModel
from agent.models.tool_calls import parse_tool_calls
from agent.prompts import FINAL_ANSWER_FORMAT
from agent.toolbox import Toolbox, open_toolbox
from agent.trace import AgentEvent
from tests.agent.toy_servers import PAINTING_HITS, build_toy_server

QUESTION = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"


@asynccontextmanager
async def toy_toolbox(queries: list[str] | None = None) -> AsyncIterator[Toolbox]:
    # Not a fixture: a toolbox must be entered and left in the same task, and pytest-asyncio runs a
    # fixture's setup and teardown in different ones.
    async with open_toolbox(servers={"toy": build_toy_server(queries=queries)}, timeout_s=5) as box:
        yield box


def tool_messages(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m["role"] == "tool"]


def records(result: AgentResult) -> list[dict[str, Any]]:
    """The steps as traces and ``ask --json`` write them."""
    return [step.model_dump() for step in result.steps]


def tool_events(result: AgentResult) -> list[dict[str, Any]]:
    return [s for s in records(result) if s["kind"] == "tool" and s["data"]["phase"] == "end"]


def call(name: str, call_id: str, **arguments: Any) -> ToolCall:
    return ToolCall(id=call_id, name=name, arguments=arguments)


async def test_a_search_then_an_answer_gives_the_answer_with_the_source_it_drew_on() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(
            [ScriptedModel.call("search", {"query": "La Grande Jatte painter"}), "It was painted by Georges Seurat."]
        )
        result = await run_agent(QUESTION, model, toolbox)
        assert result.error is None
        assert result.answer == "It was painted by Georges Seurat."
        assert result.sources == ["https://en.wikipedia.org/wiki/Georges_Seurat"]
        assert result.tool_calls == 1
        sent, tools, _ = model.requests[1]
        assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "assistant"][:4]
        assert "Georges Seurat was a French painter" in sent[-1]["content"]
        assert {t["function"]["name"] for t in tools} >= {"search", "fetch"}


async def test_the_calls_of_one_turn_run_in_parallel() -> None:
    async with toy_toolbox() as toolbox:
        # Each `meet` call returns only while the other one is running: run one after the other, both time out.
        both = ModelResponse(tool_calls=[call("meet", "a", me="a", other="b"), call("meet", "b", me="b", other="a")])
        model = ScriptedModel([both, "done"])
        result = await run_agent("q", model, toolbox)
        contents = [m["content"] for m in tool_messages(model.requests[1][0])]
        assert contents == ["a met b", "b met a"]
        assert result.tool_calls == 2


async def test_an_identical_repeated_call_is_not_run_again_and_leads_to_the_final_answer_turn() -> None:
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(
            [
                ScriptedModel.call("search", {"query": "seurat"}, "c1"),
                ScriptedModel.call("search", {"query": "seurat"}, "c2"),
                "Georges Seurat",
            ]
        )
        result = await run_agent("q", model, toolbox)
        assert queries == ["seurat"]
        assert [e["data"]["kind"] for e in tool_events(result)] == ["call", "repeated"]
        final_messages, final_tools, _ = model.requests[2]
        assert final_tools == []
        assert "Georges Seurat was a French painter" in final_messages[-1]["content"]
        [final] = [s for s in records(result) if s["kind"] == "final_request"]
        assert final["data"]["reason"] == "the model repeated a call"
        assert result.answer == "Georges Seurat"
        assert result.tool_calls == 1


async def test_a_malformed_call_goes_back_to_the_model_which_corrects_it() -> None:
    parse = lambda text: parse_tool_calls(text, {"search", "fetch"})  # noqa: E731
    model = ScriptedModel(
        [
            "<tool_call>search for seurat</tool_call>",
            "<tool_call>{'name': 'search', 'arguments': {'query': 'seurat',}}</tool_call>",  # near-JSON, repaired
            "Georges Seurat",
        ],
        parse_text=parse,
    )
    async with toy_toolbox() as toolbox:
        result = await run_agent("q", model, toolbox)
    [error] = tool_messages(model.requests[1][0])
    assert error["content"].startswith("Error: your tool call could not be used: tool call 1: expected a JSON object")
    assert tool_messages(model.requests[2][0])[-1]["content"].startswith("1. Georges Seurat")
    assert result.answer == "Georges Seurat"
    assert result.error is None
    assert result.sources == ["https://en.wikipedia.org/wiki/Georges_Seurat"]


async def test_tool_call_errors_become_error_tool_messages() -> None:
    async with toy_toolbox() as toolbox:
        bad = ModelResponse(tool_call_errors=["tool call 1: could not parse the call as JSON."])
        model = ScriptedModel([bad, "sorry", "Georges Seurat"])
        result = await run_agent("q", model, toolbox)
        [message] = tool_messages(model.requests[1][0])
        assert (
            message["content"]
            == "Error: your tool call could not be used: tool call 1: could not parse the call as JSON."
        )
        assert tool_events(result)[0]["data"]["kind"] == "malformed"
        # A reply right after calls that could not be used is not taken as the answer (it is often about the
        # error): the question is searched and answered from the results, without tools.
        assert tool_events(result)[1]["data"]["kind"] == "retrieve"
        assert model.requests[2][1] == []
        assert result.answer == "Georges Seurat"


async def test_an_unknown_tool_and_bad_arguments_are_errors_the_model_sees() -> None:
    async with toy_toolbox() as toolbox:
        turn = ModelResponse(tool_calls=[call("browse", "x1", url="u"), call("search", "x2", k=3)])
        model = ScriptedModel([turn, "ok", "ok"])
        result = await run_agent("q", model, toolbox)
        unknown, bad_args = tool_messages(model.requests[1][0])
        assert unknown["content"].startswith("Error: unknown tool 'browse'. Available tools: search, fetch")
        assert bad_args["content"].startswith("Error") and "query" in bad_args["content"]
        assert all(e["data"]["is_error"] for e in tool_events(result)[:2])
        assert result.answer == "ok"
        assert result.sources == []


async def test_a_tool_that_raises_is_an_error_result() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([ScriptedModel.call("fail", {"reason": "testing"}), "ok"])
        await run_agent("q", model, toolbox)
        [message] = tool_messages(model.requests[1][0])
        assert message["content"] == "Error executing tool fail: failed on purpose: testing"


async def test_a_long_tool_result_is_capped_with_an_explicit_marker() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([ScriptedModel.call("fetch", {"url": "https://example.org/", "length": 2000}), "ok"])
        result = await run_agent("read https://example.org/", model, toolbox, LoopConfig(tool_result_chars=500))
        [message] = tool_messages(model.requests[1][0])
        assert len(message["content"]) < 600
        assert message["content"].endswith(
            f"[... truncated: showing 500 of {len('Page https://example.org/') + 1 + 10000} characters ...]"
        )
        [event] = tool_events(result)
        assert event["data"]["truncated"] is True
        assert len(event["data"]["full_result"]) > 10000


def test_capping_cuts_at_a_line_end_near_the_limit() -> None:
    text = "\n".join(f"line {i:03d}" for i in range(100))
    capped, truncated = cap_result(text, 100)
    assert truncated
    body, marker = capped.rsplit("\n", 1)
    assert body.endswith("line 010") or body.endswith("line 009")
    assert marker.startswith("[... truncated: showing")
    assert cap_result("short", 100) == ("short", False)


async def test_over_the_context_budget_the_oldest_tool_results_are_shortened_first() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(
            [
                ScriptedModel.call("fetch", {"url": "https://a.example/", "length": 400}, "f1"),
                ScriptedModel.call("fetch", {"url": "https://b.example/", "length": 400}, "f2"),
                ScriptedModel.call("fetch", {"url": "https://c.example/", "length": 400}, "f3"),
                "done",
            ]
        )
        config = LoopConfig(context_tokens=2000, sampling=Sampling(max_tokens=200), tool_result_chars=100_000)
        question = "compare https://a.example/ https://b.example/ https://c.example/"  # URLs the user gave
        result = await run_agent(question, model, toolbox, config)
        last_messages = model.requests[-1][0]
        first, second, third = (m["content"] for m in tool_messages(last_messages))
        assert "shortened to fit the context" in first or first == REMOVED_MARKER
        assert third.startswith("Page https://c.example/") and len(third) > 1900  # the newest is kept whole
        assert len(first) <= len(second) <= len(third)
        warnings = [s for s in records(result) if s["kind"] == "warning"]
        assert warnings and "context over budget" in warnings[0]["data"]["message"]


async def test_when_the_rounds_run_out_the_model_is_asked_once_for_a_final_answer() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(
            [
                ScriptedModel.call("search", {"query": "one"}),
                ScriptedModel.call("search", {"query": "two"}),
                "Georges Seurat",
            ]
        )
        result = await run_agent(QUESTION, model, toolbox, LoopConfig(max_steps=2))
        final_messages, final_tools, _ = model.requests[2]
        assert final_tools == []
        assert [m["role"] for m in final_messages] == ["system", "user"]
        final = final_messages[-1]["content"]
        assert final.startswith("1. Georges Seurat\n")
        assert final.endswith(f"\n\nQuestion: {QUESTION}\n{FINAL_ANSWER_FORMAT}")
        assert result.answer == "Georges Seurat"
        assert [s["kind"] for s in records(result)].count("final_request") == 1


async def test_retrieve_first_searches_the_question_before_the_first_turn() -> None:
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["Georges Seurat painted it."], calls_tools=False)
        result = await run_agent(QUESTION, model, toolbox)
        assert queries == [QUESTION]
        messages, tools, _ = model.requests[0]
        assert tools == []  # a model that does not call tools is not offered any
        assert [m["role"] for m in messages] == ["system", "user", "assistant", "tool", "user"]
        assert messages[2]["tool_calls"][0]["function"]["name"] == "search"
        assert json.loads(messages[2]["tool_calls"][0]["function"]["arguments"]) == {"query": QUESTION, "k": 3}
        assert "Georges Seurat" in messages[3]["content"]
        assert messages[4]["content"].endswith(QUESTION)  # asked again, after the results
        assert [s["kind"] for s in records(result)][:2] == ["start", "retrieve"]
        assert tool_events(result)[0]["data"]["kind"] == "retrieve"
        assert result.sources == ["https://en.wikipedia.org/wiki/Georges_Seurat"]


async def test_retrieve_first_can_be_chosen_for_a_model_that_calls_tools() -> None:
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["Georges Seurat"])
        await run_agent(QUESTION, model, toolbox, LoopConfig(retrieve_first=True))
        assert queries == [QUESTION]
        assert model.requests[0][1]  # and it still gets the tools


async def test_retrieve_first_searches_the_search_query_and_asks_the_whole_prompt() -> None:
    queries: list[str] = []
    prompt = f"{QUESTION}\nReply with the answer only."
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["Georges Seurat"], calls_tools=False)
        await run_agent(prompt, model, toolbox, search_query=QUESTION)
        assert queries == [QUESTION]  # the request for a short answer is not searched for
        assert model.requests[0][0][-1]["content"].endswith(prompt)


async def test_closed_book_offers_no_tools_and_cites_nothing() -> None:
    model = ScriptedModel(["Georges Seurat"])
    result = await run_agent(QUESTION, model, None)
    messages, tools, _ = model.requests[0]
    assert tools == []
    assert [m["role"] for m in messages] == ["system", "user"]
    assert result.answer == "Georges Seurat"
    assert result.sources == []


async def test_a_model_failure_ends_the_run_with_an_error_instead_of_raising() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([ScriptedModel.call("search", {"query": "x"})])  # then the script runs out
        result = await run_agent("q", model, toolbox)
        assert result.answer == ""
        assert result.error is not None and "ScriptExhaustedError" in result.error
        assert records(result)[-1]["kind"] == "answer"


async def test_an_empty_reply_leads_to_the_final_answer_turn_with_the_question_searched() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(["", "Georges Seurat"])
        result = await run_agent(QUESTION, model, toolbox)
        assert result.answer == "Georges Seurat"
        messages, tools, _ = model.requests[1]
        assert tools == []
        assert "Georges Seurat was a French painter" in messages[-1]["content"]
        assert tool_events(result)[0]["data"]["kind"] == "retrieve"


async def test_thinking_is_not_part_of_the_answer() -> None:
    model = ScriptedModel(["<think>The pointillist.</think>Georges Seurat"])
    result = await run_agent("q", model, None)
    assert result.answer == "Georges Seurat"


async def test_history_comes_between_the_system_prompt_and_the_question() -> None:
    model = ScriptedModel(["Paris"])
    history: list[Message] = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    await run_agent("Capital of France?", model, None, history=history)
    assert [m["content"] for m in model.requests[0][0][1:]] == ["hi", "hello", "Capital of France?"]


async def test_events_stream_every_step_and_timing_and_usage_add_up() -> None:
    async with toy_toolbox() as toolbox:
        events: list[AgentEvent] = []
        turns: list[Any] = [
            ModelResponse(
                tool_calls=[call("search", "s1", query="x")], usage=Usage(prompt_tokens=10, completion_tokens=5)
            ),
            ModelResponse(text="Georges Seurat", usage=Usage(prompt_tokens=20, completion_tokens=3)),
        ]
        result = await run_agent("q", ScriptedModel(turns), toolbox, on_event=events.append)
        kinds = [e.kind for e in events]
        assert kinds == ["start", "model", "tool", "tool", "model", "answer"]
        assert [e.model_dump() for e in events] == records(result)
        assert result.usage == Usage(prompt_tokens=30, completion_tokens=8)
        timing = result.timing
        assert set(timing) == {"total_s", "model_s", "tools_s", "overhead_s"}
        assert timing["total_s"] >= timing["model_s"] + timing["tools_s"] - 1e-9


class _Recorder:
    """A model that answers from what it was sent, to check the tool list reaches it in OpenAI format."""

    def __init__(self) -> None:
        self.seen: list[ToolSpec] = []

    def __call__(self, messages: list[Message], tools: list[ToolSpec]) -> str:
        self.seen = tools
        return "ok"


async def test_tools_reach_the_model_as_openai_function_specs() -> None:
    async with toy_toolbox() as toolbox:
        recorder = _Recorder()
        await run_agent("q", ScriptedModel([recorder]), toolbox)
        search = next(t for t in recorder.seen if t["function"]["name"] == "search")
        assert search["type"] == "function"
        assert search["function"]["description"] == "Search the web."
        assert search["function"]["parameters"]["required"] == ["query"]


async def test_sources_are_empty_when_the_answer_shares_nothing_with_the_results() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([ScriptedModel.call("search", {"query": "x"}), "I could not find it."])
        result = await run_agent("q", model, toolbox)
        assert result.sources == []
        [search] = tool_events(result)
        # The search did return the painting's hits, with their references: only the answer shares nothing.
        assert not search["data"]["is_error"]
        assert search["data"]["sources"] == [hit["url"] for hit in PAINTING_HITS]
