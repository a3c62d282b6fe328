"""The failures seen with real small models (issue 10), reproduced with a scripted model: each ends in an answer.

Every script below is what Qwen2.5-Coder-0.5B/1.5B actually did, cut to its shape; the scripted model answers
only when it is shown the search result in the final-answer turn, as the real 0.5B did.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

from agent.loop import AgentResult, LoopConfig, run_agent
from agent.models.base import Message, ModelResponse, ToolSpec
from agent.models.profiles import QWEN25_05B, QWEN25_15B, SMOLLM2
from agent.models.scripted import ScriptedModel
from agent.models.tool_calls import parse_tool_calls
from agent.prompts import (
    FINAL_ANSWER_FORMAT,
    FOLLOW_UP_REQUEST,
    REASONED_ANSWER_FORMAT,
    asks_yes_no,
    follow_up_query,
)
from agent.toolbox import open_toolbox
from tests.agent.test_loop import QUESTION, records, tool_events, toy_toolbox
from tests.agent.toy_servers import PAINTING_HITS, format_hits

SEARCH = ScriptedModel.call("search", {"query": "A Sunday Afternoon on the Island of La Grande Jatte"}, "c1")


# The 1.5B's profile with the follow-up search, which no shipped profile has (measured, README "bench qa").
FOLLOW_UP = replace(QWEN25_15B, follow_up_search=True)


def answers_only_from_results(messages: list[Message], tools: list[ToolSpec]) -> str:
    """The real 0.5B's behaviour in the final-answer form: given the result with no tools, it answers."""
    assert tools == []
    last = messages[-1]
    assert last["role"] == "user" and "Georges Seurat was a French painter" in last["content"]
    assert last["content"].endswith(f"\n\nQuestion: {QUESTION}\n{FINAL_ANSWER_FORMAT}")
    return "Georges Seurat painted A Sunday Afternoon on the Island of La Grande Jatte."


def final_reason(result: AgentResult) -> str:
    [final] = [step for step in records(result) if step["kind"] == "final_request"]
    return str(final["data"]["reason"])


async def test_empty_replies_after_a_good_search_end_in_an_answer_from_the_results() -> None:
    # Run 1 of the issue: a correct search, then replies of a few tokens and no visible text.
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([SEARCH, "<think></think>", answers_only_from_results])
        result = await run_agent(QUESTION, model, toolbox)
    assert "Georges Seurat" in result.answer
    assert result.error is None
    assert result.tool_calls == 1
    assert result.sources == ["https://en.wikipedia.org/wiki/Georges_Seurat"]
    assert final_reason(result) == "the model replied with nothing"


async def test_the_same_search_over_and_over_is_cut_short() -> None:
    # Run 2: 20 identical searches in a row. Now: one search, one repeat, then the final-answer turn.
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel([SEARCH, SEARCH, answers_only_from_results, *[SEARCH] * 18])
        result = await run_agent(QUESTION, model, toolbox)
    assert len(queries) == 1
    assert len(model.requests) == 3 and model.remaining == 18
    assert "Georges Seurat" in result.answer
    assert final_reason(result) == "the model repeated a call"


async def test_a_call_that_leaves_out_an_argument_at_its_default_repeats_the_call_that_gave_it() -> None:
    # The 0.5B Qwen after the first search of the question (k=5): the same query without k, the tool's default.
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel([ScriptedModel.call("search", {"query": QUESTION}, "c1"), answers_only_from_results])
        model.profile = replace(QWEN25_05B)
        result = await run_agent(QUESTION, model, toolbox)
    assert queries == [QUESTION]
    assert [event["data"]["kind"] for event in tool_events(result)] == ["retrieve", "repeated"]
    assert final_reason(result) == "the model repeated a call"
    assert result.answer.startswith("Georges Seurat")


async def test_calls_the_parser_cannot_read_end_in_an_answer_within_two_turns() -> None:
    parse = lambda text: parse_tool_calls(text, {"search", "fetch"})  # noqa: E731
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(
            [
                "<tool_call>search la grande jatte</tool_call>",
                "<tool_call>{oops</tool_call>",
                answers_only_from_results,
            ],
            parse_text=parse,
        )
        result = await run_agent(QUESTION, model, toolbox)
    assert [event["data"]["kind"] for event in tool_events(result)] == ["malformed", "malformed", "retrieve"]
    assert "Georges Seurat" in result.answer
    assert final_reason(result) == "2 turns of calls that could not be used"


