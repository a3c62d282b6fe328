"""Multi-hop question records as the literature ships them, read into one shape.

``bench qa --format hotpotqa`` takes any of the forms in which HotpotQA, 2WikiMultihopQA and MuSiQue are
distributed, so a user's own copy of a set runs as it is:

- IRCoT's processed files (``question_text``, ``answers_objects[].spans``, ``contexts[]`` with
  ``title`` / ``paragraph_text`` / ``is_supporting``), the form in ../shared/data;
- the official HotpotQA and 2WikiMultihopQA files (``question``, ``answer``, ``context`` as
  ``[title, [sentences]]`` pairs, ``supporting_facts`` as ``[title, sentence index]`` pairs);
- the official MuSiQue files (``question``, ``answer``, ``answer_aliases``, ``paragraphs[]`` with
  ``title`` / ``paragraph_text`` / ``is_supporting``; a record marked ``answerable: false`` is skipped, as
  SQuAD 2.0's unanswerable questions are: this benchmark measures answers in reach);
- questions with answers and no paragraphs (``question`` and ``answer``, ``answers`` or ``golden_answers``, as
  FlashRAG ships open-domain sets): they bring no corpus, so they run over an index given by ``--index``.

A file is JSON lines, or one JSON list of records (how the official HotpotQA and 2Wiki files come).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_servers.errors import JanagentError

FORMS = (
    "IRCoT (question_text, answers_objects, contexts), official HotpotQA/2Wiki (question, answer, context, "
    "supporting_facts), official MuSiQue (question, answer, paragraphs) or question with answer/answers/golden_answers"
)


@dataclass(frozen=True)
class Paragraph:
    title: str
    text: str
    supporting: bool


@dataclass(frozen=True)
class MultihopRecord:
    """One question: its id, text, every accepted answer, and its paragraphs (gold and distractors)."""

    question_id: str
    question: str
    answers: tuple[str, ...]
    paragraphs: tuple[Paragraph, ...]


def read_records(path: Path) -> Iterator[tuple[str, MultihopRecord | None]]:
    """``(where, record)`` for each record of the file, ``where`` naming it in errors (``file:line``).

    ``record`` is None for a record that is not meant to be answered (MuSiQue's ``answerable: false``).
    A record in none of the forms is a one-line ``JanagentError`` naming where it is and the forms accepted.
    """
    for where, raw in _raw_records(path):
        try:
            yield where, parse_record(raw)
        except (KeyError, TypeError, AttributeError, IndexError, ValueError) as exc:
            raise JanagentError(
                f"{where}: not a multi-hop record in a known form ({FORMS}): {type(exc).__name__}: {exc}"
            ) from exc


def opens_a_list(path: Path) -> bool:
    """Whether the file is one JSON list of records (it opens with ``[``, after any byte-order mark)."""
    try:
        with path.open("rb") as handle:
            return handle.read(4096).removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"[")
    except OSError:
        return False  # a missing file is reported by whoever opens it


def _raw_records(path: Path) -> Iterator[tuple[str, Any]]:
    listed = opens_a_list(path)
    try:
        # utf-8-sig: a file saved with a byte-order mark reads as one without.
        with path.open(encoding="utf-8-sig") as handle:
            if listed:
                try:
                    records = json.load(handle)
                except json.JSONDecodeError as exc:
                    raise JanagentError(f"{path}: not valid JSON: {exc}") from exc
                for number, record in enumerate(records, start=1):
                    yield f"{path}: record {number}", record
                return
            for line_number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise JanagentError(f"{path}:{line_number}: not a JSON line: {exc}") from exc
                yield f"{path}:{line_number}", record
    except UnicodeDecodeError as exc:
        raise JanagentError(f"{path}: not UTF-8 text: {exc}") from exc


def parse_record(raw: Any) -> MultihopRecord | None:
    """One record in any of the module's forms (raises KeyError/TypeError/ValueError for none of them)."""
    if not isinstance(raw, dict):
        raise TypeError(f"a record must be a JSON object, not {type(raw).__name__}")
    if "question_text" in raw:
        return _ircot(raw)
    if raw.get("answerable") is False:
        return None
    if "paragraphs" in raw:
        return _musique(raw)
    if "context" in raw:
        return _hotpotqa_official(raw)
    return _bare(raw)


def _ircot(raw: dict[str, Any]) -> MultihopRecord:
    answers: list[str] = []
    for obj in raw["answers_objects"]:
        spans = [str(span) for span in obj.get("spans") or [] if str(span).strip()]
        if spans:
            answers += spans
        elif str(obj.get("number") or "").strip():
            answers.append(str(obj["number"]).strip())
        elif isinstance(obj.get("date"), dict):
            date = " ".join(str(obj["date"].get(part) or "").strip() for part in ("day", "month", "year"))
            if date.strip():
                answers.append(" ".join(date.split()))
    paragraphs = tuple(
        Paragraph(str(ctx["title"]), str(ctx["paragraph_text"]), bool(ctx.get("is_supporting")))
        for ctx in raw["contexts"]
    )
    return MultihopRecord(str(raw.get("question_id", "")), str(raw["question_text"]), _answers(answers), paragraphs)


def _musique(raw: dict[str, Any]) -> MultihopRecord:
    answers = [str(raw["answer"]), *(str(alias) for alias in raw.get("answer_aliases") or [])]
    paragraphs = tuple(
        Paragraph(str(p["title"]), str(p["paragraph_text"]), bool(p.get("is_supporting"))) for p in raw["paragraphs"]
    )
    return MultihopRecord(_record_id(raw), str(raw["question"]), _answers(answers), paragraphs)


def _hotpotqa_official(raw: dict[str, Any]) -> MultihopRecord:
    supporting = {str(fact[0]) for fact in raw.get("supporting_facts") or []}
    paragraphs = []
    for title, sentences in raw["context"]:
        if isinstance(sentences, str):
            raise TypeError("context entries must be [title, [sentences]]")
        # HotpotQA's sentences carry their leading spaces, 2Wiki's do not: one space between stripped ones.
        text = " ".join(str(s).strip() for s in sentences if str(s).strip())
        paragraphs.append(Paragraph(str(title), text, str(title) in supporting))
    return MultihopRecord(_record_id(raw), str(raw["question"]), _answers([str(raw["answer"])]), tuple(paragraphs))


def _bare(raw: dict[str, Any]) -> MultihopRecord:
    """A question with its answers and no paragraphs (FlashRAG's jsonl, open-domain sets): asked over --index."""
    keys = [key for key in ("answer", "answers", "golden_answers") if key in raw]
    if not keys:
        raise KeyError("answer")
    answers: list[str] = []
    for key in keys:
        value = raw[key]
        if isinstance(value, str):
            answers.append(value)
        elif isinstance(value, list):
            answers += [str(item) for item in value]
    return MultihopRecord(_record_id(raw), str(raw["question"]), _answers(answers), ())


def _record_id(raw: dict[str, Any]) -> str:
    """The official HotpotQA/2Wiki ``_id``, else ``id`` (MuSiQue, FlashRAG), else empty."""
    return str(raw.get("_id", raw.get("id", "")))


def _answers(answers: list[str]) -> tuple[str, ...]:
    """Non-empty answers, first-seen order, no repeats."""
    return tuple(dict.fromkeys(a for a in answers if a.strip()))
