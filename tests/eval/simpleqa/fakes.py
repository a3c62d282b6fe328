"""Fake solvers and graders for the SimpleQA harness tests (fakes, not mocks)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.simpleqa.dataset import Dataset, DatasetFormat, Question
from eval.simpleqa.grading import Grade, GradeOutcome
from eval.simpleqa.solver import SolverError, SolverOutput

# Three rows in the SimpleQA Verified format (columns and values as in the published CSV).
VERIFIED_CSV = (
    "original_index,problem,answer,topic,answer_type,multi_step,requires_reasoning,urls\n"
    '5,"How much money, in euros, was the surgeon ordered to pay?","120,000 euros",Politics,Number,True,False,'
    '"https://en.wikipedia.org/wiki/Stella_Obasanjo,https://www.independent.co.uk/x"\n'
    "13,In which year did the Monash Gallery of Art rebrand?,2023,Art,Date,False,False,https://maph.org.au/about/\n"
    "37,Whom did Bernard Comrie marry in 1985?,Akiko Kumahira,Other,Person,False,False,https://x.org/a\n"
)

TOPICS = ("Art", "Music", "Sports")
ANSWER_TYPES = ("Person", "Date")


def make_questions(n: int) -> list[Question]:
    """n questions whose gold is ``gold-<i>``, spread over three topics and two answer types."""
    return [
        Question(
            index=i,
            problem=f"question {i}?",
            answer=f"gold-{i}",
            topic=TOPICS[i % len(TOPICS)],
            answer_type=ANSWER_TYPES[i % len(ANSWER_TYPES)],
        )
        for i in range(n)
    ]


def make_dataset(n: int, path: Path = Path("fake.csv")) -> Dataset:
    return Dataset(path=path, format=DatasetFormat.SIMPLEQA, sha256="f" * 64, questions=make_questions(n))


def index_of(question: str) -> int:
    return int(question.removeprefix("question ").rstrip("?"))


class FakeSolver:
    """Answers ``answer_for(i)``; records the questions it was asked."""

    def __init__(self, answer_for: Callable[[int], str] = lambda i: f"gold-{i}") -> None:
        self.answer_for = answer_for
        self.asked: list[int] = []

    @property
    def identity(self) -> dict[str, Any]:
        return {"spec": "fake", "tools": "none"}

    async def solve(self, question: str) -> SolverOutput:
        index = index_of(question)
        self.asked.append(index)
        return SolverOutput(
            answer=self.answer_for(index),
            sources=[f"doc-{index}"],
            tool_calls=index % 3,
            tokens={"prompt_tokens": 10, "completion_tokens": 2},
            steps=1,
        )


class FlakySolver(FakeSolver):
    """Fails ``failures`` times per question before answering."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures
        self.attempts: dict[int, int] = {}

    async def solve(self, question: str) -> SolverOutput:
        index = index_of(question)
        self.attempts[index] = self.attempts.get(index, 0) + 1
        if self.attempts[index] <= self.failures:
            raise SolverError("model server said 503")
        return await super().solve(question)


class StopAfterSolver(FakeSolver):
    """Answers ``k`` questions, then on the next one either blocks (to be cancelled) or raises ``exc``."""

    def __init__(self, k: int, exc: BaseException | None = None) -> None:
        super().__init__()
        self.k = k
        self.exc = exc
        self.blocked = asyncio.Event()

    async def solve(self, question: str) -> SolverOutput:
        if len(self.asked) >= self.k:
            if self.exc is not None:
                raise self.exc
            self.blocked.set()
            await asyncio.Event().wait()
        return await super().solve(question)


class ConcurrencyProbeSolver(FakeSolver):
    """Proves that ``k`` questions are in flight at once: the first ``k`` wait until all ``k`` have started."""

    def __init__(self, k: int) -> None:
        super().__init__()
        self.k = k
        self.in_flight = 0
        self.max_in_flight = 0
        self.all_started = asyncio.Event()

    async def solve(self, question: str) -> SolverOutput:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.in_flight >= self.k:
            self.all_started.set()
        try:
            await asyncio.wait_for(self.all_started.wait(), timeout=10)
            await asyncio.sleep(0)  # let the others interleave
            return await super().solve(question)
        finally:
            self.in_flight -= 1


class ExactGrader:
    """CORRECT when the answer equals the gold, NOT_ATTEMPTED when empty, else INCORRECT."""

    @property
    def identity(self) -> dict[str, Any]:
        return {"kind": "fake", "spec": "exact", "approximate": False}

    async def grade(self, question: str, target: str, predicted: str, *, answer_type: str = "") -> GradeOutcome:
        if not predicted:
            return GradeOutcome(Grade.NOT_ATTEMPTED, "C")
        return GradeOutcome(Grade.CORRECT if predicted == target else Grade.INCORRECT, "A or B")
