from __future__ import annotations

import pytest

from eval.simpleqa.metrics import GradeCounts, compute_metrics, score


def test_the_headline_metrics_match_a_hand_computation() -> None:
    # 10 questions: 4 correct, 2 incorrect, 3 not attempted, 1 error.
    metrics = score(GradeCounts(correct=4, incorrect=2, not_attempted=3, errors=1))
    assert metrics["n"] == 10
    assert metrics["correct"] == pytest.approx(0.4)
    assert metrics["incorrect"] == pytest.approx(0.2)
    assert metrics["not_attempted"] == pytest.approx(0.3)
    assert metrics["errors"] == 1
    assert metrics["accuracy_given_attempted"] == pytest.approx(4 / 6)
    # F1 = 2 * (2/3) * 0.4 / (2/3 + 0.4) = (8/15) / (16/15) = 0.5
    assert metrics["f1"] == pytest.approx(0.5)


def test_nothing_attempted_gives_zero_not_a_division_error() -> None:
    metrics = score(GradeCounts(not_attempted=3))
    assert (metrics["accuracy_given_attempted"], metrics["f1"], metrics["correct"]) == (0.0, 0.0, 0.0)
    assert score(GradeCounts())["n"] == 0


def test_metrics_are_grouped_per_topic_and_answer_type_with_costs() -> None:
    records = [
        {"grade": "CORRECT", "topic": "Art", "answer_type": "Person", "latency_s": 1.0, "tool_calls": 2},
        {"grade": "INCORRECT", "topic": "Art", "answer_type": "Date", "latency_s": 3.0, "tool_calls": 0},
        {"grade": None, "error": "boom", "topic": "Music", "answer_type": "Date", "latency_s": 2.0},
        {
            "grade": "NOT_ATTEMPTED",
            "topic": "Music",
            "answer_type": "Person",
            "latency_s": 4.0,
            "tool_calls": 1,
            "tokens": {"prompt_tokens": 100, "completion_tokens": 7},
        },
    ]
    metrics = compute_metrics(records)
    assert metrics["n"] == 4
    assert metrics["by_topic"]["Art"]["correct"] == pytest.approx(0.5)
    assert metrics["by_topic"]["Art"]["accuracy_given_attempted"] == pytest.approx(0.5)
    assert metrics["by_topic"]["Music"]["errors"] == 1
    assert metrics["by_topic"]["Music"]["not_attempted"] == pytest.approx(0.5)
    assert metrics["by_answer_type"]["Person"]["counts"] == {
        "correct": 1,
        "incorrect": 0,
        "not_attempted": 1,
        "errors": 0,
    }
    latency = metrics["per_question"]["latency_s"]
    assert (latency["mean"], latency["p50"], latency["p90"], latency["max"]) == (2.5, 2.0, 4.0, 4.0)
    assert metrics["per_question"]["tool_calls"]["total"] == 3
    assert metrics["per_question"]["prompt_tokens"]["total"] == 100
