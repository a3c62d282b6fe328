"""Small HotpotQA / SQuAD files written by the tests, and scripted readers that answer from what they were shown."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from agent.models.base import Message, ModelResponse, ToolSpec
from agent.models.scripted import ScriptedModel, ScriptedTurn

# (question, gold answer, gold paragraph title, gold paragraph text); the answer is the gold paragraph's title,
# which is what the scripted reader below answers: the first hit's title.
FACTS = [
    ("Which city is the capital of Freedonia?", "Fredville", "Fredville", "Fredville is the capital city of Freedonia."),
    ("Which river flows through Sylvania?", "Glimmer River", "Glimmer River", "The Glimmer River flows through Sylvania."),
    ("Who founded the Orchid Society?", "Ada Quill", "Ada Quill", "Ada Quill founded the Orchid Society in 1901."),
    ("Which mountain is the tallest in Latveria?", "Mount Doomcrag", "Mount Doomcrag", "Mount Doomcrag is the tallest mountain in Latveria."),
    ("Which composer wrote the Pebble Sonata?", "Lars Brook", "Lars Brook", "Lars Brook wrote the Pebble Sonata for piano."),
    ("Which bird is the emblem of Genovia?", "The Silver Heron", "Silver Heron", "The Silver Heron is the national emblem of Genovia."),
]  # fmt: skip
DISTRACTORS = [
    ("Harbor Lights", "Harbor Lights is a painting of a quiet port at dusk."),
    ("Copper Kettle", "The Copper Kettle is a tea house known for its scones."),
]


def write_hotpotqa(path: Path, facts: list[tuple[str, str, str, str]] = FACTS) -> Path:
    """An IRCoT-format jsonl: each question's gold paragraph, a second supporting one, and shared distractors."""
    lines = []
    for number, (question, answer, title, text) in enumerate(facts):
        contexts = [{"id": "0", "title": title, "paragraph_text": text, "is_supporting": True}]
        contexts += [
            {"id": str(i + 1), "title": t, "paragraph_text": x, "is_supporting": False}
            for i, (t, x) in enumerate(DISTRACTORS)
        ]
        record = {
            "question_id": f"q{number}",
            "question_text": question,
            "answers_objects": [{"number": "", "date": {"day": "", "month": "", "year": ""}, "spans": [answer]}],
            "contexts": contexts,
        }
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_squad(path: Path) -> Path:
    """A SQuAD v1.1 file: one article, two paragraphs, three questions (one with three reference answers)."""
    data = {
        "version": "1.1",
        "data": [
            {
                "title": "Super_Bowl_50",
                "paragraphs": [
                    {
                        "context": "The Denver Broncos defeated the Carolina Panthers 24-10 to win Super Bowl 50.",
                        "qas": [
                            {
                                "id": "a1",
                                "question": "Which team won Super Bowl 50?",
                                "answers": [
                                    {"answer_start": 4, "text": "Denver Broncos"},
                                    {"answer_start": 0, "text": "The Denver Broncos"},
                                    {"answer_start": 4, "text": "Denver Broncos"},
                                ],
                            },
                            {"id": "a2", "question": "What was the score?", "answers": [{"answer_start": 51, "text": "24-10"}]},
                        ],
                    },
                    {
                        "context": "The game was played at Levi's Stadium in Santa Clara.",
                        "qas": [{"id": "a3", "question": "Where was it played?", "answers": [{"answer_start": 23, "text": "Levi's Stadium"}]}],
                    },
                ],
            }
        ],
    }  # fmt: skip
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


_FIRST_TITLE = re.compile(r"^1\. (.+)$", re.MULTILINE)


def first_title(messages: list[Message]) -> str:
    """The title of the first hit in the latest message that lists search results."""
    for message in reversed(messages):
        match = _FIRST_TITLE.search(str(message.get("content") or ""))
        if match:
            return match.group(1).strip()
    return ""


def question_of(messages: list[Message]) -> str:
    return next(str(m["content"]) for m in messages if m["role"] == "user").splitlines()[0]


def searching_reader(questions: int) -> ScriptedModel:
    """A tool-calling model: per question, one search of the question, then "Answer: **<first hit title>**."."""
    turns: list[ScriptedTurn] = []

    def search(messages: list[Message], tools: list[ToolSpec]) -> ModelResponse:
        return ScriptedModel.call("search", {"query": question_of(messages), "k": 3})

    def answer(messages: list[Message], tools: list[ToolSpec]) -> str:
        return f"Answer: **{first_title(messages)}**.\nSources: doc"

    for _ in range(questions):
        turns += [search, answer]
    return ScriptedModel(turns, name="scripted-searcher")


def reply_first_title(messages: list[Message], tools: list[ToolSpec]) -> str:
    """One scripted turn of a model given the hits in its prompt: the first hit's title."""
    return first_title(messages)


def prompt_reader(questions: int) -> ScriptedModel:
    """A model given the hits in its prompt (the retrieve baseline): replies with the first hit's title."""
    turns: list[ScriptedTurn] = [reply_first_title] * questions
    return ScriptedModel(turns, name="scripted-reader")


def closed_book(questions: int, reply: str = "I do not know.") -> ScriptedModel:
    return ScriptedModel([reply] * questions, name="scripted-closed-book")


def records_by_index(records: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {record["index"]: record for record in records}