async def test_narrated_search_with_an_invented_result_and_a_fetch_of_its_invented_url() -> None:
    # The 1.5B through our OpenAI backend: it narrated a search it never made, invented a result on a
    # local:// URL, fetched that URL, and after the refusal answered about the error.
    narrated = ModelResponse(
        text='I searched for the painting. Result: "A Sunday Afternoon ... by Pablo Picasso" '
        "(local://history/sunday-afternoon). Let me read it.",
        tool_calls=[ScriptedModel.call("fetch", {"url": "local://history/sunday-afternoon"}, "f1").tool_calls[0]],
    )
    fetched: list[str] = []
    async with toy_toolbox(fetched) as toolbox:
        model = ScriptedModel([narrated, "The fetch failed because the URL was not found.", answers_only_from_results])
        result = await run_agent(QUESTION, model, toolbox)
    refused = tool_events(result)[0]["data"]
    assert refused["kind"] == "refused" and refused["is_error"]
    assert refused["result"].startswith("Error: local://history/sunday-afternoon did not appear in any search result")
    # The invented narration is not kept in the conversation the model sees next.
    assert all("Picasso" not in str(m.get("content")) for m in model.requests[1][0])
    assert "Georges Seurat" in result.answer
    assert "Picasso" not in result.answer
    assert final_reason(result) == "the reply came right after calls that could not be used"


async def test_a_fetch_of_a_url_from_a_search_result_is_allowed() -> None:
    async with toy_toolbox() as toolbox:
        fetch = ScriptedModel.call("fetch", {"url": "https://en.wikipedia.org/wiki/Georges_Seurat"}, "f1")
        model = ScriptedModel([SEARCH, fetch, "Georges Seurat."])
        result = await run_agent(QUESTION, model, toolbox)
    assert [event["data"]["kind"] for event in tool_events(result)] == ["call", "call"]
    assert not any(event["data"]["is_error"] for event in tool_events(result))
    assert result.answer == "Georges Seurat."


async def test_an_answer_from_memory_gets_one_nudge_to_search_first() -> None:
    # HotpotQA: the 0.5B answered 3 questions in 4 from memory, wrongly, without searching.
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(["Claude Monet.", SEARCH, "Georges Seurat."])
        result = await run_agent(QUESTION, model, toolbox)
    assert model.requests[1][0][-1]["content"].startswith("Do not answer from memory: call the search tool first")
    assert model.requests[1][1]  # still offered the tools
    assert result.answer == "Georges Seurat."
    assert any(s["kind"] == "warning" and "nudged" in s["data"]["message"] for s in records(result))


async def test_a_model_that_ignores_the_nudge_keeps_its_answer() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(["Claude Monet.", "Claude Monet."])
        result = await run_agent(QUESTION, model, toolbox)
    assert result.answer == "Claude Monet."
    assert len(model.requests) == 2
    no_nudge = ScriptedModel(["Claude Monet."])
    async with toy_toolbox() as toolbox:
        result = await run_agent(QUESTION, no_nudge, toolbox, LoopConfig(nudge_to_search=False))
    assert result.answer == "Claude Monet." and len(no_nudge.requests) == 1


async def test_no_answer_even_in_the_final_turn_is_an_error_not_a_silent_empty_string() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([SEARCH, "", ""])
        result = await run_agent(QUESTION, model, toolbox)
    assert result.answer == ""
    assert result.error == "the model gave no answer, even when asked for it without tools"
    assert [s["kind"] for s in records(result)][-2:] == ["error", "answer"]


async def test_a_bare_tool_call_as_the_final_answer_is_no_answer() -> None:
    async with toy_toolbox() as toolbox:
        call_text = '{"name": "search", "arguments": {"query": "La Grande Jatte"}}'
        model = ScriptedModel([SEARCH, "", call_text])  # as raw text: no tools were offered in that turn
        result = await run_agent(QUESTION, model, toolbox)
    assert result.answer == ""
    assert result.error is not None


