from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agent.models.base import ModelResponse, Sampling
from agent.models.scripted import ScriptedModel
from agent.models.tool_calls import (
    call_from_native,
    parse_tool_calls,
    response_from_text,
    split_thinking,
    strip_thinking,
)
from tests.agent.models.conftest import SEARCH_TOOL

CORPUS = Path(__file__).parent / "fixtures" / "tool_call_corpus.jsonl"


def _corpus() -> list[dict[str, Any]]:
    return [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("case", _corpus(), ids=lambda case: case["id"])
def test_corpus_output_parses_to_the_expected_calls_text_and_errors(case: dict[str, Any]) -> None:
    response = parse_tool_calls(case["text"], known_tools=set(case["known_tools"]))
    expect = case["expect"]
    assert [{"name": c.name, "arguments": c.arguments} for c in response.tool_calls] == expect["calls"]
    assert len(response.tool_call_errors) == expect["errors"], response.tool_call_errors
    assert response.text == expect["text"]


def test_corpus_has_a_source_for_every_case_and_covers_failures() -> None:
    cases = _corpus()
    assert len(cases) >= 40
    assert all(case["source"] for case in cases)
    assert sum(1 for case in cases if case["expect"]["errors"]) >= 5


def test_every_call_gets_a_unique_id() -> None:
    text = "".join(f'<tool_call>{{"name": "search", "arguments": {{"query": "{i}"}}}}</tool_call>' for i in range(5))
    ids = [call.id for call in parse_tool_calls(text).tool_calls]
    assert len(ids) == 5
    assert len(set(ids)) == 5
    assert all(call_id.startswith("call_") for call_id in ids)


def test_errors_name_the_problem_and_show_the_expected_format() -> None:
    response = parse_tool_calls('<tool_call>{"name": "web_search", "arguments": {}}</tool_call>', {"search", "fetch"})
    (error,) = response.tool_call_errors
    assert "web_search" in error
    assert "available tools: fetch, search" in error
    assert '<tool_call>{"name":' in error


def test_without_known_tools_any_name_is_accepted() -> None:
    response = parse_tool_calls('<tool_call>{"name": "anything", "arguments": {"x": 1}}</tool_call>')
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("anything", {"x": 1})]


def test_thinking_is_split_from_the_visible_text() -> None:
    assert split_thinking("<think>plan</think>\n\nAnswer.") == ("\n\nAnswer.", "plan")
    assert split_thinking("plan</think>Answer.") == ("Answer.", "plan")
    assert split_thinking("Answer.<think>cut off") == ("Answer.", "cut off")
    assert strip_thinking("<think>\n\n</think>\n\nParis.") == "Paris."


def test_text_without_tools_offered_is_only_stripped_of_thinking() -> None:
    text = '<think>x</think>{"name": "search", "arguments": {"query": "q"}}'
    assert response_from_text(text, []) == ModelResponse(text='{"name": "search", "arguments": {"query": "q"}}')
    assert response_from_text(text, [SEARCH_TOOL]).tool_calls[0].arguments == {"query": "q"}


def test_a_native_call_keeps_its_id_and_repairs_its_arguments() -> None:
    call = call_from_native("search", "{'query': 'Seurat',}", {"search"}, "call_abc")
    assert not isinstance(call, str)
    assert (call.id, call.name, call.arguments) == ("call_abc", "search", {"query": "Seurat"})
    assert "no tool named" in str(call_from_native("nope", "{}", {"search"}))
    assert "must be a JSON object, not list" in str(call_from_native("search", "[1, 2]", {"search"}))


def test_tags_inside_a_calls_json_strings_are_its_arguments_not_markup() -> None:
    # Found by the property below: the argument key "<think>" was read as the start of unclosed reasoning, and
    # the value "<tool_response>" as the start of an invented result; a closing tag in a value ended the block.
    cases = (
        {"<think>": None},
        {"q": "<think>x</think>"},
        {"</think>": 1},
        {"q": "<tool_response>"},
        {"<tool_result>": 1},
        {"q": "</tool_call>"},
        {"q": 'see <tool_call> and \\"<|tool_call|>'},
    )
    for arguments in cases:
        text = "<tool_call>\n" + json.dumps({"name": "search", "arguments": arguments}) + "\n</tool_call> Done."
        response = parse_tool_calls(text, {"search"})
        assert [call.arguments for call in response.tool_calls] == [arguments]
        assert (response.text, response.tool_call_errors) == ("Done.", [])


def test_an_invented_result_after_a_call_is_still_cut() -> None:
    text = '<tool_call>{"name": "search", "arguments": {"q": "x"}}</tool_call>\n<tool_response>Seurat</tool_response>'
    response = parse_tool_calls(text, {"search"})
    assert [call.arguments for call in response.tool_calls] == [{"q": "x"}]
    assert "Seurat" not in response.text


@given(st.text(max_size=300))
def test_parsing_never_raises_on_any_text(text: str) -> None:
    response = parse_tool_calls(text, {"search"})
    assert isinstance(response, ModelResponse)


@given(
    st.dictionaries(
        st.text(min_size=1, max_size=10),
        st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none(), st.lists(st.integers(), max_size=3)),
        max_size=4,
    )
)
def test_any_well_formed_call_round_trips_exactly(arguments: dict[str, Any]) -> None:
    text = "<tool_call>\n" + json.dumps({"name": "search", "arguments": arguments}) + "\n</tool_call>"
    (call,) = parse_tool_calls(text, {"search"}).tool_calls
    assert call.arguments == arguments


async def test_the_scripted_model_replays_malformed_text_through_the_parser() -> None:
    model = ScriptedModel(["<tool_call>{'name': 'search', 'arguments': {'query': 'x',}}"], parse_text=parse_tool_calls)
    response = await model.generate([{"role": "user", "content": "q"}], [SEARCH_TOOL], Sampling())
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("search", {"query": "x"})]


def test_absurdly_deep_nesting_is_an_error_not_a_crash() -> None:
    response = parse_tool_calls('<tool_call>{"name": "search", "arguments": ' + "[" * 100_000, {"search"})
    assert response.tool_calls == []
    assert response.tool_call_errors
