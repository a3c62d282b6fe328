"""Judging one ``bench qa`` answer: its short form, EM and F1 against every gold answer, the evidence it saw,
and for SimpleQA the grader's grade as well (the existing SimpleQA grading code, on the short form)."""

from __future__ import annotations

from typing import Any

from eval.qa.answers import best_scores, drop_restated_question, short_answer
from eval.qa.datasets import QAFormat, QAQuestion
from eval.qa.evidence import evidence_hits, seen_evidence
from eval.simpleqa.dataset import Question
from eval.simpleqa.grading import Grader
from eval.simpleqa.solver import SolverOutput

# The suffix names the short-form rules (v2: a leading "Yes,"/"No," and a restated question are cut away;
# v3: an "Answer:" lead also inside a line after a sentence, and "Therefore, the answer is");
# a run scored under other rules is not resumed into this one (`bench qa-rescore` re-scores it).
METRICS_VERSION = "squad-v1.1-em-f1+short-v3"
SEEN_REFERENCES_KEPT = 20  # enough to see what the model read, without bloating results.jsonl


def _golds(question: Question) -> tuple[str, ...]:
    return question.answers if isinstance(question, QAQuestion) and question.answers else (question.answer,)


def _evidence_ids(question: Question) -> tuple[str, ...]:
    return question.evidence_ids if isinstance(question, QAQuestion) else ()


def judge_identity(fmt: QAFormat, grader: dict[str, Any] | None = None) -> dict[str, Any]:
    """What judges a run (the metric version, and the SimpleQA grader's identity when there is one)."""
    spec = METRICS_VERSION + ("+hotpotqa-yes-no" if fmt is QAFormat.HOTPOTQA else "")
    identity: dict[str, Any] = {"kind": "qa", "spec": spec, "approximate": False}
    if grader is not None:
        identity.update(
            spec=f"{spec}+grade:{grader.get('spec')}",
            template_sha256=grader.get("template_sha256", ""),
            approximate=bool(grader.get("approximate")),
            grader=grader,
        )
    return identity


class QAJudge:
    """Scores with the official metrics of the dataset's format; ``grader`` adds the SimpleQA grade."""

    def __init__(self, fmt: QAFormat, grader: Grader | None = None) -> None:
        self.format = fmt
        self.grader = grader
        # HotpotQA's official F1 gives no partial credit on yes/no questions; SQuAD's has no such rule.
        self.yes_no_strict = fmt is QAFormat.HOTPOTQA

    @property
    def identity(self) -> dict[str, Any]:
        return judge_identity(self.format, self.grader.identity if self.grader is not None else None)

    def blank(self, question: Question) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "golds": list(_golds(question)),
            "short_answer": None,
            "exact_match": None,
            "f1": None,
            "empty_answer": None,
            "evidence_hits": 0,
            "evidence_total": len(_evidence_ids(question)) + len(question.urls),
            "seen_references": [],
        }
        if self.grader is not None:
            fields.update(
                grade=None, grader_reply=None, grader_approximate=bool(self.grader.identity.get("approximate"))
            )
        return fields

    async def judge(self, question: Question, output: SolverOutput) -> dict[str, Any]:
        seen = seen_evidence(output.tool_results)
        hits, total = evidence_hits(seen, _evidence_ids(question), question.urls)
        return {
            **await self.score_answer(question, output.answer),
            "evidence_hits": hits,
            "evidence_total": total,
            "seen_references": sorted(seen.references)[:SEEN_REFERENCES_KEPT],
        }

    async def score_answer(self, question: Question, answer: str) -> dict[str, Any]:
        """The fields that depend on the answer alone (what ``bench qa-rescore`` recomputes)."""
        short = drop_restated_question(short_answer(answer), question.problem)
        em, f1 = best_scores(short, _golds(question), yes_no_strict=self.yes_no_strict)
        fields: dict[str, Any] = {"short_answer": short, "exact_match": em, "f1": f1, "empty_answer": not short}
        if self.grader is not None:
            outcome = await self.grader.grade(
                question.problem, question.answer, short, answer_type=question.answer_type
            )
            fields.update(grade=str(outcome.grade), grader_reply=outcome.raw)
        return fields
