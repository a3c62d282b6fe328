"""Grade answers again without re-running the agent, and measure a grader against reference grades.

The input is any JSONL with ``question`` (or ``problem``, as in a ``bench simpleqa`` results.jsonl), ``gold``,
``predicted`` and an optional ``answer_type``. A line may carry a reference grade (``label`` by default: ``A``/
``B``/``C`` or the grade words); then the summary says how often the grader agrees with it, the confusion matrix
and the grader's CORRECT precision and recall. A results.jsonl line whose question errored (``predicted`` null)
is skipped and counted, since there is no answer to grade.

Every graded line is appended (and flushed) to grades.jsonl the moment it is graded, so Ctrl-C keeps what was
graded; summary.json is written at the end, and on interruption too (marked ``complete: false``).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from eval.simpleqa.grading import Grade, Grader
from mcp_servers.errors import JanagentError

GRADES_FILE = "grades.jsonl"
# Hand-labelled answers for measuring a grader: every example of the grader template, the failing pairs of
# issue 15, and realistic answers to SimpleQA questions (see its README section).
GRADER_LABELS = Path(__file__).resolve().parent / "data" / "grader_labels.jsonl"
SUMMARY_FILE = "summary.json"
_GRADE_ORDER = (Grade.CORRECT, Grade.INCORRECT, Grade.NOT_ATTEMPTED)
_BY_NAME = {
    "A": Grade.CORRECT,
    "B": Grade.INCORRECT,
    "C": Grade.NOT_ATTEMPTED,
    "CORRECT": Grade.CORRECT,
    "INCORRECT": Grade.INCORRECT,
    "NOT_ATTEMPTED": Grade.NOT_ATTEMPTED,
    "NOT ATTEMPTED": Grade.NOT_ATTEMPTED,
}


@dataclass(frozen=True)
class RegradeItem:
    """One answer to grade: where it came from (line number) and what the reference grade says, if any."""

    line: int
    question: str
    gold: str
    predicted: str
    answer_type: str = ""
    reference: Grade | None = None
    source: str = ""  # an optional ``source`` field: the summary then gives figures per source too


@dataclass(frozen=True)
class RegradeInput:
    items: list[RegradeItem]
    skipped: int  # lines whose question errored in the original run (no answer to grade)


def parse_reference(value: object) -> Grade:
    """A reference grade: the letter (A/B/C) or the word (CORRECT, INCORRECT, NOT_ATTEMPTED), any case."""
    grade = _BY_NAME.get(str(value).strip().upper()) if isinstance(value, str) else None
    if grade is None:
        raise ValueError(f"{value!r} is not a grade (A, B, C, CORRECT, INCORRECT or NOT_ATTEMPTED)")
    return grade


def _text_field(record: dict[str, Any], *names: str, required: bool = True) -> str | None:
    for name in names:
        if name in record:
            value = record[name]
            if not isinstance(value, str):
                raise ValueError(f"field {name!r} must be a string, got {type(value).__name__}")
            return value
    if required:
        raise ValueError(f"missing field {' or '.join(repr(name) for name in names)}")
    return None


def read_regrade_input(path: Path, *, reference_field: str = "label") -> RegradeInput:
    """Read and check every line first, so a bad line stops the run before anything is graded.

    Raises JanagentError naming the file and line for an unreadable file, bad JSON, a missing or non-string
    field, or a reference grade that is not one.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise JanagentError(f"--input {path}: cannot read it ({exc})") from exc
    items: list[RegradeItem] = []
    skipped = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("a line must be a JSON object")
            question = _text_field(record, "question", "problem")
            gold = _text_field(record, "gold", "answer")
            if record.get("predicted") is None and record.get("error"):
                skipped += 1  # a results.jsonl question that failed: nothing was answered
                continue
            predicted = _text_field(record, "predicted")
            answer_type = _text_field(record, "answer_type", required=False) or ""
            raw_reference = record.get(reference_field)
            reference = parse_reference(raw_reference) if raw_reference is not None else None
            source = _text_field(record, "source", required=False) or ""
        except (ValueError, json.JSONDecodeError) as exc:
            raise JanagentError(f"{path}:{number}: {exc}") from exc
        assert question is not None and gold is not None and predicted is not None
        items.append(RegradeItem(number, question, gold, predicted, answer_type, reference, source))
    if not items:
        raise JanagentError(f"--input {path}: no answers to grade")
    return RegradeInput(items, skipped)