async def test_a_retrieve_first_model_that_replies_empty_gets_the_final_answer_turn() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(["", "Georges Seurat."], calls_tools=False)
        result = await run_agent(QUESTION, model, toolbox)
    assert result.answer == "Georges Seurat."
    assert "Georges Seurat was a French painter" in model.requests[1][0][-1]["content"]


async def test_a_retrieve_first_reader_profile_goes_straight_to_the_reader_turn() -> None:
    # SmolLM2's profile: it calls no tools, and it reads best in the reader turn, so after the search of the
    # question its one turn is that turn (a conversation reply first would only be replaced).
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([answers_only_from_results], calls_tools=False)
        model.profile = replace(SMOLLM2)
        result = await run_agent(QUESTION, model, toolbox)
    assert result.answer.startswith("Georges Seurat") and result.error is None
    assert len(model.requests) == 1
    assert [m["role"] for m in model.requests[0][0]] == ["system", "user"]
    assert final_reason(result) == "the model's profile answers from the gathered results"
    retrieve = next(step for step in records(result) if step["kind"] == "retrieve")
    assert retrieve["data"]["arguments"] == {"query": QUESTION, "k": 5}


async def test_the_rounds_running_out_is_bounded_and_answered() -> None:
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        turns = [ScriptedModel.call("search", {"query": f"query {i}"}, f"c{i}") for i in range(3)]
        model = ScriptedModel([*turns, answers_only_from_results])
        result = await run_agent(QUESTION, model, toolbox, LoopConfig(max_steps=3))
    assert len(queries) == 3
    assert "Georges Seurat" in result.answer
    assert final_reason(result) == "the tool rounds ran out"


async def test_a_profile_can_keep_the_templates_own_system_turn_when_tools_are_offered() -> None:
    # Qwen2.5-Coder-0.5B echoed the tool block back after our system prompt; under its template's default
    # system turn it called search.
    from agent.models.profiles import ModelProfile

    async with toy_toolbox() as toolbox:
        model = ScriptedModel([SEARCH, "Georges Seurat."])
        model.profile = ModelProfile(name="qwen-like", tools_system_prompt=False)
        await run_agent(QUESTION, model, toolbox)
    assert [m["role"] for m in model.requests[0][0]] == ["user"]
    assert model.requests[0][1]  # the tools are still offered


async def test_a_reply_of_untagged_calls_with_a_made_up_name_leads_to_the_final_answer() -> None:
    # Qwen2.5-Coder-0.5B after a first search on HotpotQA: two call objects as its reply, one named
    # "searchArguments"; it was scored as the answer before.
    reply = (
        '{"name": "search", "arguments": {"query": "Who painted it?", "k": 3}}\n'
        '{"name": "searchArguments", "arguments": {"query": "Who painted it?", "k": 3}}'
    )
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([reply, answers_only_from_results])
        result = await run_agent(QUESTION, model, toolbox, LoopConfig(retrieve_first=True))
    assert "Georges Seurat" in result.answer
    assert final_reason(result) == "the reply was calls the parser could not use"


async def test_a_reader_profile_answers_from_the_results_instead_of_its_loose_sentence() -> None:
    # The 0.5B's profile: after a retrieve-first search of 5 hits its own reply is a sentence ("Doug Liman was
    # born first."); the reader turn asks the bare question over the results and gets the answer itself.
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["It was painted by a French painter, I think.", answers_only_from_results])
        model.profile = replace(QWEN25_05B)
        request = f"{QUESTION}\nReply with the answer only: a name."
        result = await run_agent(request, model, toolbox, search_query=QUESTION)
    assert result.answer.startswith("Georges Seurat")
    assert queries == [QUESTION]
    retrieve = next(step for step in records(result) if step["kind"] == "retrieve")
    assert retrieve["data"]["arguments"] == {"query": QUESTION, "k": 5}
    assert final_reason(result) == "the model's profile answers from the gathered results"
    # The benchmark's format request stays out of the reader turn: it has its own.
    last_request = model.requests[-1][0][-1]["content"]
    assert "a name." not in last_request


