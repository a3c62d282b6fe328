"""The offline grader against hand-labelled answers: the template's own examples, issue 15's pairs, realistic ones."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from eval.simpleqa.dataset import load_dataset, select_questions
from eval.simpleqa.grader_template import SIMPLEQA_GRADER_TEMPLATE
from eval.simpleqa.grading import Grade
from eval.simpleqa.offline_grader import OfflineGrader, grade_offline
from eval.simpleqa.regrade import GRADER_LABELS, agreement_summary

LABELLED: list[dict[str, Any]] = [json.loads(line) for line in GRADER_LABELS.read_text(encoding="utf-8").splitlines()]
OBAMA = "What are the names of Barack Obama's children?"
CITATIONS = "How many citations does the Transformer Paper have?"


def _grade(row: dict[str, Any]) -> Grade:
    return grade_offline(row["question"], row["gold"], row["predicted"], answer_type=row["answer_type"])[0]


@pytest.mark.parametrize("row", LABELLED, ids=[f"{row['source']}-{i + 1}" for i, row in enumerate(LABELLED)])
def test_each_labelled_answer_gets_its_label(row: dict[str, Any]) -> None:
    assert _grade(row) is Grade(row["label"]), row


def test_the_labelled_set_holds_every_example_answer_of_the_simple_evals_template() -> None:
    # The template's example answers are the lines "Predicted answer N: ..." and the quoted answers of its notes.
    examples = set(re.findall(r"Predicted answer \d: (.+)", SIMPLEQA_GRADER_TEMPLATE))
    examples |= {"120k", "124k", "115k", "100k", "113k", "around 100k", "more than 50k", "Season 7, Episode 20"}
    examples |= {"White Wedding", "San Francisco", "Outstanding Paper", "1.75", "Michelle", "Hyoong Won Choong"}
    examples |= {"Hyungwon Chung", "Hyun Won Chung"}
    labelled = {row["predicted"] for row in LABELLED if row["source"] == "template"}
    assert examples <= labelled
    assert len(examples) == 30


def test_agreement_and_correct_precision_on_the_whole_set() -> None:
    records = [{"reference": row["label"], "grade": str(_grade(row))} for row in LABELLED]
    summary = agreement_summary(records)
    assert summary["n"] == len(LABELLED) >= 290
    assert summary["agreement"] == 1.0
    assert summary["correct_precision"] == 1.0


@pytest.mark.parametrize(
    ("question", "gold", "predicted", "grade"),
    [
        # numbers are compared as numbers: no trailing-zero tolerance for a plain integer
        ("How many titles?", "10", "5", Grade.INCORRECT),
        ("How many people attended?", "2000", "1500", Grade.INCORRECT),
        ("How many people attended?", "2000", "2,000 people attended.", Grade.CORRECT),
        # the number that answers the question, not any number in the answer
        ("How many goals did he score?", "12", "He scored 8 goals in 12 matches.", Grade.INCORRECT),
        ("How many matches did he play?", "12", "He scored 8 goals in 12 matches.", Grade.CORRECT),
        ("What was the population in 2010?", "1,142", "In 2010 the population was 1,142.", Grade.CORRECT),
        ("In which season?", "Season 3", "Season 4, episode 3", Grade.INCORRECT),
        ("In which season?", "Season 3", "It was in season 3.", Grade.CORRECT),
        ("What was the score?", "3-1", "3-2", Grade.INCORRECT),
        ("What was the score?", "3-1", "They won 3–1.", Grade.CORRECT),
        ("In what year?", "1757", "It was founded in 1757 or 1758.", Grade.INCORRECT),
        # a scaled gold to its last significant figure; a decimal gold within two units of its last place
        (CITATIONS, "120k", "115k", Grade.CORRECT),
        (CITATIONS, "120k", "125k", Grade.INCORRECT),
        ("What is the height of Jason Wei in meters?", "1.73 m", "1.75", Grade.CORRECT),
        ("What is the height of Jason Wei in meters?", "1.73 m", "1.8", Grade.INCORRECT),
        (CITATIONS, "120k", "around 100k", Grade.NOT_ATTEMPTED),
        # negations, candidate lists and a gold named and then replaced are INCORRECT
        ("What is the capital of France?", "Paris", "Not Paris", Grade.INCORRECT),
        ("What is the capital of France?", "Paris", "It is Lyon, not Paris.", Grade.INCORRECT),
        ("Who painted it?", "Leonardo da Vinci", "Michelangelo, Raphael, or Leonardo da Vinci", Grade.INCORRECT),
        (
            "Which genus has more species, Bactris and Epigaea?",
            "Bactris",
            "Bactris and Epigaea have 15 species.",
            Grade.INCORRECT,
        ),
        (
            "Which genus has more species, Bactris and Epigaea?",
            "Bactris",
            "Bactris has more species than Epigaea.",
            Grade.CORRECT,
        ),
        ("Which city?", "Paris", "The result mentions Paris, but the answer is Amsterdam.", Grade.INCORRECT),
        (
            "Who won?",
            "Michio Sugeno",
            "Michio Sugeno won in 2008, but the 2010 award went to Lotfi Zadeh.",
            Grade.INCORRECT,
        ),
        # refusals count only when the answer is a refusal; a hedged correct answer stays CORRECT
        ("What is the capital of France?", "Paris", "Lyon. Further details are not available.", Grade.INCORRECT),
        ("In what year?", "1995", "1996. I'm not sure.", Grade.INCORRECT),
        ("In what year?", "1995", "1995, but I'm not sure.", Grade.CORRECT),
        ("In what year?", "1995", "I'm not sure. The results do not say.", Grade.NOT_ATTEMPTED),
        (OBAMA, "Malia and Sasha", "", Grade.NOT_ATTEMPTED),
        # what the question gives, and a place's state or country, may be left out; small typos are forgiven
        ("What city is OpenAI headquartered in?", "San Francisco, California", "San Francisco", Grade.CORRECT),
        ("What is the name of Barack Obama's wife?", "Michelle Obama", "Michelle", Grade.CORRECT),
        ("Who?", "Jóhanna Sigurðardóttir", "Johanna Sigurdardottir", Grade.CORRECT),
        ("Who?", "Hyung Won Chung", "Hyoong Won Choong", Grade.CORRECT),
        ("Who won in 2005?", "Sarah Keller", "Sarah", Grade.INCORRECT),
    ],
)
def test_rules_follow_the_template(question: str, gold: str, predicted: str, grade: Grade) -> None:
    assert grade_offline(question, gold, predicted)[0] is grade


async def test_the_offline_grader_labels_itself_approximate_everywhere() -> None:
    grader = OfflineGrader()
    outcome = await grader.grade("Who?", "Michio Sugeno", "The 2010 award went to Michio Sugeno.", answer_type="Person")
    assert outcome.grade is Grade.CORRECT
    assert outcome.raw.startswith("offline (approximate)")
    assert grader.identity["approximate"] is True


def test_every_gold_answer_of_the_dataset_is_accepted_as_its_own_answer(shared_data: Path) -> None:
    # A sanity check only (a grader that rejects the gold itself is broken); the labelled set tests real answers.
    data = load_dataset(shared_data / "simpleqa" / "simple_qa_test_set.csv")
    for question in select_questions(data.questions, limit=1000, seed=0):
        grade, reason = grade_offline(
            question.problem, question.answer, question.answer, answer_type=question.answer_type
        )
        assert grade is Grade.CORRECT, (question.index, question.answer, reason)


@pytest.mark.parametrize(
    ("question", "gold", "predicted", "grade"),
    [
        ("When was it?", "23 July 1951", "23 July 1951 or 23 April 2021", Grade.INCORRECT),
        ("When was it?", "August 2020", "August 2020 or August 2002", Grade.INCORRECT),
        ("When was it?", "27 August", "27 August or 2009", Grade.INCORRECT),
        ("In what year?", "2002", "It was not 2002.", Grade.INCORRECT),
        ("How many?", "120,000", "Some sources say 120,000, but it was actually 22.", Grade.INCORRECT),
        ("Which city?", "Milan", "Milan or The Nigeen lake", Grade.INCORRECT),
        ("Which instrument?", "Violin", "Republican Party, Byturus tomentosus, or Violin", Grade.INCORRECT),
        ("Which album?", "Instant Calm", "It is either Menace Ball or Instant Calm.", Grade.INCORRECT),
        ("How many goals?", "2", "On 2 May 2000 he scored 3 goals.", Grade.INCORRECT),
        ("Who?", "Dr. Elizabeth Dennis", "It was not Dr. Elizabeth Dennis.", Grade.INCORRECT),
        ("Who became CEO in 2010?", "John Smith", "Jane Doe succeeded John Smith as CEO in 2010.", Grade.INCORRECT),
        ("Who won the final?", "Rafael Nadal", "Rafael Nadal was defeated by Roger Federer.", Grade.INCORRECT),
        ("Who did Jane Doe succeed?", "John Smith", "Jane Doe succeeded John Smith in 2010.", Grade.CORRECT),
        # ...while the gold with its sources, a hedge, or a list that is the gold itself stays CORRECT
        ("How many?", "13", "**13**\n\nSources: https://en.wikipedia.org/wiki/Example", Grade.CORRECT),
        ("Who?", "Matt and Marcus", "Matt and Marcus. However, some sources differ.", Grade.CORRECT),
        (
            "How many children?",
            "two sons and three daughters",
            "Based on the results, two sons and three daughters.",
            Grade.CORRECT,
        ),
        (
            "What is the DOI?",
            "https://doi.org/10.1515/cllt-2017-0057",
            "https://doi.org/10.1515/cllt-2017-0057",
            Grade.CORRECT,
        ),
    ],
)
def test_a_number_date_or_name_given_beside_another_candidate_is_not_correct(
    question: str, gold: str, predicted: str, grade: Grade
) -> None:
    assert grade_offline(question, gold, predicted)[0] is grade


WRONG_STYLES = ("{other}, not {gold}.", "{gold} or {other}", "It is either {other} or {gold}.", "It was not {gold}.")
RIGHT_STYLES = ("{gold}, according to the search results.", "{gold}. However, some sources differ.",
                "It was {gold}, but I'm not completely sure.", "**{gold}**\n\nSources: https://example.org/x")  # fmt: skip


def test_real_golds_beside_another_question_s_gold_are_rarely_correct_and_alone_almost_always(
    shared_data: Path,
) -> None:
    # Every SimpleQA gold, dressed as a hedge, a negation or a candidate list with another question's gold of
    # the same answer type; the rules let few through (measured 0-1.8% per style over all 4,326 golds).
    data = load_dataset(shared_data / "simpleqa" / "simple_qa_test_set.csv")
    questions = select_questions(data.questions, limit=1000, seed=1)
    others = select_questions(data.questions, limit=1000, seed=2)
    for style in WRONG_STYLES:
        passed = sum(
            grade_offline(q.problem, q.answer, style.format(gold=q.answer.strip(" ."), other=o.answer.strip(" .")))[0]
            is Grade.CORRECT
            for q, o in zip(questions, others, strict=True)
            if q.answer.strip().lower() != o.answer.strip().lower()
        )
        assert passed <= 30, style
    for style in RIGHT_STYLES:
        correct = sum(
            grade_offline(q.problem, q.answer, style.format(gold=q.answer.strip(" .")))[0] is Grade.CORRECT
            for q in questions
        )
        assert correct >= 995, style
