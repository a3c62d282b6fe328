from __future__ import annotations

from eval.simpleqa.grader_template import (
    SIMPLEQA_GRADER_TEMPLATE,
    SIMPLEQA_VERIFIED_GRADER_TEMPLATE,
    render_grader_prompt,
    template_sha256,
)


def test_the_simple_evals_template_is_byte_for_byte_the_pinned_one() -> None:
    # Pinned so that no edit (a reflow, a stripped trailing space) silently changes the benchmark.
    assert (
        template_sha256(SIMPLEQA_GRADER_TEMPLATE) == "063c04ea798f91c4706c050b66a721afc77a458b12d8f0d72286d4b0eee8a3ee"
    )
    assert SIMPLEQA_GRADER_TEMPLATE.startswith("Your job is to look at a question, a gold target")
    assert SIMPLEQA_GRADER_TEMPLATE.endswith('Just return the letters "A", "B", or "C", with no text around it.')
    assert 'gold target "120k". \n' in SIMPLEQA_GRADER_TEMPLATE  # the original's trailing spaces are kept


def test_the_verified_template_is_byte_for_byte_the_pinned_one() -> None:
    assert (
        template_sha256(SIMPLEQA_VERIFIED_GRADER_TEMPLATE)
        == "84c004ec4fcf8f0703bb0d734544036a72e847bfa7116429e5aee5e53ccc8cf3"
    )
    assert "acceptable range: anything between 118k and 122k" in SIMPLEQA_VERIFIED_GRADER_TEMPLATE


def test_rendering_fills_the_three_fields_and_nothing_else() -> None:
    prompt = render_grader_prompt(SIMPLEQA_GRADER_TEMPLATE, "Who?", "Michio Sugeno", "Sugeno")
    assert "Question: Who?\nGold target: Michio Sugeno\nPredicted answer: Sugeno\n```" in prompt
    assert "{" not in prompt
