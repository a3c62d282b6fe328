from __future__ import annotations

from pathlib import Path

import pytest

from eval.simpleqa.dataset import load_dataset, select_questions
from eval.simpleqa.grading import Grade
from eval.simpleqa.offline_grader import OfflineGrader, grade_offline

OBAMA = "What are the names of Barack Obama's children?"
CITATIONS = "How many citations does the Transformer Paper have?"


@pytest.mark.parametrize(
    ("question", "gold", "predicted", "answer_type", "grade"),
    [
        # names: order, case, punctuation, accents, words the question gives, small typos
        (OBAMA, "Malia Obama and Sasha Obama", "sasha and malia obama", "Person", Grade.CORRECT),
        (OBAMA, "Malia and Sasha", "Malia.", "Person", Grade.INCORRECT),
        ("What is the name of Barack Obama's wife?", "Michelle Obama", "Michelle", "Person", Grade.CORRECT),
        ("Who?", "Hyung Won Chung", "Hyun Won Chung", "Person", Grade.CORRECT),
        ("Who?", "Jóhanna Sigurðardóttir", "Johanna Sigurdardottir", "Person", Grade.CORRECT),
        ("Who?", "Michio Sugeno", "The 2010 award went to Michio Sugeno.", "Person", Grade.CORRECT),
        ("Who?", "Michio Sugeno", "Geoffrey Hinton", "Person", Grade.INCORRECT),
        ("What episode?", "Season 7, Episode 20: White Wedding", "White Wedding", "Other", Grade.CORRECT),
        ("What kind of ship?", "tramp steamer (or collier)", "a collier", "Other", Grade.CORRECT),
        # numbers to the gold's last significant figure (the template's 120k example)
        (CITATIONS, "120k", "124k", "Number", Grade.CORRECT),
        (CITATIONS, "120k", "115k", "Number", Grade.CORRECT),
        (CITATIONS, "120k", "113k", "Number", Grade.INCORRECT),
        (CITATIONS, "120k", "around 100k", "Number", Grade.NOT_ATTEMPTED),
        (CITATIONS, "120k", "more than 50k", "Number", Grade.NOT_ATTEMPTED),
        ("Height in meters?", "1.73 m", "1.73", "Number", Grade.CORRECT),
        ("Height in meters?", "1.73 m", "1.8", "Number", Grade.INCORRECT),
        ("How many daughters?", "3", "She had three daughters.", "Number", Grade.CORRECT),
        ("How much, in euros?", "120,000 euros", "120000 euros", "Number", Grade.CORRECT),
        ("How many?", "150 (acceptable range: anything between 148 and 152)", "149", "Number", Grade.CORRECT),
        ("How many?", "150 (acceptable range: anything between 148 and 152)", "160", "Number", Grade.INCORRECT),
        # dates by the parts the gold gives
        ("When was he born?", "June 24, 1896", "He was born on 24 June 1896.", "Date", Grade.CORRECT),
        ("When was he born?", "June 24, 1896", "25 June 1896", "Date", Grade.INCORRECT),
        ("In which year?", "2023", "It happened in 2023.", "Date", Grade.CORRECT),
        ("In which year?", "2023", "2021", "Date", Grade.INCORRECT),
        # hedges and refusals
        (OBAMA, "Malia and Sasha", "I don't know.", "Person", Grade.NOT_ATTEMPTED),
        ("In which year?", "2023", "I'm not sure.", "Date", Grade.NOT_ATTEMPTED),
        ("Who?", "Michio Sugeno", "I cannot find any information about this award.", "Person", Grade.NOT_ATTEMPTED),
        ("Who?", "Michio Sugeno", "", "Person", Grade.NOT_ATTEMPTED),
        # hedged but containing the gold stays CORRECT, as in the template
        (OBAMA, "Malia and Sasha", "Malia and Sasha, but I'm not sure", "Person", Grade.CORRECT),
    ],
)
def test_offline_grading_follows_the_templates_rules_where_rules_can(
    question: str, gold: str, predicted: str, answer_type: str, grade: Grade
) -> None:
    assert grade_offline(question, gold, predicted, answer_type=answer_type)[0] is grade


async def test_the_offline_grader_labels_itself_approximate_everywhere() -> None:
    grader = OfflineGrader()
    outcome = await grader.grade("Who?", "Michio Sugeno", "Michio Sugeno", answer_type="Person")
    assert outcome.grade is Grade.CORRECT
    assert outcome.raw.startswith("offline (approximate)")
    assert grader.identity["approximate"] is True


def test_every_gold_answer_of_a_real_sample_grades_correct(shared_data: Path) -> None:
    data = load_dataset(shared_data / "simpleqa" / "simple_qa_test_set.csv")
    for question in select_questions(data.questions, limit=500, seed=0):
        grade, reason = grade_offline(
            question.problem, question.answer, question.answer, answer_type=question.answer_type
        )
        assert grade is Grade.CORRECT, (question.index, question.answer, reason)
