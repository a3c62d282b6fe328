"""Reading "do X and Y share an attribute?" questions, and deciding them from the two sub-replies."""

from __future__ import annotations

import pytest

from agent.comparison import explained
from agent.sameness import (
    Sameness,
    decide_same,
    differ_plainly,
    has_values,
    judge_request,
    parse_sameness,
    read_judgment,
)


@pytest.mark.parametrize(
    ("question", "things", "measure", "sub_question"),
    [
        # Real HotpotQA wordings (dev distractor sample).
        ("Were Thomas H. Ince and Joseph McGrath of the same nationality?", ("Thomas H. Ince", "Joseph McGrath"),
         "text", "What is the nationality of Thomas H. Ince?"),
        ("Are Jim Lindberg and Alison Moyet singers of the same nationality?", ("Jim Lindberg", "Alison Moyet"),
         "text", "What is the nationality of Jim Lindberg?"),
        ("Are Mauritz Stiller and Johannes Grenzfurthner both of the same nationality?",
         ("Mauritz Stiller", "Johannes Grenzfurthner"), "text", "What is the nationality of Mauritz Stiller?"),
        ("Are both Dafeng District and Dazhou located in the same province?", ("Dafeng District", "Dazhou"),
         "text", "In which province is Dafeng District located?"),
        ("Were Goo Goo Dolls and Echosmith formed in the same city?", ("Goo Goo Dolls", "Echosmith"), "text",
         "In which city was Goo Goo Dolls formed?"),
        ("Are the flowering plants Ecballium and Elatostema in the same family?", ("Ecballium", "Elatostema"),
         "text", "What family is Ecballium in?"),
        ("are the documentaries Out of Place and The Mosuo Sisters by the same director ?",
         ("Out of Place", "The Mosuo Sisters"), "text", "Who directed Out of Place?"),
        ("Were the documentaries  One Big Hapa Family and A Film Unfinished directed by the same person?",
         ("One Big Hapa Family", "A Film Unfinished"), "text", "Who directed One Big Hapa Family?"),
        ("Were Halldór Laxness and Timothy Leary from the same country?", ("Halldór Laxness", "Timothy Leary"),
         "text", "What country was Halldór Laxness from?"),
        ("Do the operas Vanessa and Le roi malgré lui contain that same number of acts?",
         ("Vanessa", "Le roi malgré lui"), "count", "How many acts does Vanessa have?"),
        ("Were The Bomb and Rolling Papers released in the same year?", ("The Bomb", "Rolling Papers"), "time",
         "When was The Bomb released?"),
        ("Are Parents and Madame Figaro published in the same country?", ("Parents", "Madame Figaro"), "text",
         "In which country is Parents published?"),
        # Wordings the sample does not hold: a bare verb after "did", a participle with its own preposition.
        ("Did Pele and Garrincha play for the same team?", ("Pele", "Garrincha"), "text",
         "What team did Pele play for?"),
        ("Did Lennon and McCartney attend the same school?", ("Lennon", "McCartney"), "text",
         "What school did Lennon attend?"),
        ("Were The Beatles and The Who signed to the same label?", ("The Beatles", "The Who"), "text",
         "To which label was The Beatles signed?"),
        ("Were Abbey Road and Let It Be recorded at the same studio?", ("Abbey Road", "Let It Be"), "text",
         "At which studio was Abbey Road recorded?"),
        ("Do Tom Hanks and Meg Ryan share the same nationality?", ("Tom Hanks", "Meg Ryan"), "text",
         "What is the nationality of Tom Hanks?"),
        ("Were Bach and Handel born in the same year?", ("Bach", "Handel"), "time", "When was Bach born?"),
    ],
)  # fmt: skip
def test_questions_on_a_shared_attribute_are_read(
    question: str, things: tuple[str, str], measure: str, sub_question: str
) -> None:
    sameness = parse_sameness(question)
    assert sameness is not None
    assert (sameness.things, sameness.measure, sameness.sub_question(things[0])) == (things, measure, sub_question)


