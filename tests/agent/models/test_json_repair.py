from __future__ import annotations

import pytest

from agent.models.json_repair import JSONRepairError, iter_json_values, loads_lenient, repair_json


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("{'a': 'b'}", {"a": "b"}),
        ('{"q": "what\'s up"}', {"q": "what's up"}),
        ("{'q': 'it\\'s'}", {"q": "it's"}),
        ('{"a": [1, 2,], "b": 3,}', {"a": [1, 2], "b": 3}),
        ("{a: 1, b_c: 'x'}", {"a": 1, "b_c": "x"}),
        ('{"t": True, "f": False, "n": None}', {"t": True, "f": False, "n": None}),
        ('{"q": "abc', {"q": "abc"}),
        ('{"a": {"b": [1, 2', {"a": {"b": [1, 2]}}),
        ('{"a": 1}}', {"a": 1}),
        ('{"q": "line\nbreak"}', {"q": "line\nbreak"}),
        ('{"a": 1 "b": -2.5e1}', {"a": 1, "b": -25.0}),
        ("{query: Georges Seurat, k: 5}", {"query": "Georges Seurat", "k": 5}),
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('{"s": "\\u00e9\\n"}', {"s": "é\n"}),
    ],
)
def test_near_json_is_repaired_to_the_value_that_was_meant(text: str, expected: object) -> None:
    assert loads_lenient(text) == expected


@pytest.mark.parametrize("text", ["", "   ", '{"a": : }', '{"a": 1} and then some words'])
def test_hopeless_text_raises_a_repair_error_that_says_why(text: str) -> None:
    with pytest.raises(JSONRepairError) as info:
        loads_lenient(text)
    assert str(info.value)


def test_repair_never_changes_the_inside_of_strings() -> None:
    assert repair_json("{'k': \"True, None, {x: 'y'},\"}") == '{"k": "True, None, {x: \'y\'},"}'


def test_several_values_one_after_another_are_all_read() -> None:
    assert iter_json_values("{\"a\": 1}\n{'b': 2,}\n[3]") == [{"a": 1}, {"b": 2}, [3]]


def test_prose_after_the_values_is_ignored() -> None:
    assert iter_json_values('{"a": 1} I will wait for the result.') == [{"a": 1}]
