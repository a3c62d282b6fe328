"""The question sets of ``bench qa``: multi-hop sets, SQuAD v1.1 (dev-v1.1.json) and SimpleQA (CSV).

Multi-hop (``--format hotpotqa``): HotpotQA, 2WikiMultihopQA and MuSiQue, in IRCoT's processed jsonl or their
official files (``eval.qa.multihop`` reads every form).

Every question becomes a ``QAQuestion``: the harness's ``Question`` with all gold answers and its evidence.
HotpotQA and SQuAD bring their evidence paragraphs; the paragraphs of the whole file, deduplicated, are the
corpus the agent searches (``QADataset.passages``). A paragraph's document id is a digest of its title and
text, so the same paragraph gets the same id in every build and in every question that cites it.
SimpleQA brings no corpus (it runs over an index given by name); its evidence is the gold articles' URLs.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from eval.qa.multihop import opens_a_list, read_records
from eval.simpleqa.dataset import Question, file_sha256, load_dataset
from mcp_servers.errors import JanagentError
from mcp_servers.types import Document


class QAFormat(StrEnum):
    HOTPOTQA = "hotpotqa"
    SQUAD = "squad"
    SIMPLEQA = "simpleqa"


@dataclass(frozen=True)
class QAQuestion(Question):
    """A question with every accepted answer (scores take the best) and the evidence that answers it.

    ``answer`` (from ``Question``) is the first gold answer. ``evidence_ids`` are the document ids of the gold
    paragraphs (HotpotQA, SQuAD); ``urls`` (from ``Question``) the gold articles (SimpleQA).
    """

    answers: tuple[str, ...] = ()
    evidence_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class QADataset:
    """All questions of one file, what identifies the file, and the corpus it brings (empty for SimpleQA)."""

    path: Path
    format: QAFormat
    sha256: str
    questions: list[QAQuestion]
    passages: list[Document] = field(default_factory=list)


def passage_id(fmt: QAFormat, title: str, text: str) -> str:
    """The stable document id of an evidence paragraph: the format and a digest of title and text."""
    digest = hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()[:12]
    return f"{fmt}-{digest}"


def detect_format(path: Path) -> QAFormat:
    """Tell the formats apart by the file: .csv is SimpleQA, .jsonl multi-hop, .json SQuAD or a multi-hop list.

    A .json file that opens with ``[`` is a list of records (the official HotpotQA and 2Wiki files); any other
    .json file is SQuAD's ``{"data": [...]}``.
    """
    name = path.name.lower()
    if name.endswith(".csv"):
        return QAFormat.SIMPLEQA
    if name.endswith(".jsonl"):
        return QAFormat.HOTPOTQA
    if name.endswith(".json"):
        return QAFormat.HOTPOTQA if opens_a_list(path) else QAFormat.SQUAD
    raise JanagentError(f"cannot tell the format of {path}: pass --format hotpotqa, squad or simpleqa")


def load_qa_dataset(path: Path, fmt: QAFormat | None = None) -> QADataset:
    """Read a question file in the given (or detected) format; a malformed file is a one-line error."""
    if not path.is_file():
        raise JanagentError(f"dataset {path} does not exist")
    fmt = fmt or detect_format(path)
    if fmt is QAFormat.SIMPLEQA:
        return _load_simpleqa(path)
    digest = file_sha256(path)
    questions, passages = _load_hotpotqa(path) if fmt is QAFormat.HOTPOTQA else _load_squad(path)
    if not questions:
        raise JanagentError(f"{path} holds no questions")
    return QADataset(path=path, format=fmt, sha256=digest, questions=questions, passages=passages)


class _Corpus:
    """The deduplicated paragraphs of a file, in first-seen order."""

    def __init__(self, fmt: QAFormat) -> None:
        self.fmt = fmt
        self.documents: dict[str, Document] = {}

    def add(self, title: str, text: str) -> str:
        doc_id = passage_id(self.fmt, title, text)
        if doc_id not in self.documents:
            self.documents[doc_id] = Document(id=doc_id, title=title, text=text)
        return doc_id


def _load_hotpotqa(path: Path) -> tuple[list[QAQuestion], list[Document]]:
    corpus = _Corpus(QAFormat.HOTPOTQA)
    questions: list[QAQuestion] = []
    for where, record in read_records(path):
        if record is None:
            continue
        # Gold paragraphs first, then every paragraph: distractors are part of the corpus too.
        evidence = tuple(corpus.add(p.title, p.text) for p in record.paragraphs if p.supporting)
        for paragraph in record.paragraphs:
            corpus.add(paragraph.title, paragraph.text)
        question_id = record.question_id or str(len(questions) + 1)
        if not record.answers:
            raise JanagentError(f"{where}: question {question_id} has no answer")
        questions.append(_question(len(questions), record.question, record.answers, evidence, {"id": question_id}))
    return questions, list(corpus.documents.values())


def _load_squad(path: Path) -> tuple[list[QAQuestion], list[Document]]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        articles = data["data"]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise JanagentError(f"{path}: not a SQuAD v1.1 file ({{'data': [articles]}}): {exc}") from exc
    corpus = _Corpus(QAFormat.SQUAD)
    questions: list[QAQuestion] = []
    try:
        for article in articles:
            title = str(article["title"]).replace("_", " ")
            for paragraph in article["paragraphs"]:
                doc_id = corpus.add(title, str(paragraph["context"]))
                for qa in paragraph["qas"]:
                    answers = tuple(str(a["text"]) for a in qa["answers"] if str(a["text"]).strip())
                    if not answers:
                        continue  # SQuAD 2.0's unanswerable questions: not what this benchmark measures
                    extra = {"id": str(qa.get("id", "")), "article": title}
                    questions.append(_question(len(questions), str(qa["question"]), answers, (doc_id,), extra))
    except (KeyError, TypeError) as exc:
        raise JanagentError(
            f"{path}: not a SQuAD v1.1 file (data[].title, paragraphs[].context, qas[].question/answers[].text): "
            f"missing {exc}"
        ) from exc
    return questions, list(corpus.documents.values())


def _question(
    index: int, problem: str, answers: tuple[str, ...], evidence: tuple[str, ...], extra: dict[str, str]
) -> QAQuestion:
    return QAQuestion(
        index=index, problem=problem, answer=answers[0], answers=answers, evidence_ids=evidence, extra=extra
    )


def _load_simpleqa(path: Path) -> QADataset:
    data = load_dataset(path)
    questions = [
        QAQuestion(
            index=q.index,
            problem=q.problem,
            answer=q.answer,
            topic=q.topic,
            answer_type=q.answer_type,
            urls=q.urls,
            extra=q.extra,
            answers=(q.answer,),
        )
        for q in data.questions
    ]
    return QADataset(path=path, format=QAFormat.SIMPLEQA, sha256=data.sha256, questions=questions)
