"""The loop's comparison path: a choice by time or count decided from one search and one reply per alternative."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace

from mcp.server import MCPServer

from agent.loop import LoopConfig, run_agent
from agent.models.base import Message, ToolSpec
from agent.models.profiles import QWEN25_05B
from agent.models.scripted import ScriptedModel
from agent.prompts import FINAL_ANSWER_FORMAT
from agent.toolbox import Toolbox, open_toolbox
from eval.qa.answers import short_answer
from tests.agent.test_loop import records, tool_events
from tests.agent.toy_servers import format_hits

QUESTION = "Which band formed first, Awolnation or Foo Fighters?"
BANDS = {
    "Awolnation": "Awolnation is an American electronic rock band formed in 2009 by Aaron Bruno.",
    "Foo Fighters": "Foo Fighters are an American rock band formed in Seattle in 1994 by Dave Grohl.",
}


@asynccontextmanager
async def pages_toolbox(pages: dict[str, str], queries: list[str]) -> AsyncIterator[Toolbox]:
    """A search that brings the page of each name in ``pages`` the query holds (all of them for the question)."""
    server = MCPServer("pages")

    @server.tool()
    def search(query: str, k: int = 5) -> str:
        """Search the web."""
        queries.append(query)
        hits = [
            {"title": name, "url": f"https://en.wikipedia.org/wiki/{name.replace(' ', '_')}", "snippet": text}
            for name, text in pages.items()
            if name in query
        ]
        return format_hits(hits[:k])

    async with open_toolbox(servers={"pages": server}, timeout_s=5) as box:
        yield box


def band_toolbox(queries: list[str]) -> AbstractAsyncContextManager[Toolbox]:
    return pages_toolbox(BANDS, queries)


def reads_page(pages: dict[str, str], name: str, question: str, reply: str) -> object:
    """A reader turn for one name's sub-question ``question``: it sees that name's page alone, answers ``reply``."""

    def answer(messages: list[Message], tools: list[ToolSpec]) -> str:
        request = messages[-1]["content"]
        assert tools == [] and request.endswith(f"\n\nQuestion: {question}\n{FINAL_ANSWER_FORMAT}")
        assert pages[name] in request
        assert all(text not in request for other, text in pages.items() if other != name)
        return reply

    return answer


def reads(band: str, reply: str) -> object:
    return reads_page(BANDS, band, f"When was {band} formed?", reply)


def reads_the_question(messages: list[Message], tools: list[ToolSpec]) -> str:
    """The ordinary reader turn: the question over the first search of it, without the sub-searches' hits."""
    request = messages[-1]["content"]
    assert tools == [] and request.endswith(f"\n\nQuestion: {QUESTION}\n{FINAL_ANSWER_FORMAT}")
    assert all(request.count(text) == 1 for text in BANDS.values())
    return "Awolnation"


COMPARING = replace(QWEN25_05B, compare_alternatives=True)
NOT_COMPARING = replace(QWEN25_05B, compare_alternatives=False)


async def test_a_choice_by_time_is_decided_from_one_search_and_one_reply_per_alternative() -> None:
    queries: list[str] = []
    async with band_toolbox(queries) as toolbox:
        model = ScriptedModel([reads("Awolnation", "2009"), reads("Foo Fighters", "Foo Fighters formed in 1994.")])
        model.profile = COMPARING
        result = await run_agent(QUESTION, model, toolbox, LoopConfig(max_steps=0))
    assert queries == [QUESTION, "When was Awolnation formed?", "When was Foo Fighters formed?"]
    assert [event["data"]["id"] for event in tool_events(result)][1:] == ["call_compare_1", "call_compare_2"]
    assert result.answer.splitlines() == [
        "Answer: Foo Fighters",
        "When was Awolnation formed? 2009",
        "When was Foo Fighters formed? Foo Fighters formed in 1994.",
    ]
    assert short_answer(result.answer) == "Foo Fighters"
    assert result.error is None and model.remaining == 0
    assert set(result.sources) >= {"https://en.wikipedia.org/wiki/Foo_Fighters"}


async def test_replies_that_do_not_settle_the_choice_leave_it_to_the_reader_over_the_first_search() -> None:
    queries: list[str] = []
    async with band_toolbox(queries) as toolbox:
        model = ScriptedModel([reads("Awolnation", "In the 2000s."), reads("Foo Fighters", "1994"), reads_the_question])
        model.profile = COMPARING
        result = await run_agent(QUESTION, model, toolbox, LoopConfig(max_steps=0))
    assert len(queries) == 3
    assert result.answer == "Awolnation"
    warnings = [step["data"]["message"] for step in records(result) if step["kind"] == "warning"]
    assert warnings == ["the choice stays with the reader: None against 1994.0"]


async def test_the_comparison_is_off_by_the_profile_or_the_config() -> None:
    for profile, wanted in ((NOT_COMPARING, None), (COMPARING, False)):
        queries: list[str] = []
        async with band_toolbox(queries) as toolbox:
            model = ScriptedModel([reads_the_question])
            model.profile = profile
            result = await run_agent(QUESTION, model, toolbox, LoopConfig(max_steps=0, compare_alternatives=wanted))
        assert queries == [QUESTION]
        assert result.answer == "Awolnation"