@pytest.mark.parametrize(
    "question",
    [
        "Are Daryl Hall and Gerry Marsden both musicians?",  # "both P": no attribute to share
        "Which band formed first, Awolnation or Foo Fighters?",
        "What profession does H. L. Mencken and Albert Camus have in common?",
        "The Polar Bears featuring the voice of Armie Hammer, is also the same voice actor for which character?",
        "Is Paris the same as London?",
        "Were Simon and Garfunkel and Art Tatum of the same nationality?",  # two "and"s: which are the things?
    ],
)
def test_other_questions_are_no_sameness(question: str) -> None:
    assert parse_sameness(question) is None


NATIONALITY = parse_sameness("Were Thomas H. Ince and Joseph McGrath of the same nationality?")
YEAR = parse_sameness("Were The Bomb and Rolling Papers released in the same year?")
ACTS = parse_sameness("Do the operas Vanessa and Le roi malgré lui contain that same number of acts?")
CITY = parse_sameness("Were Goo Goo Dolls and Echosmith formed in the same city?")
PROVINCE = parse_sameness("Are both Dafeng District and Dazhou located in the same province?")


def known(sameness: Sameness | None) -> Sameness:
    assert sameness is not None
    return sameness


@pytest.mark.parametrize(
    ("sameness", "replies", "verdict"),
    [
        (YEAR, ("It was released in 2010.", "2010"), "yes"),
        (YEAR, ("2009", "2010"), "no"),
        (YEAR, ("In the 2000s.", "2010"), None),  # a decade is no year
        (ACTS, ("three", "3 acts"), "yes"),
        (ACTS, ("four", "3 acts"), "no"),
        (NATIONALITY, ("American", "American."), "yes"),
        (NATIONALITY, ("The United States", "United States of America"), "yes"),  # one inside the other
        (NATIONALITY, ("American", "Scottish"), None),  # two wordings: code cannot tell
        (CITY, ("Buffalo, New York", "Echosmith"), None),  # the second only repeats its name
        (PROVINCE, ("Jiangsu", "Jiangsu Province"), "yes"),
        (PROVINCE, ("Jiangsu province", "Sichuan Province"), None),  # "province" is no part of the value
    ],
)
def test_code_decides_what_the_words_or_numbers_settle(
    sameness: Sameness | None, replies: tuple[str, str], verdict: str | None
) -> None:
    assert decide_same(known(sameness), replies) == verdict


@pytest.mark.parametrize(
    ("replies", "plain"),
    [
        (("American", "Scottish"), True),
        (("Buffalo, New York", "Los Angeles"), True),
        (("Swedish", "Sweden"), False),  # one stem: maybe one name
        (("American", "North American"), False),  # a shared word
        (("American", "Joseph McGrath"), False),  # only its name: no value
    ],
)
def test_replies_differ_plainly_only_without_a_shared_word_or_stem(replies: tuple[str, str], plain: bool) -> None:
    assert differ_plainly(known(NATIONALITY), replies) is plain


def test_the_attributes_own_words_are_no_shared_value() -> None:
    assert differ_plainly(known(PROVINCE), ("Jiangsu province", "Sichuan Province"))
    assert has_values(known(PROVINCE), ("Jiangsu province", "Sichuan"))
    assert not has_values(known(PROVINCE), ("Jiangsu province", "Province"))
    assert not has_values(known(PROVINCE), ("Dafeng District", "Sichuan"))  # only its own name


def test_the_judging_turn_names_both_facts_and_the_attribute() -> None:
    request = judge_request(known(NATIONALITY), ("American", " United\nStates "))
    assert request == 'Is "American" the same nationality as "United States"? Reply with yes or no only.'
    assert [read_judgment(reply) for reply in ("Yes.", " no", "**No**", "Maybe", "Not sure")] == [
        "yes", "no", "no", None, None
    ]  # fmt: skip


def test_the_reply_is_the_verdict_then_each_sub_question_with_its_reply() -> None:
    sameness = known(NATIONALITY)
    sub_questions = [sameness.sub_question(thing) for thing in sameness.things]
    assert explained("no", sub_questions, ("American", "Scottish\n")).splitlines() == [
        "Answer: no",
        "What is the nationality of Thomas H. Ince? American",
        "What is the nationality of Joseph McGrath? Scottish",
    ]
