"""Choices between two named things by a measure ("Which band formed first, X or Y?"), decided by code.

Small readers choose between two alternatives about as well as a coin: the 1.5B Qwen's one prompt over the
top five hits got 8 of HotpotQA-100's 17 such questions right, and asked for the deciding facts first it did
worse (README, "bench qa"). What they do well is single-hop extraction. So the loop asks one plain question per
alternative ("When was X formed?"), each over a search of its own, reads a year or a number from each reply,
and compares the two by code. This module holds the parts without I/O: reading a question as such a choice, the
sub-questions, the values in the replies, and the decision.

Two measures are read: **time** (first, earlier, older, younger, more recently, ...: a year each) and
**count** (more species, most studio albums, a larger population, ...: a number each). A question of any
other measure ("more acclaimed", "taller"), or with anything unclear, is no ``Comparison`` and goes to the
reader as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Measure = Literal["time", "count"]

# "first" as a time measure: "born first", "came out first"; not "the first Russian composer to ...".
_FIRST = re.compile(r"(?<!\bthe )\bfirst\b", re.IGNORECASE)
_EARLIER = re.compile(r"\b(?:earlier|earliest|older|oldest|sooner)\b", re.IGNORECASE)
_LATER = re.compile(r"\b(?:younger|youngest|newer|newest|later|latest|more recently|most recently)\b", re.IGNORECASE)
# A count: "more species", "the most studio albums", "more Grand Slam women's doubles titles", "fewer members".
# The counted thing is a plural noun (its last word ends in "s"), so "more acclaimed" and "more often" are not.
_COUNT = re.compile(
    r"\b(?P<dir>more|most|fewer|fewest|less|least)\s+(?P<noun>(?:[\w'’-]+\s+){0,4}?[\w'’-]*[a-z]s)\b"
    r"(?=\s*(?:[,?:]|$|\bthan\b|\bor\b|\s[A-Z\"]))",
)
_POPULATION = re.compile(r"\b(?P<dir>larger|bigger|greater|higher|smaller|lower)\s+population\b", re.IGNORECASE)
_MAX_WORDS = frozenset({"more", "most", "larger", "bigger", "greater", "higher"})
# Words that say a choice is about people, whose "older" and "younger" are birth dates.
_PEOPLE = frozenset({
    "who", "person", "musician", "player", "director", "writer", "author", "actor", "actress", "singer",
    "playwright", "novelist", "composer", "filmmaker", "astronaut", "poet", "artist", "politician", "footballer",
    "athlete", "painter", "scientist", "rapper", "guitarist", "drummer", "producer", "model", "comedian",
})  # fmt: skip
# The participle a time question names, as its sub-question asks it ("Which band formed first" -> formed).
_EVENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bdie[sd]?\b", re.IGNORECASE), "When did {} die?"),
    (re.compile(r"\bborn\b", re.IGNORECASE), "When was {} born?"),
    (re.compile(r"\bformed\b|\bform\b", re.IGNORECASE), "When was {} formed?"),
    (re.compile(r"\bfounded\b|\bestablished\b", re.IGNORECASE), "When was {} founded?"),
    (re.compile(r"\bpublished\b", re.IGNORECASE), "When was {} first published?"),
    (re.compile(r"\bdecided\b", re.IGNORECASE), "When was {} decided?"),
    (re.compile(r"\bfought\b|\boccurred\b|\btook place\b|\bhappened\b", re.IGNORECASE), "When did {} take place?"),
    (re.compile(r"\breleased\b|\bcame out\b|\bcame to market\b|\bcreated\b|\bproduced?\b", re.IGNORECASE),
     "When was {} released?"),
    (re.compile(r"\bbegan\b|\bopened\b|\bstarted\b", re.IGNORECASE), "When did {} begin?"),
)  # fmt: skip
# By the kind of thing chosen between, when the question names no event ("Which magazine is older, ...").
_EVENT_BY_NOUN: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"band", "group"}), "When was {} formed?"),
    (frozenset({"film", "movie", "documentary", "album", "song", "game", "single"}), "When was {} released?"),
    (frozenset({"magazine", "publication", "newspaper", "company", "university", "school", "club"}),
     "When was {} founded?"),
    (frozenset({"battle", "war", "invasion", "siege"}), "When did {} take place?"),
    (frozenset({"case"}), "When was {} decided?"),
)  # fmt: skip
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)
# Where the first alternative begins when no comma or colon sets it off: the run of capitalised words (with
# the small words of names, "Band of Skulls", "Craig v. Boren") before " or ".
_NAME_WORD = re.compile(r"^(?:[A-Z0-9\"'“‘(][^\s]*|of|and|the|de|v\.|von|van|y|&|la|le|du|del|da|ul|al|ibn|bin|el)$")
# A year, not a decade ("the 1990s" settles no "first").
_YEAR = re.compile(r"(?<!\d)(1\d{3}|20\d{2})(?!\d|'?s\b)")
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\d,]*\d)")
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


@dataclass(frozen=True)
class Comparison:
    """A choice between two named alternatives by a measure the loop can read and compare."""

    alternatives: tuple[str, str]
    measure: Measure
    # True: the larger value wins (more, younger: the later year); False: the smaller (first, older, fewer).
    larger_wins: bool
    # The sub-question for one alternative, with "{}" where its name goes.
    template: str

    def sub_question(self, alternative: str) -> str:
        return self.template.format(alternative)


def parse_comparison(question: str) -> Comparison | None:
    """``question`` read as a choice between two named alternatives by time or count; None if it is not one.

    >>> parse_comparison("Which band formed first, Awolnation or Foo Fighters?").sub_question("Awolnation")
    'When was Awolnation formed?'
    """
    text = " ".join(question.split())
    alternatives = _alternatives(text)
    if alternatives is None:
        return None
    # The measure is read from the question without its alternatives ("The Young Ones" holds no measure).
    rest = text
    for alternative in alternatives:
        rest = rest.replace(alternative, " ")
    measured = _time_measure(rest) or _count_measure(rest)
    if measured is None:
        return None
    measure, larger_wins, template = measured
    return Comparison(alternatives, measure, larger_wins, template)


def _alternatives(text: str) -> tuple[str, str] | None:
    """The two names around the question's one " or ", as the question writes them."""
    parts = _OR.split(text.rstrip(" ?"))
    if len(parts) != 2:
        return None
    before, after = parts
    # The second ends at a comma, colon or question mark ("..., Gimme Shelter, the 1970 documentary?").
    second = re.split(r"[,?:]|\s+-{2}\s*", after, maxsplit=1)[0].strip()
    # The first starts after a comma, colon, "--" or question mark, else at the run of name-like words before " or ".
    # A comma wins over a colon: "Which film came out first, Still Kicking: Six Artistic Women ... or ...".
    marks = [m.end() for m in re.finditer(r",", before)] or [m.end() for m in re.finditer(r"[:?]|-{2}", before)]
    if marks:
        first = before[marks[-1] :].strip()
    else:
        words = before.split()
        start = len(words)
        while start > 0 and _NAME_WORD.match(words[start - 1]):
            start -= 1
        # A name opens with a capital: "of" or "and" at the start of the run belongs to the question.
        while start < len(words) and words[start][0].islower():
            start += 1
        first = " ".join(words[start:])
    return named_pair(first, second)


