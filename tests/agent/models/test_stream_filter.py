from __future__ import annotations

import pytest

from agent.models.stream_filter import VisibleTextFilter

TEXT = 'Let me check.<think>secret plan</think> Searching<tool_call>{"name": "search"}</tool_call> done.'


def _run(pieces: list[str]) -> str:
    visible = VisibleTextFilter()
    return "".join(visible.feed(piece) for piece in pieces) + visible.flush()


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_thinking_and_tool_calls_are_hidden_however_the_text_is_split(size: int) -> None:
    pieces = [TEXT[i : i + size] for i in range(0, len(TEXT), size)]
    assert _run(pieces) == "Let me check. Searching done."


def test_a_held_back_tail_that_is_not_a_tag_is_released() -> None:
    visible = VisibleTextFilter()
    assert visible.feed("a <to") == "a "
    assert visible.feed("p") == "<top"
    assert visible.feed("x <") == "x "
    assert visible.flush() == "<"


def test_everything_after_an_invented_tool_response_is_hidden() -> None:
    assert _run(["Answer<tool_response>{}</tool_response> more text"]) == "Answer"
