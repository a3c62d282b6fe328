"""Choices between two named alternatives by time or count: reading the question, the replies, the decision."""

from __future__ import annotations

import pytest

from agent.comparison import Comparison, decide, explained_answer, parse_comparison, read_value
from eval.qa.answers import short_answer

# HotpotQA dev questions (the distractor sample in ../shared/data), as they are written: odd spacing included.
PARSED = [
    ("Which band formed first, Awolnation or Foo Fighters?", ("Awolnation", "Foo Fighters"), "time", False,
     "When was {} formed?"),
    ("who is younger Keith Bostic or Jerry Glanville ?", ("Keith Bostic", "Jerry Glanville"), "time", True,
     "When was {} born?"),
    ("Who died first, George Archainbaud or Ralph Murphy?", ("George Archainbaud", "Ralph Murphy"), "time", False,
     "When did {} die?"),
    ("Which case came first, Craig v. Boren or United States v. Paramount Pictures, Inc.?",
     ("Craig v. Boren", "United States v. Paramount Pictures"), "time", False, "When was {} decided?"),
    ("Which of these battles occurred earlier--the Battle of Peleliu or the Battle of Belleau Wood?",
     ("Battle of Peleliu", "Battle of Belleau Wood"), "time", False, "When did {} take place?"),
    ("Which magazine is older, Gallery or Dime Magazine?", ("Gallery", "Dime Magazine"), "time", False,
     "When was {} founded?"),
    ("Which film was released more recently, Make Mine Music or Old Dogs?", ("Make Mine Music", "Old Dogs"), "time",
     True, "When was {} released?"),
    ("Which film came out first, Still Kicking: Six Artistic Women of Project Arts & Longevity or Time Bombs?",
     ("Still Kicking: Six Artistic Women of Project Arts & Longevity", "Time Bombs"), "time", False,
     "When was {} released?"),
    ("Who was born first Mahbub ul Haq or Ibn Arabi?", ("Mahbub ul Haq", "Ibn Arabi"), "time", False,
     "When was {} born?"),
    ("Which genus has more species, Xanthoceras or Ehretia?", ("Xanthoceras", "Ehretia"), "count", True,
     "How many species does {} have?"),
    ("Which band has more members Band of Skulls or Live ?", ("Band of Skulls", "Live"), "count", True,
     "How many members does {} have?"),
    ("Who currently has more store locations? Bearno's or Patxi's Chicago Pizza?",
     ("Bearno's", "Patxi's Chicago Pizza"), "count", True, "How many store locations does {} have?"),
    ("Which has the larger population, Shanghai or Hanggin Rear Banner?", ("Shanghai", "Hanggin Rear Banner"),
     "count", True, "What is the population of {}?"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "alternatives", "measure", "larger_wins", "template"), PARSED)
def test_a_choice_by_time_or_count_is_read_with_its_alternatives_and_sub_question(
    question: str, alternatives: tuple[str, str], measure: str, larger_wins: bool, template: str
) -> None:
    assert parse_comparison(question) == Comparison(alternatives, measure, larger_wins, template)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "question",
    [
        "Who painted A Sunday Afternoon on the Island of La Grande Jatte?",  # no alternatives
        "Which is more acclaimed, Parsifal or Manon?",  # a measure that is neither time nor count
        "Which tower is taller, 712 Fifth Avenue or Manhattan Life Insurance Building?",
        "Was the first Russian composer to write an opera Glinka or Dargomyzhsky?",  # "the first" is no time
        "Is Lit or Adorable or Live the oldest band?",  # more than two alternatives
        "Which is older, Lit or Lit?",  # no choice at all
        "Which is older, Lit or Adorable?",  # older, but of what: no event and no kind of thing
    ],
)
def test_any_other_question_is_no_comparison(question: str) -> None:
    assert parse_comparison(question) is None


def test_a_time_reply_gives_its_one_year() -> None:
    assert read_value("Foo Fighters were formed in Seattle in 1994.", "time") == 1994
    assert read_value("2005", "time") == 2005
    assert read_value("Formed in 1994, split in 1994.", "time") == 1994  # the same year twice is one year


@pytest.mark.parametrize("reply", ["In the 1990s.", "Between 1994 and 1997.", "I could not find it.", ""])
def test_a_time_reply_with_no_year_or_two_years_settles_nothing(reply: str) -> None:
    assert read_value(reply, "time") is None


def test_a_count_reply_gives_its_one_number() -> None:
    assert read_value("Ehretia has about 66 species.", "count") == 66
    assert read_value("There are 1,200 species.", "count") == 1200
    assert read_value("24.9 million", "count") == 24_900_000
    assert read_value("The band has four members.", "count") == 4
    assert read_value("Salvia has 986 species as of 2020.", "count") == 986  # the year beside it is no count


def test_a_population_reply_keeps_a_year_like_number() -> None:
    assert read_value("Its population is 1999 people.", "count") == 1999


@pytest.mark.parametrize("reply", ["Several species.", "Between 4 and 6 members.", ""])
def test_a_count_reply_with_no_number_or_two_numbers_settles_nothing(reply: str) -> None:
    assert read_value(reply, "count") is None


def test_the_decision_follows_the_measures_direction() -> None:
    formed_first = parse_comparison("Which band formed first, Awolnation or Foo Fighters?")
    more_species = parse_comparison("Which genus has more species, Xanthoceras or Ehretia?")
    younger = parse_comparison("who is younger Keith Bostic or Jerry Glanville ?")
    assert formed_first is not None and more_species is not None and younger is not None
    assert decide(formed_first, (2009, 1994)) == "Foo Fighters"
    assert decide(more_species, (1, 66)) == "Ehretia"
    assert decide(younger, (1961, 1941)) == "Keith Bostic"


def test_a_missing_or_equal_value_leaves_the_choice_undecided() -> None:
    formed_first = parse_comparison("Which band formed first, Awolnation or Foo Fighters?")
    assert formed_first is not None
    assert decide(formed_first, (None, 1994)) is None
    assert decide(formed_first, (1994, None)) is None
    assert decide(formed_first, (1994, 1994)) is None


def test_the_explained_answer_is_scored_by_its_answer_line_whatever_the_replies_hold() -> None:
    formed_first = parse_comparison("Which band formed first, Awolnation or Foo Fighters?")
    assert formed_first is not None
    answer = explained_answer(formed_first, ("2009\n", "Answer: 1994"), "Foo Fighters")
    assert answer.splitlines() == [
        "Answer: Foo Fighters",
        "When was Awolnation formed? 2009",
        "When was Foo Fighters formed? Answer: 1994",
    ]
    assert short_answer(answer) == "Foo Fighters"
