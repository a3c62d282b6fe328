"""Grades, the parser for a grader model's reply, and the grader that asks a model with the official template.

simple-evals takes the first A, B or C anywhere in the reply (``re.search(r"(A|B|C)", ...)``), so a grader that
answers "CORRECT" is scored NOT_ATTEMPTED (the C in CORRECT), and a reply with no letter defaults to
NOT_ATTEMPTED too. Here the parse is anchored: the letter or the word as the whole reply (with its label,
"B: INCORRECT"), or a closing "the answer is C"; anything else raises ``GradeParseError`` and the question is
recorded as a grader error, never silently as NOT_ATTEMPTED.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from agent.models.base import Model, Sampling
from eval.simpleqa.grader_template import render_grader_prompt, template_sha256


class Grade(StrEnum):
    CORRECT = "CORRECT"
    INCORRECT = "INCORRECT"
    NOT_ATTEMPTED = "NOT_ATTEMPTED"

    @property
    def letter(self) -> str:
        return _LETTERS[self]


_LETTERS = {Grade.CORRECT: "A", Grade.INCORRECT: "B", Grade.NOT_ATTEMPTED: "C"}
_BY_LETTER = {letter: grade for grade, letter in _LETTERS.items()}


class GradeParseError(ValueError):
    """The grader's reply names no grade unambiguously."""


@dataclass(frozen=True)
class GradeOutcome:
    grade: Grade
    raw: str  # the grader's reply (or the offline grader's reason), kept for auditing


class Grader(Protocol):
    """Judges one predicted answer against the gold target."""

    @property
    def identity(self) -> dict[str, Any]:
        """What graded the run (kind, spec, template hash, ``approximate``); written into every output."""
        ...

    async def grade(self, question: str, target: str, predicted: str, *, answer_type: str = "") -> GradeOutcome:
        """Grade one answer; raises on failure (the runner retries, then records an error)."""
        ...


_THINK = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
# Markdown and quoting a model may wrap its one-word reply in.
_WRAPPING = " \t\r\n*_`'\".!"
_WORD = r"(CORRECT|INCORRECT|NOT[_ ]ATTEMPTED)"
# The whole reply: a letter, optionally with its label ("B: INCORRECT", "(A) CORRECT", "C - NOT_ATTEMPTED").
_LETTER_REPLY = re.compile(rf"^\(?([ABC])\)?(?:\s*[:.)\-]\s*|\s+){_WORD}?$", re.IGNORECASE)
_LETTER_ONLY = re.compile(r"^\(?([ABC])\)?$", re.IGNORECASE)
_WORD_REPLY = re.compile(rf"^(?:grade\s*[:=]\s*)?{_WORD}$", re.IGNORECASE)
# A closing statement after some reasoning: "... so the answer is C." / "Grade: B".
_CLOSING = re.compile(
    rf"(?:answer|grade)\s*(?:is|:|=)\s*[*_`'\"(]*(?:([ABC])\b|{_WORD})[*_`'\")]*[.!]?\s*$", re.IGNORECASE
)


def _word_grade(word: str) -> Grade:
    return Grade(word.upper().replace(" ", "_"))


def parse_grade(reply: str) -> Grade:
    """Read the grade from a grader's reply: "A", "CORRECT", "B: INCORRECT", "... the answer is C".

    Raises GradeParseError for anything else, including a letter that contradicts its word ("A: INCORRECT").
    """
    text = _THINK.sub("", reply).strip(_WRAPPING)
    if not text:
        raise GradeParseError("empty grader reply")
    lines = [line.strip(_WRAPPING) for line in text.splitlines() if line.strip(_WRAPPING)]
    candidates = [text] if len(lines) <= 1 else [text, lines[-1]]
    for candidate in candidates:
        if match := _LETTER_ONLY.match(candidate):
            return _BY_LETTER[match.group(1).upper()]
        if match := _LETTER_REPLY.match(candidate):
            by_letter = _BY_LETTER[match.group(1).upper()]
            if match.group(2) and _word_grade(match.group(2)) is not by_letter:
                raise GradeParseError(f"grader reply contradicts itself: {reply[:80]!r}")
            return by_letter
        if match := _WORD_REPLY.match(candidate):
            return _word_grade(match.group(1))
    if match := _CLOSING.search(text):
        return _BY_LETTER[match.group(1).upper()] if match.group(1) else _word_grade(match.group(2))
    raise GradeParseError(f"no grade in grader reply: {reply[:80]!r}")


# Graders are run deterministically (simple-evals and Menlo grade with GPT-4o at temperature 0).
GRADER_SAMPLING = Sampling(temperature=0.0, top_p=1.0, top_k=0, max_tokens=256)


class ModelGrader:
    """Grades with any chat model: the official template as one user message, the reply parsed anchored."""

    def __init__(
        self,
        model: Model,
        template: str,
        *,
        spec: str,
        template_name: str,
        base_url: str | None = None,
        sampling: Sampling = GRADER_SAMPLING,
    ) -> None:
        self.model = model
        self.template = template
        self.sampling = sampling
        self._identity: dict[str, Any] = {
            "kind": "model",
            "spec": spec,
            "base_url": base_url,
            "template": template_name,
            "template_sha256": template_sha256(template),
            "approximate": False,
        }

    @property
    def identity(self) -> dict[str, Any]:
        return dict(self._identity)

    async def grade(self, question: str, target: str, predicted: str, *, answer_type: str = "") -> GradeOutcome:
        prompt = render_grader_prompt(self.template, question, target, predicted)
        response = await self.model.generate([{"role": "user", "content": prompt}], [], self.sampling)
        return GradeOutcome(grade=parse_grade(response.text), raw=response.text)

    async def aclose(self) -> None:
        await self.model.aclose()