def named_pair(first: str, second: str) -> tuple[str, str] | None:
    """Two names as a question writes them, cleaned (``_clean``); None when one is empty, both are the same, or
    one is too long to be a name (more than 12 words)."""
    first, second = _clean(first), _clean(second)
    if not first or not second or first.casefold() == second.casefold():
        return None
    if len(first.split()) > 12 or len(second.split()) > 12:
        return None
    return first, second


def _clean(name: str) -> str:
    """A name without its quotes and a lowercase leading article ("the Seven Days Battles")."""
    name = name.strip().strip("\"'“”‘’").strip()
    return re.sub(r"^(?:the|a|an)\s+", "", name)


def _time_measure(rest: str) -> tuple[Measure, bool, str] | None:
    later = bool(_LATER.search(rest))
    earlier = bool(_EARLIER.search(rest) or _FIRST.search(rest))
    if later == earlier:
        return None
    words = {word.lower() for word in re.findall(r"[A-Za-z]+", rest)}
    template = next((t for pattern, t in _EVENTS if pattern.search(rest)), None)
    if template is None and re.search(r"\b(?:older|oldest|younger|youngest)\b", rest, re.IGNORECASE):
        template = "When was {} born?" if words & _PEOPLE else None
    if template is None:
        template = next((t for nouns, t in _EVENT_BY_NOUN if words & nouns), None)
    if template is None:
        return None
    return "time", later, template


def _count_measure(rest: str) -> tuple[Measure, bool, str] | None:
    population = _POPULATION.search(rest)
    if population:
        return "count", population["dir"].lower() in _MAX_WORDS, "What is the population of {}?"
    found = list(_COUNT.finditer(rest))
    if len(found) != 1:
        return None
    noun = found[0]["noun"].strip()
    if noun.lower().split()[0] in {"than", "or", "and", "often", "frequently"}:
        return None
    return "count", found[0]["dir"].lower() in _MAX_WORDS, f"How many {noun} does {{}} have?"


def read_value(reply: str, measure: Measure) -> float | None:
    """The year (time) or the number (count) a sub-question's reply gives; None when it gives none or several
    different ones (the reply did not settle it)."""
    if measure == "time":
        years = {int(year) for year in _YEAR.findall(reply)}
        return float(years.pop()) if len(years) == 1 else None
    values = set()
    for match in _NUMBER.finditer(reply):
        if _YEAR.fullmatch(match.group(1)) and "population" not in reply.lower():
            # A year beside a count ("77 species as of 2020") is no count; a lone year-like count is kept below.
            continue
        value = float(match.group(1).replace(",", ""))
        scale = re.match(r"\s*(thousand|million|billion)\b", reply[match.end() :], re.IGNORECASE)
        values.add(value * _SCALE[scale.group(1).lower()] if scale else value)
    if not values:
        values = {float(_NUMBER_WORDS[w]) for w in re.findall(r"[a-z]+", reply.lower()) if w in _NUMBER_WORDS}
    return values.pop() if len(values) == 1 else None


def decide(comparison: Comparison, values: tuple[float | None, float | None]) -> str | None:
    """The winning alternative, or None when a value is missing or the two are equal."""
    first, second = values
    if first is None or second is None or first == second:
        return None
    first_wins = (first > second) == comparison.larger_wins
    return comparison.alternatives[0 if first_wins else 1]


def explained_answer(comparison: Comparison, replies: tuple[str, str], winner: str) -> str:
    """The reply the user sees for a decided choice (``explained``)."""
    return explained(winner, [comparison.sub_question(name) for name in comparison.alternatives], replies)


def explained(answer: str, sub_questions: list[str], replies: tuple[str, str]) -> str:
    """The reply the user sees for a question decided from sub-questions: the "Answer:" line that is scored, then
    each sub-question with its reply.

    The answer comes first because a short form reads the first "Answer:" lead, and a sub-reply may carry its own.
    """
    lines = [f"{question} {' '.join(reply.split())}" for question, reply in zip(sub_questions, replies, strict=True)]
    return "\n".join([f"Answer: {answer}", *lines])