async def test_a_question_that_is_no_choice_goes_to_the_reader() -> None:
    queries: list[str] = []
    async with band_toolbox(queries) as toolbox:
        model = ScriptedModel(["Dave Grohl"])
        model.profile = COMPARING
        result = await run_agent("Who founded Foo Fighters?", model, toolbox, LoopConfig(max_steps=0))
    assert queries == ["Who founded Foo Fighters?"]
    assert result.answer == "Dave Grohl"


async def test_without_tools_there_is_nothing_to_compare_from() -> None:
    model = ScriptedModel(["Foo Fighters"])
    model.profile = COMPARING
    result = await run_agent(QUESTION, model, None, LoopConfig(max_steps=0))
    assert result.answer == "Foo Fighters" and model.remaining == 0


SAME_QUESTION = "Were Thomas H. Ince and Joseph McGrath of the same nationality?"
PEOPLE = {
    "Thomas H. Ince": "Thomas Harper Ince was an American silent film producer and director.",
    "Joseph McGrath": "Joseph McGrath is a Scottish film director and writer.",
}


def people_toolbox(queries: list[str]) -> AbstractAsyncContextManager[Toolbox]:
    return pages_toolbox(PEOPLE, queries)


def reads_nationality(person: str, reply: str) -> object:
    return reads_page(PEOPLE, person, f"What is the nationality of {person}?", reply)


JUDGING = replace(QWEN25_05B, compare_alternatives=True, judge_sameness=True)


async def test_a_sameness_question_is_decided_by_code_when_the_words_settle_it() -> None:
    queries: list[str] = []
    async with people_toolbox(queries) as toolbox:
        model = ScriptedModel(
            [reads_nationality("Thomas H. Ince", "American"), reads_nationality("Joseph McGrath", "American.")]
        )
        model.profile = JUDGING  # equal words need no judging turn
        result = await run_agent(SAME_QUESTION, model, toolbox, LoopConfig(max_steps=0))
    assert queries == [
        SAME_QUESTION,
        "What is the nationality of Thomas H. Ince?",
        "What is the nationality of Joseph McGrath?",
    ]
    assert result.answer.splitlines() == [
        "Answer: yes",
        "What is the nationality of Thomas H. Ince? American",
        "What is the nationality of Joseph McGrath? American.",
    ]
    assert short_answer(result.answer) == "yes" and model.remaining == 0


async def test_plainly_different_facts_are_a_no_for_a_profile_that_does_not_judge() -> None:
    async with people_toolbox([]) as toolbox:
        model = ScriptedModel(
            [reads_nationality("Thomas H. Ince", "American"), reads_nationality("Joseph McGrath", "Scottish")]
        )
        model.profile = COMPARING
        result = await run_agent(SAME_QUESTION, model, toolbox, LoopConfig(max_steps=0))
    assert short_answer(result.answer) == "no" and model.remaining == 0


async def test_a_judging_profile_asks_the_model_whether_two_wordings_name_one_thing() -> None:
    def judges(messages: list[Message], tools: list[ToolSpec]) -> str:
        request = messages[-1]["content"]
        assert tools == [] and len(messages) == 1  # the two facts alone, no system prompt, no results
        assert request == 'Is "American" the same nationality as "United States"? Reply with yes or no only.'
        return "Yes."

    async with people_toolbox([]) as toolbox:
        model = ScriptedModel([
            reads_nationality("Thomas H. Ince", "American"), reads_nationality("Joseph McGrath", "United States"), judges
        ])  # fmt: skip
        model.profile = JUDGING
        result = await run_agent(SAME_QUESTION, model, toolbox, LoopConfig(max_steps=0))
    assert result.answer.splitlines()[0] == "Answer: yes" and model.remaining == 0


async def test_an_unreadable_judgment_leaves_the_question_to_the_reader_over_the_first_search() -> None:
    def reads_the_same_question(messages: list[Message], tools: list[ToolSpec]) -> str:
        request = messages[-1]["content"]
        assert request.endswith(f"\n\nQuestion: {SAME_QUESTION}\n{FINAL_ANSWER_FORMAT}")
        assert all(request.count(text) == 1 for text in PEOPLE.values())  # the sub-searches' hits are gone
        return "No"

    async with people_toolbox([]) as toolbox:
        model = ScriptedModel([
            reads_nationality("Thomas H. Ince", "American"), reads_nationality("Joseph McGrath", "Scots"),
            "I cannot tell.", reads_the_same_question,
        ])  # fmt: skip
        model.profile = JUDGING
        result = await run_agent(SAME_QUESTION, model, toolbox, LoopConfig(max_steps=0))
    assert result.answer == "No" and model.remaining == 0
    warnings = [step["data"]["message"] for step in records(result) if step["kind"] == "warning"]
    assert warnings == ["the question stays with the reader: its two facts decide nothing"]
