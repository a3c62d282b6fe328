"""The offline grader's rules for golds that are numbers, number pairs ("3-1", "1979 to 1989") and dates.

The number compared is the one that answers the question, not any number in the answer: numbers the question
already states are set aside, then the number counting the question's noun ("How many goals" -> "8 goals"),
then one of the gold's form (an ordinal for "128th"), then the one sharing a clause with the question's words.
A plain integer gold is exact ("10" is not "5"; "2000" is not "1500"); a gold written with a scale ("120k") is
matched to its last significant figure, as the template's 120k example says; a decimal gold allows two units
in its last place within 1.5% (the template counts "1.75" CORRECT for "1.73 m"); "around"/"more than" numbers
that miss are NOT_ATTEMPTED.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from eval.simpleqa.answer_text import (
    NUMBER_WORDS,
    ORDINAL_WORDS,
    SCALES,
    Number,
    content_words,
    date_mentions,
    numbers,
    years,
)
from eval.simpleqa.grading import Grade

# A grade, its reason, and for CORRECT where in the answer the matching number or date is (the grader then
# checks that the answer commits to it: not negated, not one of several candidates).
Span = tuple[int, int]
Decision = tuple[Grade, str, Span | None] | None

_RANGE = re.compile(r"\(acceptable range: anything between (.+?) and (.+?)\)", re.IGNORECASE)
_PURE_NUMBER = re.compile(
    r"^(?:about |approximately |around )?[$€£¥]?\s?(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)(st|nd|rd|th)?"
    r"\s*(k|thousand|million|mn|billion|bn|trillion)?\b\s*([^\W\d][^\d]{0,30}|%|°\s?[CF]?)?$",
    re.IGNORECASE,
)
_PAIR = re.compile(r"(\d[\d,.]*)\s*(?:-|to|and|until|through)\s*(\d[\d,.]*)", re.IGNORECASE)
_LABELLED = re.compile(r"^([^\W\d]+)\.?\s+(\d+)$")
_ALTERNATIVE_AFTER = re.compile(r"\s*(?:,\s*)?(?:or|to|-)\s*(?:perhaps\s+|possibly\s+|maybe\s+)?\d")


@dataclass(frozen=True)
class GoldNumber:
    value: Decimal
    text: str  # the numeral as the gold writes it
    scaled: bool
    ordinal: bool
    mantissa: Decimal  # the value before its scale word ("19.1" of "19.1 billion")
    unit: str = ""  # what follows the number in the gold ("acres" of "10 acres")


def parse_gold_number(gold: str) -> GoldNumber | None:
    """The gold as one number with an optional unit ("1.73 m", "120,000 euros", "128th", "Two."), else None."""
    text = gold.strip().rstrip(".").strip()
    word = text.lower()
    if word in NUMBER_WORDS:
        value = Decimal(NUMBER_WORDS[word])
        return GoldNumber(value, str(value), False, False, value)
    first, _, rest = word.partition(" ")
    if first in NUMBER_WORDS and rest and len(rest.split()) <= 3 and not re.search(r"\d", rest):
        value = Decimal(NUMBER_WORDS[first])  # "two medals"
        return GoldNumber(value, str(value), False, False, value, rest)
    if word in ORDINAL_WORDS:
        value = Decimal(ORDINAL_WORDS[word])
        return GoldNumber(value, str(value), False, True, value)
    match = _PURE_NUMBER.match(text)
    if match is None:
        return None
    mantissa = Decimal(match.group(1).replace(",", ""))
    scale = (match.group(3) or "").lower()
    value = mantissa.scaleb(SCALES[scale]) if scale else mantissa
    unit = (match.group(4) or "").strip()
    return GoldNumber(value, match.group(1).replace(",", ""), bool(scale), bool(match.group(2)), mantissa, unit)


def _matches(gold: GoldNumber, number: Decimal, *, question: str) -> bool:
    if gold.scaled:
        digits = gold.text.lstrip("-")
        places = -len(digits.split(".")[1]) if "." in digits else len(digits) - len(digits.rstrip("0"))
        quantum = Decimal(1).scaleb(places) * (gold.value / gold.mantissa if gold.mantissa else 1)
        if abs(number - gold.value) * 2 < quantum or number - gold.value == quantum / 2 * -1:
            return True
        # "19.1" for "19.1 billion" when the question asks "in billion US dollars".
        return any(word in question.lower() for word in SCALES if len(word) > 2) and number == gold.mantissa
    if "." in gold.text:
        unit = Decimal(1).scaleb(-len(gold.text.split(".")[1]))
        return abs(number - gold.value) <= 2 * unit and abs(number - gold.value) <= abs(gold.value) * Decimal("0.015")
    return number == gold.value


_AUXILIARIES = {"did", "does", "do", "was", "were", "is", "are", "have", "has", "had", "will", "can", "would"}


def _unit_nouns(question: str, gold: GoldNumber) -> list[str]:
    """Stems of the words a count in the answer should be followed by: "How many bronze medals" -> [bron, meda];
    a gold's own unit ("10 acres") counts too. Only for "how many": after "how much" come units of measure."""
    stems = [word[:4] for word in re.findall(r"[a-z]+", gold.unit.lower())[:1]]
    match = re.search(r"\bhow many\s+((?:[\w.]+\s+){0,2}[\w.]+)", question.lower())
    if match is None:
        return stems
    for word in match.group(1).replace(".", "").split():
        if word in _AUXILIARIES:
            break
        if len(word) >= 3:
            stems.append(word[:4])
    return stems


