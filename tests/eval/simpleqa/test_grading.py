from __future__ import annotations

import pytest

from agent.models.scripted import ScriptedModel
from eval.simpleqa.grader_template import SIMPLEQA_GRADER_TEMPLATE, render_grader_prompt
from eval.simpleqa.grading import Grade, GradeParseError, ModelGrader, parse_grade


@pytest.mark.parametrize(
    ("reply", "grade"),
    [
        ("A", Grade.CORRECT),
        ("B", Grade.INCORRECT),
        ("C", Grade.NOT_ATTEMPTED),
        ("CORRECT", Grade.CORRECT),  # simple-evals scores this NOT_ATTEMPTED (the C in CORRECT)
        ("INCORRECT", Grade.INCORRECT),
        ("NOT_ATTEMPTED", Grade.NOT_ATTEMPTED),
        ("NOT ATTEMPTED", Grade.NOT_ATTEMPTED),
        ("B: INCORRECT", Grade.INCORRECT),
        ("A) CORRECT", Grade.CORRECT),
        ("(C)", Grade.NOT_ATTEMPTED),
        ("**A**", Grade.CORRECT),
        ("a.", Grade.CORRECT),
        ("The answer is C", Grade.NOT_ATTEMPTED),
        ("The gold target is Malia and Sasha, the answer names both.\nGrade: A", Grade.CORRECT),
        ("Looking at it carefully.\nB", Grade.INCORRECT),
        ("<think>A or B? Contradiction, so B.</think>\nB", Grade.INCORRECT),
    ],
)
def test_a_grade_is_read_from_the_letter_or_the_word(reply: str, grade: Grade) -> None:
    assert parse_grade(reply) is grade


@pytest.mark.parametrize(
    "reply",
    ["", "junk", "I cannot grade this.", "A grade of B or C would be fair", "A: INCORRECT", "Both A and B apply"],
)
def test_a_reply_without_a_clear_grade_is_a_grader_error_not_not_attempted(reply: str) -> None:
    with pytest.raises(GradeParseError):
        parse_grade(reply)


async def test_the_model_grader_sends_the_official_prompt_at_temperature_zero() -> None:
    model = ScriptedModel(["B: INCORRECT"])
    grader = ModelGrader(model, SIMPLEQA_GRADER_TEMPLATE, spec="scripted", template_name="simple-evals")

    outcome = await grader.grade("Who won?", "Michio Sugeno", "Geoffrey Hinton")

    assert outcome.grade is Grade.INCORRECT
    assert outcome.raw == "B: INCORRECT"
    messages, tools, sampling = model.requests[0]
    assert messages == [
        {
            "role": "user",
            "content": render_grader_prompt(SIMPLEQA_GRADER_TEMPLATE, "Who won?", "Michio Sugeno", "Geoffrey Hinton"),
        }
    ]
    assert tools == []
    assert sampling.temperature == 0.0
    assert grader.identity["approximate"] is False
    assert grader.identity["template"] == "simple-evals"


async def test_the_model_grader_raises_on_an_unparseable_reply() -> None:
    grader = ModelGrader(ScriptedModel(["no idea"]), SIMPLEQA_GRADER_TEMPLATE, spec="s", template_name="simple-evals")
    with pytest.raises(GradeParseError):
        await grader.grade("q", "a", "b")
