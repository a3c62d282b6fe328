from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval.qa.datasets import QAFormat, detect_format, load_qa_dataset, passage_id
from eval.qa.multihop import parse_record
from mcp_servers.errors import JanagentError
from tests.eval.qa.fakes import write_hotpotqa

OFFICIAL_HOTPOTQA = {
    "_id": "5a8b57f25542995d1e6f1371",
    "question": "Were Scott Derrickson and Ed Wood of the same nationality?",
    "answer": "yes",
    "supporting_facts": [["Scott Derrickson", 0], ["Ed Wood", 0]],
    "context": [
        ["Ed Wood", ["Edward Davis Wood Jr. was an American filmmaker.", " He made cult films."]],
        ["Scott Derrickson", ["Scott Derrickson is an American director."]],
        ["Doctor Strange", ["Doctor Strange is a 2016 film."]],
    ],
}
MUSIQUE = {
    "id": "2hop__1_2",
    "question": "Who founded the label that signed Ada Quill?",
    "answer": "Lars Brook",
    "answer_aliases": ["L. Brook", "Lars Brook"],
    "answerable": True,
    "paragraphs": [
        {"idx": 0, "title": "Ada Quill", "paragraph_text": "Ada Quill was signed to Pebble Records.", "is_supporting": True},
        {"idx": 1, "title": "Pebble Records", "paragraph_text": "Lars Brook founded Pebble Records.", "is_supporting": True},
        {"idx": 2, "title": "Harbor Lights", "paragraph_text": "Harbor Lights is a painting.", "is_supporting": False},
    ],
}  # fmt: skip


def test_the_official_hotpotqa_list_is_read_with_its_supporting_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "hotpot_dev_distractor_v1.json"
    path.write_text(json.dumps([OFFICIAL_HOTPOTQA]), encoding="utf-8-sig")  # with a byte-order mark
    assert detect_format(path) is QAFormat.HOTPOTQA
    data = load_qa_dataset(path)
    (question,) = data.questions
    assert (question.problem, question.answers, question.extra["id"]) == (
        OFFICIAL_HOTPOTQA["question"],
        ("yes",),
        "5a8b57f25542995d1e6f1371",
    )
    # Sentences are joined with one space whether or not they carry HotpotQA's leading space.
    ed_wood = "Edward Davis Wood Jr. was an American filmmaker. He made cult films."
    assert {p.text for p in data.passages} == {
        ed_wood,
        "Scott Derrickson is an American director.",
        "Doctor Strange is a 2016 film.",
    }
    assert question.evidence_ids == (
        passage_id(QAFormat.HOTPOTQA, "Ed Wood", ed_wood),
        passage_id(QAFormat.HOTPOTQA, "Scott Derrickson", "Scott Derrickson is an American director."),
    )


def test_musique_keeps_its_aliases_and_skips_unanswerable_records(tmp_path: Path) -> None:
    path = tmp_path / "musique_ans_v1.0_dev.jsonl"
    unanswerable = {**MUSIQUE, "id": "2hop__3_4", "answerable": False}
    path.write_text(json.dumps(MUSIQUE) + "\n\n" + json.dumps(unanswerable) + "\n", encoding="utf-8")
    data = load_qa_dataset(path)
    (question,) = data.questions
    assert question.answers == ("Lars Brook", "L. Brook")
    assert len(question.evidence_ids) == 2 and len(data.passages) == 3


def test_an_ircot_answer_given_as_a_number_or_date_is_kept() -> None:
    base = {"question_text": "When?", "contexts": [{"title": "T", "paragraph_text": "x", "is_supporting": True}]}
    number = parse_record({**base, "answers_objects": [{"number": "12", "spans": []}]})
    date = parse_record(
        {
            **base,
            "answers_objects": [{"number": "", "spans": [], "date": {"day": "4", "month": "July", "year": "1776"}}],
        }
    )
    assert number is not None and number.answers == ("12",)
    assert date is not None and date.answers == ("4 July 1776",)


def test_the_ircot_form_gives_the_same_paragraph_ids_as_before(tmp_path: Path) -> None:
    # The index of a dataset is keyed by these ids: reading more forms must not change them.
    data = load_qa_dataset(write_hotpotqa(tmp_path / "dev.jsonl"))
    first = data.questions[0]
    assert first.evidence_ids == (
        passage_id(QAFormat.HOTPOTQA, "Fredville", "Fredville is the capital city of Freedonia."),
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"question": "q?", "context": [["T", "not a list"]], "answer": "a"}\n', r"x.jsonl:1: not a multi-hop record"),
        ('["a string, not a record"]', r"x.json: record 1: not a multi-hop record"),
        ("[{broken", r"x.json: not valid JSON"),
        ('{"question": "q?", "answer": "", "context": []}\n', r"x.jsonl:1: question 1 has no answer"),
    ],
)
def test_records_in_no_known_form_are_one_line_errors_saying_where(tmp_path: Path, content: str, message: str) -> None:
    name = "x.json" if content.startswith("[") else "x.jsonl"
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(JanagentError, match=message):
        load_qa_dataset(path, QAFormat.HOTPOTQA)
