from __future__ import annotations

from pathlib import Path

import pytest

from eval.qa.datasets import QAFormat, detect_format, load_qa_dataset, passage_id
from mcp_servers.errors import JanagentError
from tests.eval.qa.fakes import DISTRACTORS, FACTS, write_hotpotqa, write_squad


def test_hotpotqa_questions_carry_answers_and_their_gold_paragraph_ids(tmp_path: Path) -> None:
    data = load_qa_dataset(write_hotpotqa(tmp_path / "dev.jsonl"))
    assert data.format is QAFormat.HOTPOTQA and len(data.questions) == len(FACTS)
    first = data.questions[0]
    assert (first.index, first.problem, first.answers) == (0, FACTS[0][0], ("Fredville",))
    assert first.evidence_ids == (passage_id(QAFormat.HOTPOTQA, "Fredville", FACTS[0][3]),)
    # Shared distractors are indexed once: every gold paragraph plus each distractor.
    assert len(data.passages) == len(FACTS) + len(DISTRACTORS)
    assert {doc.id for doc in data.passages} >= set(first.evidence_ids)
    assert len(data.sha256) == 64


def test_squad_keeps_every_reference_answer_and_the_paragraph_as_evidence(tmp_path: Path) -> None:
    data = load_qa_dataset(write_squad(tmp_path / "dev-v1.1.json"))
    assert data.format is QAFormat.SQUAD
    assert [q.problem for q in data.questions] == [
        "Which team won Super Bowl 50?",
        "What was the score?",
        "Where was it played?",
    ]
    assert data.questions[0].answers == ("Denver Broncos", "The Denver Broncos", "Denver Broncos")
    assert len(data.passages) == 2 and data.passages[0].title == "Super Bowl 50"
    assert data.questions[0].evidence_ids == data.questions[1].evidence_ids == (data.passages[0].id,)
    assert data.questions[2].evidence_ids == (data.passages[1].id,)


def test_paragraph_ids_do_not_change_between_loads(tmp_path: Path) -> None:
    path = write_hotpotqa(tmp_path / "dev.jsonl")
    assert [d.id for d in load_qa_dataset(path).passages] == [d.id for d in load_qa_dataset(path).passages]


def test_the_format_is_told_by_the_file_name() -> None:
    assert detect_format(Path("x.csv")) is QAFormat.SIMPLEQA
    assert detect_format(Path("x.jsonl")) is QAFormat.HOTPOTQA
    assert detect_format(Path("dev-v1.1.json")) is QAFormat.SQUAD
    with pytest.raises(JanagentError, match="--format"):
        detect_format(Path("x.parquet"))


def test_a_malformed_line_is_a_one_line_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question_text": "q?"}\n', encoding="utf-8")
    with pytest.raises(JanagentError, match=r"bad.jsonl:1: not a multi-hop record in a known form"):
        load_qa_dataset(path)
    with pytest.raises(JanagentError, match="does not exist"):
        load_qa_dataset(tmp_path / "missing.jsonl")


def test_simpleqa_csv_questions_keep_their_gold_urls(shared_data: Path) -> None:
    data = load_qa_dataset(shared_data / "simpleqa" / "simple_qa_test_set.csv")
    assert data.format is QAFormat.SIMPLEQA and data.passages == []
    assert len(data.questions) == 4326
    assert data.questions[0].urls and data.questions[0].answers == (data.questions[0].answer,)
