"""The choices subset of a HotpotQA file: the parsed questions, with the whole file's paragraphs to search."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.qa.choices import choice_rows, main


def row(question: str, *paragraphs: tuple[str, str, bool]) -> dict[str, Any]:
    contexts = [
        {"id": str(i), "title": title, "paragraph_text": text, "is_supporting": supporting}
        for i, (title, text, supporting) in enumerate(paragraphs)
    ]
    return {"question_id": question[:8], "question_text": question, "answers_objects": [], "contexts": contexts}


ROWS = [
    row("Who painted A Sunday Afternoon?", ("Georges Seurat", "Seurat was a painter.", True)),
    row("Which band formed first, Awolnation or Foo Fighters?", ("Awolnation", "Formed in 2009.", True)),
    row("Who is older, Annie Morton or Terry Richardson?", ("Annie Morton", "Born 1970.", True),
        ("Awolnation", "Formed in 2009.", False)),
]  # fmt: skip


def test_only_choices_are_kept_and_the_first_carries_every_other_paragraph_as_non_supporting() -> None:
    chosen = choice_rows(ROWS)
    assert [r["question_text"] for r in chosen] == [ROWS[1]["question_text"], ROWS[2]["question_text"]]
    first = chosen[0]["contexts"]
    assert [(c["title"], c["is_supporting"]) for c in first] == [
        ("Awolnation", True),
        ("Georges Seurat", False),
        ("Annie Morton", False),
    ]
    assert [c["id"] for c in first] == ["0", "1", "2"]
    assert chosen[1] == ROWS[2]  # the others are unchanged
    assert ROWS[1]["contexts"][0]["id"] == "0" and len(ROWS[1]["contexts"]) == 1  # the input is not modified


def test_a_file_without_choices_gives_none() -> None:
    assert choice_rows(ROWS[:1]) == []


def test_the_command_writes_the_subset_and_reports_a_bad_file(tmp_path: Path, capsys: Any) -> None:
    dataset, out = tmp_path / "dev.jsonl", tmp_path / "choices.jsonl"
    dataset.write_text("".join(json.dumps(r) + "\n" for r in ROWS), encoding="utf-8")
    assert main(["--dataset", str(dataset), "--out", str(out)]) == 0
    assert [json.loads(line)["question_text"] for line in out.read_text().splitlines()] == [
        ROWS[1]["question_text"],
        ROWS[2]["question_text"],
    ]
    assert json.loads(capsys.readouterr().out)["choices"] == 2
    dataset.write_text("{oops\n", encoding="utf-8")
    assert main(["--dataset", str(dataset), "--out", str(out)]) == 1
    assert capsys.readouterr().err.startswith("error: ")


def test_the_same_kind_keeps_the_questions_on_a_shared_attribute() -> None:
    same = row("Were Ed Wood and Scott Derrickson of the same nationality?", ("Ed Wood", "American.", True))
    chosen = choice_rows([*ROWS, same], "same")
    assert [r["question_text"] for r in chosen] == [same["question_text"]]
    assert {c["title"] for c in chosen[0]["contexts"]} == {"Ed Wood", "Georges Seurat", "Awolnation", "Annie Morton"}
