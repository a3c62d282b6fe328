"""``bench qa``'s headline numbers, all in summary.json under the names the issue fixes.

Fractions are over ``n``, every question of the run: a question that errored scores 0 for EM and F1 and did
not see its evidence, so a failing stack cannot score well by failing. ``empty_answers`` counts answered
questions whose short form is empty (errors are counted apart, in ``errors``). ``evidence_recall`` is the share
of questions where at least one gold paragraph (SimpleQA: gold article) reached the model in a tool result,
over the questions that have gold evidence; ``evidence_recall_all`` where all of them did (HotpotQA's two).
With a SimpleQA grade, its ``correct`` / ``incorrect`` / ``not_attempted`` are there too (``simpleqa`` holds
all of SimpleQA's metrics; its own harmonic "F1" is ``simpleqa.f1``, not the token F1 above).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.simpleqa.metrics import count_grades, per_question_stats, score


@dataclass(frozen=True)
class QATally:
    """The running score for the progress bar."""

    n: int = 0
    errors: int = 0
    exact: int = 0
    f1_sum: float = 0.0
    empty: int = 0

    def add_record(self, record: Mapping[str, Any]) -> QATally:
        return QATally(
            n=self.n + 1,
            errors=self.errors + bool(record.get("error")),
            exact=self.exact + bool(record.get("exact_match")),
            f1_sum=self.f1_sum + float(record.get("f1") or 0.0),
            empty=self.empty + bool(record.get("empty_answer")),
        )

    def describe(self) -> str:
        if not self.n:
            return "F1 - · EM -"
        return (
            f"F1 {self.f1_sum / self.n:.3f} · EM {100 * self.exact / self.n:.1f}% · empty {self.empty} "
            f"· errors {self.errors}"
        )


def tally_records(records: Iterable[Mapping[str, Any]]) -> QATally:
    tally = QATally()
    for record in records:
        tally = tally.add_record(record)
    return tally


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def f1_bins(records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """How many questions scored F1 0, between 0 and 0.5, 0.5 up to 1, and 1 (for the chart)."""
    values = [float(record.get("f1") or 0.0) for record in records]
    return {
        "0": sum(1 for v in values if v == 0.0),
        "(0, 0.5)": sum(1 for v in values if 0.0 < v < 0.5),
        "[0.5, 1)": sum(1 for v in values if 0.5 <= v < 1.0),
        "1": sum(1 for v in values if v == 1.0),
    }


def compute_qa_metrics(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Every headline metric of a run's records (see the module docstring for the definitions)."""
    n = len(records)
    answered = [record for record in records if not record.get("error")]
    with_evidence = [record for record in records if record.get("evidence_total")]
    stats = per_question_stats(records)
    metrics: dict[str, Any] = {
        "n": n,
        "exact_match": _share(sum(1 for r in records if r.get("exact_match")), n),
        "f1": sum(float(r.get("f1") or 0.0) for r in records) / n if n else 0.0,
        "empty_answers": sum(1 for r in answered if r.get("empty_answer")),
        "errors": n - len(answered),
        "evidence_recall": _share(sum(1 for r in with_evidence if r.get("evidence_hits")), len(with_evidence)),
        "evidence_recall_all": _share(
            sum(1 for r in with_evidence if r.get("evidence_hits") == r.get("evidence_total")), len(with_evidence)
        ),
        "tool_calls_per_question": stats["tool_calls"]["mean"],
        "steps_per_question": stats["steps"]["mean"],
        "latency_s_median": stats["latency_s"]["p50"],
        "latency_s_p90": stats["latency_s"]["p90"],
        "f1_bins": f1_bins(records),
        "per_question": stats,
    }
    if any("grade" in record for record in records):
        simpleqa = score(count_grades(records))
        metrics.update(
            correct=simpleqa["correct"],
            incorrect=simpleqa["incorrect"],
            not_attempted=simpleqa["not_attempted"],
            accuracy_given_attempted=simpleqa["accuracy_given_attempted"],
            simpleqa=simpleqa,
        )
    return metrics
