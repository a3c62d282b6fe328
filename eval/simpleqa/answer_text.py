"""Reading a free-text answer for the offline grader: tokens with their positions, numbers, dates, refusals.

Everything here keeps character offsets into the (accent-folded) answer, because the grader's rules look at
what surrounds a match: "not" before it, "or Houston" after it, the noun a number counts ("8 goals").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

STOPWORDS = {"a", "an", "the", "and", "of", "in", "on", "at", "to", "for", "or", "by", "is", "was", "de"}
# Titles a gold may carry that an answer may drop ("Annabel Birley" for "Lady Annabel Birley").
TITLES = {"lady", "sir", "dame", "lord", "dr", "mr", "mrs", "ms", "prof", "professor", "saint", "st"}
REFUSALS = (
    "i don't know",
    "i do not know",
    "don't know",
    "not sure",
    "cannot find",
    "can't find",
    "could not find",
    "couldn't find",
    "unable to",
    "no information",
    "not provide",
    "does not mention",
    "do not mention",
    "not mentioned",
    "doesn't mention",
    "don't mention",
    "does not say",
    "do not say",
    "doesn't say",
    "don't say",
    "does not specify",
    "do not specify",
    "not specified",
    "cannot answer",
    "can't answer",
    "cannot determine",
    "can't determine",
    "could not determine",
    "cannot confirm",
    "can't confirm",
    "could not confirm",
    "need more context",
    "not available",
    "no answer",
    "not enough information",
    "insufficient information",
    "i'm sorry",
    "i am sorry",
    "without researching",
    "does not contain",
    "do not contain",
    "doesn't contain",
    "don't contain",
    "no relevant",
    "no results",
    "could not be found",
    "is unknown",
    "are unknown",
    "remains unknown",
    "not known",
    "not publicly",
    "not clear",
    "unclear",
    "no record",
)
# Words that commit to a guess: a refusal followed by one of them still states an answer.
GUESSES = re.compile(
    r"\b(i think|i believe|probably|possibly|likely|might be|may be|could be|perhaps|my best guess|it is possible"
    r"|it's possible)\b"
)
APPROXIMATE = {"about", "around", "approximately", "roughly", "nearly", "almost", "circa", "ca", "some", "estimated"}
BOUNDS = {"over", "under", "more", "less", "least", "most", "fewer", "above", "below", "exceeding", "up"}
NEGATIONS = {"not", "no", "never", "neither", "nor", "except", "excluding", "instead", "rather", "than"}
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_UNITS = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
_UNITS += " seventeen eighteen nineteen twenty"
NUMBER_WORDS = {word: index for index, word in enumerate(_UNITS.split())}
NUMBER_WORDS.update({"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90})
NUMBER_WORDS.update({"hundred": 100, "dozen": 12})
_ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth"
_ORDINALS += " fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth"
ORDINAL_WORDS = {word: index for index, word in enumerate(_ORDINALS.split(), start=1)}
SCALES = {"k": 3, "thousand": 3, "million": 6, "mn": 6, "bn": 9, "billion": 9, "trillion": 12}

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:st|nd|rd|th)?|[^\W\d_]+(?:['’][^\W\d_]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[\"'(]?[A-Z0-9])|\n+")
_FINAL_MARKER = re.compile(r"\b(?:final answer|answer)\s*(?:is\b|:)\s*:?\s*", re.I)


def fold(text: str) -> str:
    """Strip accents while keeping every character's position (one output character per input character)."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)
        kept = "".join(c for c in base if not unicodedata.combining(c))
        out.append(kept[:1] if kept else ch)
    return "".join(out).replace("’", "'").replace("–", "-").replace("—", "-")


def clean_answer(text: str) -> str:
    """Drop reasoning blocks and markdown emphasis; keep the words."""
    text = re.sub(r"<think>.*?</think>", " ", text, flags=re.S | re.I)
    text = re.sub(r"[*_`#]+", "", text)
    # a trailing list of sources is not part of the answer
    without = re.sub(r"\n\s*(?:sources?|references?)\s*:.*\Z", "", text, flags=re.S | re.I)
    without = re.sub(r"(?m)^\s*(?:[-•]\s*)?(?:\[\d+\]\s*)?https?://\S+\s*$", "", without)
    text = without if without.strip() else text  # an answer that is a URL stays
    return fold(
        " ".join(text.split()) if "\n" not in text else "\n".join(" ".join(p.split()) for p in text.split("\n"))
    )


def final_answer_tail(text: str) -> str:
    """The text after the last "the answer is" / "Answer:" when that is not the whole answer; else the text."""
    matches = list(_FINAL_MARKER.finditer(text))
    if not matches:
        return text
    tail = text[matches[-1].end() :].strip()
    return tail if len(re.findall(r"\w+", tail)) >= 1 else text


@dataclass(frozen=True)
class Token:
    norm: str  # lowercase, possessive dropped
    text: str  # as written
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    found = []
    for match in _TOKEN.finditer(text):
        raw = match.group(0)
        norm = re.sub(r"'s$", "", raw.lower())
        found.append(Token(norm, raw, match.start(), match.end()))
    return found


def content_words(text: str) -> set[str]:
    return {token.norm for token in tokens(fold(text)) if token.norm not in STOPWORDS}