def agreement_summary(records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts of each grade, and where reference grades exist: agreement, confusion, CORRECT precision/recall.

    ``confusion[reference][grade]`` counts lines the reference graded ``reference`` and this grader ``grade``.
    Lines the grader failed on count in ``errors`` and in no agreement figure.
    """
    graded = [record for record in records if record.get("grade")]
    counts = {str(grade): sum(1 for r in graded if r["grade"] == grade) for grade in _GRADE_ORDER}
    referenced = [record for record in graded if record.get("reference")]
    confusion = {str(ref): {str(got): 0 for got in _GRADE_ORDER} for ref in _GRADE_ORDER}
    for record in referenced:
        confusion[record["reference"]][record["grade"]] += 1
    agreed = sum(confusion[str(grade)][str(grade)] for grade in _GRADE_ORDER)
    said_correct = sum(confusion[str(ref)][Grade.CORRECT] for ref in _GRADE_ORDER)
    truly_correct = sum(confusion[Grade.CORRECT].values())
    return {
        "n": len(records),
        "graded": len(graded),
        "errors": len(records) - len(graded),
        "grades": counts,
        "with_reference": len(referenced),
        "agreement": agreed / len(referenced) if referenced else None,
        "correct_precision": confusion[Grade.CORRECT][Grade.CORRECT] / said_correct if said_correct else None,
        "correct_recall": confusion[Grade.CORRECT][Grade.CORRECT] / truly_correct if truly_correct else None,
        "confusion": confusion,
    }


class GradesWriter:
    """Appends one JSON line per graded answer, flushed and fsynced before the next is written."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] = path.open("a", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


async def _grade_one(item: RegradeItem, grader: Grader, *, retries: int, timeout_s: float | None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "line": item.line,
        "question": item.question,
        "gold": item.gold,
        "predicted": item.predicted,
        "answer_type": item.answer_type,
        "reference": str(item.reference) if item.reference else None,
        "source": item.source,
        "grade": None,
        "reason": None,
        "error": None,
    }
    for attempt in range(retries + 1):
        try:
            outcome = await asyncio.wait_for(
                grader.grade(item.question, item.gold, item.predicted, answer_type=item.answer_type), timeout_s
            )
        except Exception as exc:  # a grader model's failure: retried, then recorded on the line
            record["error"] = f"{type(exc).__name__}: {str(exc).strip()[:200]} (attempt {attempt + 1})"
            continue
        record.update(grade=str(outcome.grade), reason=outcome.raw, error=None)
        break
    if record["reference"] and record["grade"]:
        record["agrees"] = record["reference"] == record["grade"]
    return record


async def regrade(
    items: Sequence[RegradeItem],
    grader: Grader,
    writer: GradesWriter,
    *,
    concurrency: int = 4,
    retries: int = 2,
    timeout_s: float | None = 120.0,
    on_graded: Callable[[dict[str, Any]], None] | None = None,
    records: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Grade every item with at most ``concurrency`` in flight; each result is written as soon as it is graded.

    ``records`` (the caller's list) collects the results in completion order, so the caller still holds what
    was graded when the call is cancelled.
    """
    done = records if records is not None else []
    queue: asyncio.Queue[RegradeItem] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while not queue.empty():
            record = await _grade_one(queue.get_nowait(), grader, retries=retries, timeout_s=timeout_s)
            writer.write(record)
            done.append(record)
            if on_graded is not None:
                on_graded(record)

    async with asyncio.TaskGroup() as group:
        for _ in range(max(1, min(concurrency, len(items)))):
            group.create_task(worker())
    return done


def prepare_out_dir(out: Path) -> Path:
    """The folder for grades.jsonl and summary.json; refuses one that already holds a regrade."""
    if out.exists() and not out.is_dir():
        raise JanagentError(f"--out {out} is a file; give a directory")
    if (out / GRADES_FILE).exists():
        raise JanagentError(f"--out {out} already holds {GRADES_FILE}; choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    return out


async def regrade_to_dir(
    items: Sequence[RegradeItem],
    grader: Grader,
    out_dir: Path,
    records: list[dict[str, Any]],
    *,
    concurrency: int = 4,
    retries: int = 2,
    timeout_s: float | None = 120.0,
) -> dict[str, Any]:
    """Grade into ``out_dir``: grades.jsonl line by line, then summary.json (also when cancelled: ``complete``
    false). Closes the grader. ``records`` (the caller's) holds what was graded, whatever happens."""
    writer = GradesWriter(out_dir / GRADES_FILE)
    complete = False
    try:
        await regrade(
            items, grader, writer, concurrency=concurrency, retries=retries, timeout_s=timeout_s, records=records
        )
        complete = True
    finally:
        writer.close()
        close = getattr(grader, "aclose", None)
        if close is not None:
            await close()
        ordered = sorted(records, key=lambda record: record["line"])
        sources = sorted({record["source"] for record in ordered if record.get("source")})
        summary = {
            **agreement_summary(ordered),
            **(
                {"by_source": {s: agreement_summary([r for r in ordered if r.get("source") == s]) for s in sources}}
                if sources
                else {}
            ),
            "complete": complete,
            "approximate": bool(grader.identity.get("approximate")),
            "grader": grader.identity,
            "out": str(out_dir),
        }
        write_summary(out_dir, summary)
    return summary


def write_summary(out: Path, summary: dict[str, Any]) -> None:
    partial = out / (SUMMARY_FILE + ".tmp")
    partial.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, out / SUMMARY_FILE)