# Where one clause ends: a comma, "and", "but", or a full stop that ends a sentence (not the one in "Ph.D. in").
_CLAUSE_BREAK = re.compile(r"[,;]|\band\b|\bbut\b|\.\s+(?=[A-Z])|\.$")
_LIFE_EVENTS = re.compile(r"\b(born|birth|died|death)\b", re.IGNORECASE)


def _clause_of(text: str, position: int) -> str:
    start, end = 0, len(text)
    for match in _CLAUSE_BREAK.finditer(text):
        if match.end() <= position:
            start = match.end()
        elif match.start() >= position:
            end = match.start()
            break
    return text[start:end]


def answer_number(question: str, gold: GoldNumber, answer: str) -> Number | None:
    """The number in the answer that answers the question (see the module docstring), or None."""
    question_values = {number.value for number in numbers(question)}
    # the day of a date is not a count ("2 May 2000", "On 12 May he scored 3")
    dates = [(m.start, m.end) for m in date_mentions(answer)]
    candidates = [
        n
        for n in numbers(answer)
        if (n.value not in question_values or n.value == gold.value)
        and not any(start <= n.start < end for start, end in dates)
    ]
    if not 1000 <= gold.value <= 2100:
        candidates = [n for n in candidates if not _looks_like_year(answer, n)]
    if not candidates:
        return None
    nouns = _unit_nouns(question, gold)
    if nouns:

        def noun_rank(number: Number) -> int:
            after = re.split(r"[\d,.;:()]", answer[number.end : number.end + 40].lower(), maxsplit=1)[0]
            following = re.findall(r"[a-z]+", after)[:3]
            ranks = [nouns.index(w[:4]) for w in following if w[:4] in nouns]
            return min(ranks) if ranks else len(nouns)

        best = min(noun_rank(n) for n in candidates)
        if best < len(nouns):
            candidates = [n for n in candidates if noun_rank(n) == best]
        elif re.search(r"\bhow many\b", question.lower()):
            # None counts what was asked; one that counts something else ("won 3 games" for "how many losses")
            # is not the answer.
            candidates = [n for n in candidates if not _counts_another_noun(answer, n)]
            if not candidates:
                return None
    if gold.ordinal and any(n.ordinal for n in candidates):
        candidates = [n for n in candidates if n.ordinal]
    if len(candidates) > 1:
        asked = content_words(question)

        def overlap(number: Number) -> int:
            return _overlap(_clause_of(answer, number.start), asked)

        top = max(overlap(n) for n in candidates)
        candidates = [n for n in candidates if overlap(n) == top]
    return candidates[0]