def sentences(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


# The same refusals in the forms an agent words them ("the results do not give the date", "was not found").
_REFUSAL_FORMS = re.compile(
    r"\b(?:do|does|did)(?:n't| not) (?:give|say|state|mention|specify|provide|contain|list|include|show|indicate)\b"
    r"|\b(?:is|are|was|were) not (?:given|stated|listed|mentioned|specified|found|known|available|provided)\b"
    r"|\b(?:could not|couldn't|cannot|can't|was unable to|am unable to) "
    r"(?:find|determine|confirm|verify|locate|identify|answer|tell)\b"
)


def has_refusal(text: str) -> bool:
    lowered = text.lower()
    return any(phrase in lowered for phrase in REFUSALS) or _REFUSAL_FORMS.search(lowered) is not None


def opens_with_refusal(text: str) -> bool:
    """The first sentence refuses ("I cannot find ...", "I'm not sure. ..."): the answer is a refusal at heart."""
    parts = sentences(text)
    return bool(parts) and has_refusal(parts[0])


def commits_to_a_guess(text: str) -> bool:
    return GUESSES.search(text.lower()) is not None


@dataclass(frozen=True)
class Number:
    value: Decimal
    start: int
    end: int
    scaled: bool = False  # written with k/million/...: its digits are its significant figures
    ordinal: bool = False
    approximate: bool = False  # "about 20,000"
    bound: bool = False  # "more than 50k", "over 20"
    word: bool = False  # "three"


_NUMERAL = re.compile(
    r"(?<![\w.])[$€£¥]?\s?(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)(st|nd|rd|th)?"
    r"(?:\s*(k|thousand|million|mn|billion|bn|trillion)\b)?",
    re.IGNORECASE,
)


def numbers(text: str) -> list[Number]:
    """Every number in a text (numerals, number and ordinal words), each with what qualifies it."""
    found: list[Number] = []
    lowered = text.lower()
    for match in _NUMERAL.finditer(text):
        try:
            value = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            continue
        scale = (match.group(3) or "").lower()
        if scale:
            value = value.scaleb(SCALES[scale])
        found.append(
            _qualified(lowered, match.start(), match.end(), value, scaled=bool(scale), ordinal=bool(match.group(2)))
        )
    for match in re.finditer(r"[a-z]+", lowered):
        word = match.group(0)
        if word in NUMBER_WORDS or word in ORDINAL_WORDS:
            if (
                word == "second"
                and len(lowered.split()) > 1
                and not re.match(r"\s+(place|round|season|episode|edition|time|largest)", lowered[match.end() :])
            ):
                continue  # "a second" is rarely the ordinal the answer gives
            value = Decimal(NUMBER_WORDS.get(word, ORDINAL_WORDS.get(word, 0)))
            found.append(
                _qualified(lowered, match.start(), match.end(), value, ordinal=word in ORDINAL_WORDS, word=True)
            )
    return sorted(found, key=lambda number: number.start)


def _qualified(lowered: str, start: int, end: int, value: Decimal, **flags: bool) -> Number:
    before = re.findall(r"[a-z]+", lowered[max(0, start - 24) : start])[-2:]
    approximate = any(word in APPROXIMATE for word in before)
    bound = any(word in BOUNDS for word in before) or bool(re.match(r"\s*\+|\s+or (more|fewer|less)", lowered[end:]))
    return Number(value, start, end, approximate=approximate, bound=bound, **flags)


@dataclass(frozen=True)
class DateMention:
    day: int | None
    month: int | None
    year: int | None
    start: int
    end: int


def date_mentions(text: str) -> list[DateMention]:
    """Dates written with a month name ("5 December 1985", "December 5, 1985", "July 2022"), in order.

    A month word counts only next to a number, so the modal "may" is not May.
    """
    found = []
    toks = tokens(text)
    for index, token in enumerate(toks):
        month = MONTHS.get(token.norm.rstrip("."))
        if month is None:
            continue
        # "5 December 1985", "December 5, 1985", "2 of January of 2019", "the 2nd of May 2001"
        near = [t for t in toks[max(0, index - 3) : index + 4] if t.norm not in {"of", "the"}]
        position = near.index(token)
        near = near[max(0, position - 1) : position + 3]
        # a date does not run over "or"/"and"/"to": "27 August or 2009" is a day and month, then a year
        for cut, t in enumerate(near):
            if t.norm in {"or", "and", "to", "until", "not"}:
                near = near[cut + 1 :] if cut < near.index(token) else near[:cut]
                break
        digits = [t for t in near if t.norm[:1].isdigit() and t is not token]
        if not digits:
            continue
        day = year = None
        end = max([token.end, *(t.end for t in digits)])
        for t in digits:
            value = int(re.sub(r"\D", "", re.sub(r"(st|nd|rd|th)$", "", t.norm)) or 0)
            if 1000 <= value <= 2100 and year is None and len(re.sub(r"(st|nd|rd|th)$", "", t.norm)) == 4:
                year = value
            elif 1 <= value <= 31 and day is None and t.start < token.start + 40:
                day = value
        found.append(DateMention(day, month, year, min([token.start, *(t.start for t in digits)]), end))
    return found


def years(text: str) -> list[tuple[int, int]]:
    """Four-digit years (1000-2100) with their offsets."""
    return [(int(m.group(1)), m.start()) for m in re.finditer(r"(?<![\d,.])(1\d{3}|20\d{2}|2100)(?!\d|,\d|\.\d)", text)]
