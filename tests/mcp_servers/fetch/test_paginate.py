"""Pages tile the content exactly: next_start_index is start + len(text), with no gap and no overlap."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcp_servers.fetch.paginate import paginate


@settings(max_examples=150, deadline=None)
@given(content=st.text(alphabet="ab \n.", max_size=400), max_length=st.integers(min_value=1, max_value=120))
def test_following_next_start_index_reassembles_the_content(content: str, max_length: int) -> None:
    pieces = []
    start: int | None = 0
    while start is not None:
        page = paginate(content, start, max_length)
        assert len(page.text) <= max_length
        assert page.total_length == len(content)
        if page.next_start_index is not None:
            assert page.next_start_index == start + len(page.text)
            assert page.text  # progress on every page
        pieces.append(page.text)
        start = page.next_start_index
    assert "".join(pieces) == content


def test_a_page_ends_on_a_word_boundary_when_one_is_near() -> None:
    content = "alpha beta gamma delta epsilon"
    page = paginate(content, 0, 12)
    assert page.text == "alpha beta "
    assert page.next_start_index == 11


def test_a_page_prefers_a_paragraph_break() -> None:
    content = "para one is here\n\npara two"
    assert paginate(content, 0, 20).text == "para one is here\n\n"


def test_past_the_end_there_is_nothing_and_no_next_index() -> None:
    page = paginate("short", 5, 10)
    assert (page.text, page.next_start_index, page.total_length) == ("", None, 5)
    assert paginate("short", 99, 10).next_start_index is None


def test_the_last_page_has_no_next_index() -> None:
    page = paginate("0123456789", 4, 100)
    assert (page.text, page.next_start_index) == ("456789", None)


def test_bad_arguments_are_rejected() -> None:
    with pytest.raises(ValueError):
        paginate("x", -1, 10)
    with pytest.raises(ValueError):
        paginate("x", 0, 0)