async def test_a_reasoning_reader_profile_asks_for_the_facts_on_a_yes_no_question() -> None:
    # The 1.5B's profile: on a yes/no question its reader turn writes the deciding facts first; the reply keeps
    # them for the user. Any other question gets the answer-only request.
    question = "Was A Sunday Afternoon on the Island of La Grande Jatte painted by Georges Seurat?"
    reasoned = "Fact: Georges Seurat was a French painter who painted it.\nAnswer: Yes"

    def reads_then_answers(messages: list[Message], tools: list[ToolSpec]) -> str:
        assert tools == [] and messages[-1]["content"].endswith(f"\n\nQuestion: {question}\n{REASONED_ANSWER_FORMAT}")
        return reasoned

    profile = QWEN25_15B
    async with toy_toolbox() as toolbox:
        model = ScriptedModel(["A French painter.", reads_then_answers])
        model.profile = profile
        result = await run_agent(question, model, toolbox)
        assert result.answer == reasoned
        assert final_reason(result) == "the model's profile answers from the gathered results"

        other = ScriptedModel(["A French painter.", answers_only_from_results])
        other.profile = profile
        assert "Georges Seurat" in (await run_agent(QUESTION, other, toolbox)).answer


async def test_a_follow_up_profile_searches_the_query_it_writes_before_the_reader_turn() -> None:
    # The 1.5B's profile: its own extra calls repeated the first search; asked in plain text what else to search,
    # it writes a query ('Search for "..."'), which is searched before the reader turn.
    def names_the_next_search(messages: list[Message], tools: list[ToolSpec]) -> str:
        assert tools == [] and messages[-1]["content"].endswith(f"\n\nQuestion: {QUESTION}\n{FOLLOW_UP_REQUEST}")
        assert "Georges Seurat was a French painter" in messages[-1]["content"]
        return 'Search for "Georges Seurat paintings"'

    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["A French painter.", names_the_next_search, answers_only_from_results])
        model.profile = FOLLOW_UP
        result = await run_agent(QUESTION, model, toolbox)
    assert queries == [QUESTION, "Georges Seurat paintings"]
    assert result.tool_calls == 2
    assert "Georges Seurat" in result.answer
    follow_up = [step for step in tool_events(result) if step["data"]["id"] == "call_follow_up"]
    assert [step["data"]["arguments"] for step in follow_up] == [{"query": "Georges Seurat paintings", "k": 5}]
    assert model.requests[1][2].max_tokens == 32  # a query, not a paragraph


async def test_the_loop_config_turns_the_follow_up_on_or_off_whatever_the_profile() -> None:
    # `--follow-up/--no-follow-up`: no shipped profile has it, so a user turns it on for their model.
    for profile, wanted, expected in (
        (QWEN25_15B, True, [QUESTION, "Georges Seurat paintings"]),
        (FOLLOW_UP, False, [QUESTION]),
    ):
        queries: list[str] = []
        script = ["A French painter.", *(['Search for "Georges Seurat paintings"'] if wanted else [])]
        async with toy_toolbox(queries) as toolbox:
            model = ScriptedModel([*script, answers_only_from_results])
            model.profile = profile
            result = await run_agent(QUESTION, model, toolbox, LoopConfig(follow_up_search=wanted))
        assert queries == expected
        assert "Georges Seurat" in result.answer


@pytest.mark.parametrize(
    ("question", "reply", "request_format"),
    [
        (
            "Was A Sunday Afternoon on the Island of La Grande Jatte painted by Georges Seurat?",
            "Fact: Seurat painted it.\nAnswer: Yes",
            REASONED_ANSWER_FORMAT,
        ),
        # Held out, the 1.5B's second hop lost such a question ("Royal Blood" for which band has more members).
        # (A choice by time or count goes to the comparison path instead: tests/agent/test_loop_comparison.py.)
        ("Which painter is more acclaimed, Georges Seurat or Claude Monet?", "Claude Monet", FINAL_ANSWER_FORMAT),
    ],
    ids=["yes-no", "choice"],
)
async def test_a_question_naming_both_of_its_entities_gets_no_follow_up_search(
    question: str, reply: str, request_format: str
) -> None:
    # A yes/no question or a choice between named alternatives: a search of it already brings what a second
    # search would.
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["A French painter.", reply])
        model.profile = FOLLOW_UP
        result = await run_agent(question, model, toolbox)
    assert queries == [question]
    assert result.answer.endswith(reply.splitlines()[-1])
    assert model.requests[-1][0][-1]["content"].endswith(request_format)