def _overlap(clause: str, asked: set[str]) -> int:
    """How many of the question's words (by their first four letters: "earned" is "earn") a clause holds; a
    clause about a birth or death the question does not ask about counts against ("born in 1930 and ...")."""
    stems = {word[:4] for word in asked if not word[:1].isdigit()}
    life_event = _LIFE_EVENTS.search(clause) is not None and not any(
        w[:4] in {"born", "birt", "died", "deat"} for w in asked
    )
    return len({word[:4] for word in content_words(clause)} & stems) - (10 if life_event else 0)


_NOT_COUNTED = {"and", "or", "in", "on", "at", "of", "to", "for", "by", "from", "with", "as", "is", "was", "the", "a"}


def _counts_another_noun(answer: str, number: Number) -> bool:
    following = re.match(r"[ \t]+([a-z]+)", answer[number.end :].lower())
    return following is not None and following.group(1) not in _NOT_COUNTED and following.group(1) not in NUMBER_WORDS


def _looks_like_year(text: str, number: Number) -> bool:
    raw = text[number.start : number.end]
    return not number.word and 1000 <= number.value <= 2100 and "," not in raw and "." not in raw


def grade_number(question: str, gold_text: str, answer: str) -> Decision:
    """CORRECT/INCORRECT/NOT_ATTEMPTED for a numeric gold, or None when the answer gives no number."""
    if range_match := _RANGE.search(gold_text):
        return _grade_range(question, gold_text, range_match, answer)
    gold = parse_gold_number(gold_text)
    if gold is None:
        return None
    number = answer_number(question, gold, answer)
    if number is None:
        return None
    if _ALTERNATIVE_AFTER.match(answer[number.end :]) and not _matches(gold, number.value, question=question):
        return Grade.INCORRECT, "the number given is not the gold's", None
    if _ALTERNATIVE_AFTER.match(answer[number.end :]):
        return Grade.INCORRECT, "several candidate numbers", None
    if number.bound:
        return Grade.NOT_ATTEMPTED, "only a bound on the number", None
    if _matches(gold, number.value, question=question):
        return Grade.CORRECT, "the number matches the gold", (number.start, number.end)
    if number.approximate:
        return Grade.NOT_ATTEMPTED, "only an approximate number", None
    return Grade.INCORRECT, "the number differs from the gold", None


def _grade_range(question: str, gold_text: str, range_match: re.Match[str], answer: str) -> Decision:
    low, high = parse_gold_number(range_match.group(1)), parse_gold_number(range_match.group(2))
    centre = parse_gold_number(_RANGE.sub("", gold_text).strip())
    if low is None or high is None or centre is None:
        return None
    number = answer_number(question, centre, answer)
    if number is None:
        return None
    if number.bound:
        return Grade.NOT_ATTEMPTED, "only a bound on the number", None
    if low.value <= number.value <= high.value:
        return Grade.CORRECT, "the number is within the acceptable range", (number.start, number.end)
    if number.approximate:
        return Grade.NOT_ATTEMPTED, "only an approximate number", None
    return Grade.INCORRECT, "the number is outside the acceptable range", None


def gold_pair(gold: str) -> tuple[Decimal, Decimal] | None:
    """A score or a span the gold gives as two numbers: "3-1", "9-11", "1893 to 1895", "Between 1979 – 1989"."""
    text = re.sub(r"^(between|from)\s+", "", gold.strip().rstrip(".").replace("–", "-").replace("—", "-"), flags=re.I)
    match = re.fullmatch(r"(\d[\d,]*)\s*(?:-|to)\s*(\d[\d,]*)(?:\s*[^\W\d]{1,12})?", text, re.IGNORECASE)
    if match is None:
        return None
    return Decimal(match.group(1).replace(",", "")), Decimal(match.group(2).replace(",", ""))


def grade_pair(question: str, pair: tuple[Decimal, Decimal], answer: str) -> Decision:
    question_pairs = {_pair_values(m) for m in _PAIR.finditer(question)}
    matches = [m for m in _PAIR.finditer(answer) if _pair_values(m) not in question_pairs or _pair_values(m) == pair]
    given = [_pair_values(m) for m in matches]
    if pair in given:
        found = matches[given.index(pair)]
        return Grade.CORRECT, "the pair of numbers matches the gold", (found.start(), found.end())
    if given or numbers(answer):
        return Grade.INCORRECT, "the numbers differ from the gold's", None
    return None


