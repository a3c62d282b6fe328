"""SimpleQA's headline metrics, all returned (simple-evals prints F1 and accuracy-given-attempted and drops them).

``n`` counts every question of the run. ``correct``, ``incorrect`` and ``not_attempted`` are fractions of
``n``; ``errors`` is the number of questions that could not be answered or graded (they count towards ``n``
and towards no grade, so a failing stack cannot score well by failing). ``accuracy_given_attempted`` is
correct / (correct + incorrect); ``f1`` is the harmonic mean of ``accuracy_given_attempted`` and ``correct``,
as in simple-evals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.simpleqa.grading import Grade


@dataclass(frozen=True)
class GradeCounts:
    correct: int = 0
    incorrect: int = 0
    not_attempted: int = 0
    errors: int = 0

    @property
    def n(self) -> int:
        return self.correct + self.incorrect + self.not_attempted + self.errors

    def add(self, grade: str | None) -> GradeCounts:
        """Count one result: a grade name, or None for a question that errored."""
        return GradeCounts(
            correct=self.correct + (grade == Grade.CORRECT),
            incorrect=self.incorrect + (grade == Grade.INCORRECT),
            not_attempted=self.not_attempted + (grade == Grade.NOT_ATTEMPTED),
            errors=self.errors + (grade is None),
        )

    def add_record(self, record: Mapping[str, Any]) -> GradeCounts:
        """Count one results.jsonl record (the runner's Tally protocol)."""
        return self.add(record.get("grade"))


def score(counts: GradeCounts) -> dict[str, Any]:
    """The metrics of one set of results, under the names summary.json uses."""
    n = counts.n
    correct = counts.correct / n if n else 0.0
    attempted = counts.correct + counts.incorrect
    accuracy_given_attempted = counts.correct / attempted if attempted else 0.0
    denominator = accuracy_given_attempted + correct
    f1 = 2 * accuracy_given_attempted * correct / denominator if denominator else 0.0
    return {
        "n": n,
        "correct": correct,
        "incorrect": counts.incorrect / n if n else 0.0,
        "not_attempted": counts.not_attempted / n if n else 0.0,
        "errors": counts.errors,
        "accuracy_given_attempted": accuracy_given_attempted,
        "f1": f1,
        "counts": {
            "correct": counts.correct,
            "incorrect": counts.incorrect,
            "not_attempted": counts.not_attempted,
            "errors": counts.errors,
        },
    }


def count_grades(records: Iterable[Mapping[str, Any]]) -> GradeCounts:
    counts = GradeCounts()
    for record in records:
        counts = counts.add(record.get("grade"))
    return counts


def _grouped(records: list[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, GradeCounts] = {}
    for record in records:
        name = str(record.get(key) or "Unknown")
        groups[name] = groups.get(name, GradeCounts()).add(record.get("grade"))
    return {name: score(groups[name]) for name in sorted(groups)}


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation: a reported p90 is a latency that really happened)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


def distribution(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "mean": sum(ordered) / len(ordered) if ordered else 0.0,
        "p50": percentile(ordered, 0.5),
        "p90": percentile(ordered, 0.9),
        "max": ordered[-1] if ordered else 0.0,
        "total": sum(ordered),
    }


def per_question_stats(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Latency, tool calls, agent steps and tokens across questions (errored ones included: they cost too)."""
    tokens = [record.get("tokens") or {} for record in records]
    return {
        "latency_s": distribution([float(record.get("latency_s") or 0.0) for record in records]),
        "tool_calls": distribution([float(record.get("tool_calls") or 0) for record in records]),
        "steps": distribution([float(record.get("steps") or 0) for record in records]),
        "prompt_tokens": distribution([float(t.get("prompt_tokens", 0)) for t in tokens]),
        "completion_tokens": distribution([float(t.get("completion_tokens", 0)) for t in tokens]),
    }


def compute_metrics(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Overall metrics, the same per topic and per answer type, and per-question cost statistics."""
    rows = list(records)
    return {
        **score(count_grades(rows)),
        "by_topic": _grouped(rows, "topic"),
        "by_answer_type": _grouped(rows, "answer_type"),
        "per_question": per_question_stats(rows),
    }
