from __future__ import annotations

import pytest

from eval.qa.answers import best_scores, drop_restated_question, exact_match, normalize_answer, short_answer, token_f1


def test_normalisation_is_squads_lower_case_no_punctuation_no_articles_single_spaces() -> None:
    assert normalize_answer("The  Denver Broncos!") == "denver broncos"
    assert normalize_answer("an Apple, a pear & THE plum.") == "apple pear plum"
    assert normalize_answer("Levi's Stadium") == "levis stadium"
    # Articles only as whole words: "theatre" and "anagram" keep their letters.
    assert normalize_answer("Theatre anagram") == "theatre anagram"


@pytest.mark.parametrize(
    ("prediction", "gold", "f1"),
    [
        ("the Carolina Panthers", "Carolina Panthers", 1.0),
        ("Denver Broncos defeated", "Denver Broncos", 0.8),  # precision 2/3, recall 1
        ("Santa Clara, California", "Levi's Stadium in Santa Clara", 0.5),  # precision 2/3, recall 2/5
        ("Carolina", "Denver Broncos", 0.0),
        ("", "Denver Broncos", 0.0),
    ],
)
def test_token_f1_matches_the_official_squad_script(prediction: str, gold: str, f1: float) -> None:
    assert token_f1(prediction, gold) == pytest.approx(f1)


def test_hotpotqa_gives_no_partial_credit_on_yes_no_answers() -> None:
    assert token_f1("no he was not", "no") == pytest.approx(0.4)  # SQuAD: one token of four
    assert token_f1("no he was not", "no", yes_no_strict=True) == 0.0
    assert token_f1("Yes.", "yes", yes_no_strict=True) == 1.0


def test_scores_are_the_best_over_all_gold_answers() -> None:
    assert exact_match("Broncos", "The Broncos")
    assert best_scores("Broncos", ["Denver Broncos", "The Broncos"]) == (True, 1.0)
    em, f1 = best_scores("the Denver team", ["Denver Broncos", "Broncos"])
    assert not em and f1 == pytest.approx(0.5)  # "denver team" vs "denver broncos": 1 of 2 each way
    assert best_scores("anything", []) == (False, 0.0)


@pytest.mark.parametrize(
    ("reply", "short"),
    [
        ("Answer: **Fredville**.\nSources: doc", "Fredville"),
        ("Final answer:\nParis\n\nSources:\n- https://en.wikipedia.org/wiki/Paris", "Paris"),
        ("The capital is Fredville (doc: hotpotqa-0123abcd4567).", "The capital is Fredville"),
        ("- Georges Seurat [1]", "Georges Seurat"),
        ('"1884"', "1884"),
        ("Seurat painted it, see https://example.org/seurat", "Seurat painted it, see"),
        ("   ", ""),
        ("The answer is: 1. Henry J. Kaiser\n\nKaiser Steel was founded by Henry J. Kaiser.", "Henry J. Kaiser"),
        ("Foo Fighters\n\nThe answer is: Foo Fighters", "Foo Fighters"),
        ("The answer is Sport &amp; Leisure Swifts F.C.", "Sport & Leisure Swifts F.C"),
        ("Answers vary by source.", "Answers vary by source"),
        ('Yes, both "Cooking Light" and "Vibe" magazines are published', "Yes"),
        ("**No.** They were formed in different cities.", "No"),
        ("Yes - both are flowering plants", "Yes"),
        ("No. 5 Squadron", "No. 5 Squadron"),
        ("No-one knows", "No-one knows"),
        ("Yesterday, at noon", "Yesterday, at noon"),
        # A reply that writes the deciding facts first (a reasoning reader turn): its answer line counts.
        ("Fact 1: Jim Lindberg is American.\nFact 2: Alison Moyet is British.\nAnswer: No, they are not.", "No"),
        (
            "It is Logan International Airport, the largest in New England. Answer: Logan International Airport",
            "Logan International Airport",
        ),
        ("Answer: Paris\n\nThe answer is: Paris is the capital of France", "Paris"),
        ("No, the answer is not only in Michigan. The answer is not only in Michigan.", "No"),
        ("The answer key: none given", "The answer key: none given"),
        ("1. George Harrison wrote it.\nTherefore, the answer is George Harrison.", "George Harrison"),
        ("Liman was born in 1965. So the answer is: Doug Liman", "Doug Liman"),
    ],
)
def test_the_short_form_drops_leads_citations_sources_and_decoration(reply: str, short: str) -> None:
    assert short_answer(reply) == short


@pytest.mark.parametrize(
    ("short", "question", "answer"),
    [
        (
            "The main flavor of both soft drinks, Solo and Sunkist, is orange",
            "What is the main flavor of both soft drinks, Solo and Sunkist?",
            "orange",
        ),
        ("The second largest republic in the Soviet Union was Russia", "Which was the second largest republic in the Soviet Union?", "Russia"),
        # The answer comes first: the words before the copula are not the question's.
        ("Stephen Christian is the lead singer", "Who is the lead singer of Anberlin?", "Stephen Christian is the lead singer"),
        ("It is Paris", "What is the capital of France?", "It is Paris"),  # too short a head to be a restatement
        ("Georges Seurat", "Who painted it?", "Georges Seurat"),
    ],
)  # fmt: skip
def test_a_restated_question_before_the_answer_is_cut_away(short: str, question: str, answer: str) -> None:
    assert drop_restated_question(short, question) == answer