def _pair_values(match: re.Match[str]) -> tuple[Decimal, Decimal]:
    return Decimal(match.group(1).replace(",", "").rstrip(".")), Decimal(match.group(2).replace(",", "").rstrip("."))


def labelled_number(gold: str) -> tuple[str, Decimal] | None:
    """A gold that is a label and a number ("Season 3", "Episode 12"): the label and the number."""
    match = _LABELLED.match(gold.strip().rstrip("."))
    return (match.group(1).lower(), Decimal(match.group(2))) if match else None


def grade_labelled(label: str, value: Decimal, answer: str) -> Decision:
    found = list(re.finditer(rf"\b{re.escape(label)}\.?\s+(\d+)\b", answer, re.IGNORECASE))
    if found:
        if Decimal(found[0].group(1)) == value:
            return Grade.CORRECT, f"{label} {value} as in the gold", (found[0].start(), found[0].end())
        return Grade.INCORRECT, f"a different {label}", None
    return None


def gold_date(gold: str) -> tuple[int | None, int | None, int | None] | None:
    """(day, month, year) of a gold written with a month name, else None."""
    mentions = date_mentions(gold)
    if not mentions:
        return None
    first = mentions[0]
    return first.day, first.month, first.year


def grade_date(question: str, gold: tuple[int | None, int | None, int | None], answer: str) -> Decision:
    """Compare the parts the gold gives with the answer's first date (the question's own dates set aside)."""
    asked = {(m.day, m.month, m.year) for m in date_mentions(question)}
    mentions = [m for m in date_mentions(answer) if (m.day, m.month, m.year) not in asked]
    gold_day, gold_month, gold_year = gold
    if not mentions:
        given_years = [year for year, _ in years(answer) if year not in {y for y, _ in years(question)}]
        if gold_year is not None and given_years:
            if given_years[0] != gold_year:
                return Grade.INCORRECT, "the year differs from the gold's", None
            return Grade.NOT_ATTEMPTED, "the year only; the gold gives more", None
        return None
    mention = mentions[0]
    pairs = [(gold_day, mention.day), (gold_month, mention.month), (gold_year, mention.year)]
    if any(want is not None and got is not None and want != got for want, got in pairs):
        return Grade.INCORRECT, "the date differs from the gold's", None
    if any(want is not None and got is None for want, got in pairs):
        return Grade.NOT_ATTEMPTED, "part of the date is missing; nothing contradicts it", None
    return Grade.CORRECT, "the date matches", (mention.start, mention.end)


def is_year_gold(gold: str, question: str, answer_type: str) -> bool:
    text = gold.strip().rstrip(".")
    asks_when = re.search(r"\byears?\b|\bwhen\b", question.lower()) is not None
    return bool(re.fullmatch(r"1\d{3}|20\d{2}", text)) and (
        answer_type.casefold() == "date" or (answer_type == "" and asks_when)
    )


def grade_year(question: str, gold: str, answer: str) -> Decision:
    target = int(gold.strip().rstrip("."))
    asked = {year for year, _ in years(question)}
    given = [(year, at) for year, at in years(answer) if year not in asked or year == target]
    if not given:
        return None
    if len(given) > 1:
        words = content_words(question)
        scored = [(_overlap(_clause_of(answer, at), words), -index) for index, (_, at) in enumerate(given)]
        given = [given[-max(scored)[1]]]
    year, at = given[0]
    after = answer[at + 4 :]
    if _ALTERNATIVE_AFTER.match(after):
        return Grade.INCORRECT, "several candidate years", None
    lowered = answer[max(0, at - 24) : at].lower()
    if year == target:
        return Grade.CORRECT, "the year matches", (at, at + 4)
    if re.search(r"\b(around|about|circa|approximately|roughly|before|after|early|late|mid)\W*$", lowered):
        return Grade.NOT_ATTEMPTED, "only an approximate year", None
    return Grade.INCORRECT, "the year differs from the gold", None
