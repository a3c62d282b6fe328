"""A deterministic grader for machines with no grader model: APPROXIMATE, and labelled so in every output.

It follows the template's rules where string matching can: names compared after normalisation (case, accents,
punctuation, articles, possessives), words the question already gives may be omitted, small typos in long
names forgiven; numbers compared to the gold's last significant figure (or SimpleQA Verified's "acceptable
range"); dates by the parts the gold gives; hedges and refusals are NOT_ATTEMPTED. It cannot see
contradictions ("Malia, Sasha, and Susan" is CORRECT here, INCORRECT for a model grader), so its numbers are
a rough guide, not SimpleQA scores.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from difflib import SequenceMatcher
from typing import Any

from eval.simpleqa.grading import Grade, GradeOutcome

OFFLINE_GRADER_NAME = "offline-approximate-v1"

_STOPWORDS = {"a", "an", "the", "and", "of", "in", "on", "at", "to", "for", "or", "by", "is", "was", "de"}
_REFUSALS = (
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
    "not mentioned",
    "doesn't mention",
    "cannot answer",
    "can't answer",
    "cannot determine",
    "can't determine",
    "need more context",
    "not available",
    "no answer",
    "unknown",
    "i'm sorry",
    "i am sorry",
)
_APPROXIMATE = re.compile(
    r"\b(about|around|approximately|roughly|nearly|almost|over|under|more than|less than|at least|at most|"
    r"some|circa|ca\.|estimated)\s+\S*\d"
)
_MONTHS = {
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
_NUMBER_WORDS = {
    word: index
    for index, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
# No bare "m"/"b": "1.73 m" is metres far more often than millions.
_SCALES = {"k": 3, "thousand": 3, "million": 6, "bn": 9, "billion": 9, "trillion": 12}
_NUMBER = re.compile(
    r"(?<![\w.])(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)(?:\s*(k|thousand|million|billion|bn|trillion)\b)?",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\(acceptable range: anything between (.+?) and (.+?)\)", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})\b")
_DAY = re.compile(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b")


def normalise(text: str) -> str:
    """Lowercase, strip accents, possessives and punctuation, collapse spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"['’]s\b", "", text)
    text = re.sub(r"[^\w\s.]", " ", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # keep decimal points, drop sentence dots
    return " ".join(text.split())


def _tokens(text: str) -> list[str]:
    return [token for token in normalise(text).split() if token not in _STOPWORDS]


def _token_present(token: str, predicted: set[str]) -> bool:
    if token in predicted:
        return True
    # A typo in a long name is forgiven ("Hyungwon" for "Hyung Won" is out of reach; "Chung"/"Chang" is not).
    return len(token) >= 5 and any(
        len(other) >= 4 and SequenceMatcher(None, token, other).ratio() >= 0.8 for other in predicted
    )


def _numbers(text: str) -> list[Decimal]:
    values: list[Decimal] = []
    for match in _NUMBER.finditer(text):
        try:
            value = Decimal(match.group(1).replace(",", ""))
        except InvalidOperation:
            continue
        scale = (match.group(2) or "").lower()
        values.append(value.scaleb(_SCALES[scale]) if scale else value)
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _NUMBER_WORDS:
            values.append(Decimal(_NUMBER_WORDS[word]))
    return values


def _gold_quantum(gold_number: str) -> Decimal:
    """The place of the gold's last significant figure: "1.73" -> 0.01, "120k" -> 10k, "3" -> 1."""
    match = _NUMBER.search(gold_number)
    if match is None:
        return Decimal(1)
    digits = match.group(1).replace(",", "").lstrip("-")
    scale = _SCALES.get((match.group(2) or "").lower(), 0)
    if "." in digits:
        exponent = -len(digits.split(".")[1])
    else:
        exponent = len(digits) - len(digits.rstrip("0")) if digits.strip("0") else 0
    return Decimal(1).scaleb(exponent + scale)


def _date_parts(text: str) -> tuple[int | None, int | None, int | None]:
    """(day, month, year) found in a text; a part is None when absent."""
    norm = normalise(text)
    month = next((_MONTHS[word] for word in norm.split() if word in _MONTHS), None)
    year_match = _YEAR.search(norm)
    year = int(year_match.group(1)) if year_match else None
    day = None
    if month is not None:
        without_year = _YEAR.sub(" ", norm)
        day_match = _DAY.search(without_year)
        day = int(day_match.group(1)) if day_match and 1 <= int(day_match.group(1)) <= 31 else None
    return day, month, year


def _gold_alternatives(gold: str) -> list[str]:
    """The gold itself, without parentheticals, each side of a colon, and "(or X)" alternatives."""
    alternatives = [gold]
    bare = re.sub(r"\([^)]*\)", " ", gold).strip()
    if bare and bare != gold:
        alternatives.append(bare)
    alternatives += [alt.strip() for alt in re.findall(r"\((?:or|also|aka|a\.k\.a\.)\s+([^)]+)\)", gold, re.I)]
    if ":" in bare:
        alternatives += [part.strip() for part in bare.split(":") if part.strip()]
    return alternatives


class OfflineGrader:
    """Rule-based grading; deterministic and approximate (see the module docstring)."""

    @property
    def identity(self) -> dict[str, Any]:
        return {"kind": "offline", "spec": "offline", "name": OFFLINE_GRADER_NAME, "approximate": True}

    async def grade(self, question: str, target: str, predicted: str, *, answer_type: str = "") -> GradeOutcome:
        grade, reason = grade_offline(question, target, predicted, answer_type=answer_type)
        return GradeOutcome(grade=grade, raw=f"offline (approximate): {reason}")

    async def aclose(self) -> None:
        return None


def _is_refusal(predicted: str) -> bool:
    lowered = predicted.lower().replace("’", "'")
    return not lowered.strip() or any(phrase in lowered for phrase in _REFUSALS)


def _grade_number(question: str, gold: str, predicted: str) -> tuple[Grade, str] | None:
    gold_numbers = _numbers(_RANGE.sub("", gold))
    if not gold_numbers:
        return None
    question_numbers = set(_numbers(question))
    candidates = [n for n in _numbers(predicted) if n not in question_numbers or n in gold_numbers]
    if range_match := _RANGE.search(gold):
        low, high = _numbers(range_match.group(1)), _numbers(range_match.group(2))
        if low and high:
            if any(low[0] <= n <= high[0] for n in candidates):
                return Grade.CORRECT, "number within the acceptable range"
            if _APPROXIMATE.search(predicted.lower()) or not candidates:
                return None
            return Grade.INCORRECT, "number outside the acceptable range"
    target = gold_numbers[0]
    quantum = _gold_quantum(gold)
    rounded_target = target.quantize(quantum, rounding=ROUND_HALF_UP) if quantum < 1 else target
    for number in candidates:
        if quantum < 1:
            if number.quantize(quantum, rounding=ROUND_HALF_UP) == rounded_target:
                return Grade.CORRECT, f"number matches to {quantum:f}"
        elif (number / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum == target:
            return Grade.CORRECT, f"number matches to the nearest {quantum:f}"
    if not candidates or _APPROXIMATE.search(predicted.lower()):
        return None  # no number, or only a vague one: let the text rules and hedges decide
    return Grade.INCORRECT, "number differs from the gold"


def _grade_date(gold: str, predicted: str) -> tuple[Grade, str] | None:
    gold_day, gold_month, gold_year = _date_parts(gold)
    if gold_month is None and gold_year is None:
        return None
    day, month, year = _date_parts(predicted)
    if month is None and year is None:
        return None
    wanted = [(gold_day, day), (gold_month, month), (gold_year, year)]
    if all(got == want for want, got in wanted if want is not None):
        return Grade.CORRECT, "date matches"
    return Grade.INCORRECT, "date differs from the gold"


def _text_matches(question: str, gold: str, predicted: str) -> bool:
    predicted_tokens = set(_tokens(predicted))
    question_tokens = set(_tokens(question))
    for alternative in _gold_alternatives(gold):
        gold_tokens = _tokens(alternative)
        if not gold_tokens:
            continue
        # Words the question already states may be omitted ("Michelle" for "Michelle Obama" when the question
        # names Obama); but at least one gold word must be there.
        needed = [t for t in gold_tokens if t not in question_tokens] or gold_tokens
        if all(_token_present(token, predicted_tokens) for token in needed):
            return True
    return False


def grade_offline(question: str, target: str, predicted: str, *, answer_type: str = "") -> tuple[Grade, str]:
    """Grade one answer by rules; returns the grade and a short reason."""
    predicted = predicted.strip()
    if not predicted:
        return Grade.NOT_ATTEMPTED, "empty answer"
    kind = answer_type.casefold()
    if kind == "date" or (kind in {"", "unknown"} and _date_parts(target)[1] is not None):
        decided = _grade_date(target, predicted)
        if decided is not None and decided[0] is Grade.CORRECT:
            return decided
        if decided is not None and not _is_refusal(predicted):
            return decided
    elif kind in {"number", "", "unknown", "other"} and _numbers(_RANGE.sub("", target)):
        decided = _grade_number(question, target, predicted)
        if decided is not None and (decided[0] is Grade.CORRECT or not _is_refusal(predicted)):
            return decided
        if decided is None and _APPROXIMATE.search(predicted.lower()):
            return Grade.NOT_ATTEMPTED, "only an approximate number"
    if _text_matches(question, target, predicted):
        return Grade.CORRECT, "gold words present"
    if _is_refusal(predicted):
        return Grade.NOT_ATTEMPTED, "hedge or refusal"
    return Grade.INCORRECT, "gold words missing"