async def test_a_follow_up_that_is_no_new_query_is_skipped() -> None:
    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["A French painter.", f'"{QUESTION}"', answers_only_from_results])
        model.profile = FOLLOW_UP
        result = await run_agent(QUESTION, model, toolbox)
    assert queries == [QUESTION]
    assert "Georges Seurat" in result.answer
    warnings = [step["data"]["message"] for step in records(result) if step["kind"] == "warning"]
    assert any("follow-up search skipped" in message for message in warnings)


async def test_a_follow_up_written_as_a_search_call_is_searched() -> None:
    queries: list[str] = []
    written = ScriptedModel.call("search", {"query": "Seurat pointillism"}, "c9")
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["A French painter.", written, answers_only_from_results])
        model.profile = FOLLOW_UP
        await run_agent(QUESTION, model, toolbox)
    assert queries == [QUESTION, "Seurat pointillism"]


def test_the_follow_up_query_is_the_first_line_without_its_lead_or_quotes() -> None:
    assert follow_up_query("Search for \"Awolnation's formation date") == "Awolnation's formation date"
    assert follow_up_query("\n  Query: kim warwick singles titles\nBecause ...") == "kim warwick singles titles"
    assert follow_up_query('"Search for Georges Seurat"') == "Georges Seurat"
    assert follow_up_query("Searching the web") == "Searching the web"  # a word that only starts like the lead
    assert follow_up_query("Canary Islands") == "Canary Islands"
    assert follow_up_query("   ") == ""


def test_yes_no_questions_are_told_by_their_opening_verb() -> None:
    assert asks_yes_no("Were Thomas H. Ince and Joseph McGrath of the same nationality?")
    assert asks_yes_no("  are both documentaries about gaming?")
    assert not asks_yes_no("Which tower is taller, 712 Fifth Avenue or Manhattan Life Insurance Building?")
    assert not asks_yes_no("Island of the Blessed: who painted it?")
    assert not asks_yes_no("")


async def test_without_a_reader_profile_the_models_own_answer_stands() -> None:
    async with toy_toolbox() as toolbox:
        model = ScriptedModel([SEARCH, "Georges Seurat painted it."])
        result = await run_agent(QUESTION, model, toolbox, LoopConfig(retrieve_k=2))
    assert result.answer == "Georges Seurat painted it."
    assert not [step for step in records(result) if step["kind"] == "final_request"]


async def test_the_reader_reads_only_what_the_second_hop_added() -> None:
    # The toy search brings the same hits for every query: the second hop adds nothing, so the reader turn reads
    # the first search alone, not its hits twice.
    def reads_each_hit_once(messages: list[Message], tools: list[ToolSpec]) -> str:
        assert messages[-1]["content"].count("Georges Seurat was a French painter") == 1
        return answers_only_from_results(messages, tools)

    queries: list[str] = []
    async with toy_toolbox(queries) as toolbox:
        model = ScriptedModel(["A French painter.", 'Search for "Seurat pointillism"', reads_each_hit_once])
        model.profile = FOLLOW_UP
        result = await run_agent(QUESTION, model, toolbox)
    assert queries == [QUESTION, "Seurat pointillism"]
    assert "Georges Seurat" in result.answer


async def test_a_follow_up_search_that_fails_leaves_the_reader_the_first_search() -> None:
    # A failed second search gathers nothing: what the reader reads must still be the first search's hits.
    server = MCPServer("flaky")

    @server.tool()
    def search(query: str, k: int = 5) -> str:
        """Search the web."""
        if query != QUESTION:
            raise ToolError("the search backend is down")
        return format_hits(PAINTING_HITS[:k])

    async with open_toolbox(servers={"flaky": server}, timeout_s=5) as toolbox:
        model = ScriptedModel(["A French painter.", 'Search for "Seurat pointillism"', answers_only_from_results])
        model.profile = FOLLOW_UP
        result = await run_agent(QUESTION, model, toolbox)
    assert [event["data"]["is_error"] for event in tool_events(result)] == [False, True]
    assert "Georges Seurat" in result.answer
