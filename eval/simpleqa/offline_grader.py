"""A deterministic grader for machines with no grader model: APPROXIMATE, and labelled so in every output.

It applies the simple-evals template's rules where string rules can, and when unsure it does not say CORRECT:
- names: every gold word present, near each other (case, accents, punctuation, articles, titles and the words
  the question gives may differ; typos in long names are forgiven); "San Francisco" is enough for
  "San Francisco, California"; a gold "Season 7, Episode 20: White Wedding" is met by either side of its colon;
- a gold that is negated ("Not Paris"), listed with other candidates ("Michelangelo, Raphael, or Leonardo da
  Vinci", "Bactris and Epigaea have 15 species"), or named and then replaced by another answer ("..., but the
  answer is Amsterdam") is INCORRECT;
- numbers, pairs such as "3-1" and dates: the number that answers the question (eval/simpleqa/offline_numbers.py);
- refusals are NOT_ATTEMPTED only when the answer is a refusal: "I'm not sure. ..." is, "Lyon. Further details
  are not available." is INCORRECT (it answers Lyon), a hedged correct answer stays CORRECT.
What it cannot see: a gold named in a relation to another answer ("Jane Doe succeeded John Smith" for gold
"John Smith" is CORRECT here), paraphrases and synonyms ("three daughters" for a count of children, a surname
alone for a full name are not CORRECT here), facts that contradict the gold without naming it. Its agreement
with hand labels is printed by ``janagent bench regrade --input eval/simpleqa/data/grader_labels.jsonl``; it
is still a rough guide, not a SimpleQA score.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from eval.simpleqa import offline_numbers as nums
from eval.simpleqa.answer_text import (
    MONTHS,
    NEGATIONS,
    NUMBER_WORDS,
    STOPWORDS,
    TITLES,
    Token,
    clean_answer,
    commits_to_a_guess,
    content_words,
    final_answer_tail,
    fold,
    has_refusal,
    opens_with_refusal,
    sentences,
    tokens,
)
from eval.simpleqa.grading import Grade, GradeOutcome

OFFLINE_GRADER_NAME = "offline-approximate-v2"

# A word that joins the gold to another candidate, and that other candidate (a name or a number).
_JOIN_AFTER = re.compile(
    r"^\s*(?:,\s*)?(and|or|&|and/or|as well as)\s+(?:also\s+|possibly\s+|perhaps\s+|maybe\s+)?(\S+)"
)
_LIST_AFTER = re.compile(r"^\s*,\s*(\S+)[^.;]*?,?\s+(and|or)\s")
_JOIN_BEFORE = re.compile(r"(\S+?)\s*,?\s+(and|or|&)\s+(?:possibly\s+|perhaps\s+|maybe\s+)?$|(\S+?)\s*,\s*$")
_CONTRAST = re.compile(r"\b(but|however|although|though|whereas|instead|actually|rather)\b", re.I)
_ALTERNATIVES = re.compile(r"(^|[.;]\s*)or\b|\beither\b|\bor (it|maybe|perhaps|possibly)\b", re.I)
_NOT_NAMES = {
    "i",
    "i'm",
    "i'd",
    "i've",
    "i'll",
    "it",
    "he",
    "she",
    "they",
    "we",
    "you",
    "this",
    "that",
    "these",
    "those",
    "there",
    "the",
    "a",
}
_FUNCTION_WORDS = _NOT_NAMES | {
    "then",
    "later",
    "also",
    "was",
    "were",
    "are",
    "had",
    "has",
    "have",
    "did",
    "does",
    "became",
    "worked",
    "lived",
    "died",
    "her",
    "his",
    "its",
    "their",
    "which",
    "who",
    "when",
    "where",
    "while",
    "after",
    "before",
    "not",
    "so",
    "she's",
    "he's",
    "it's",
    "one",
    "both",
    "all",
    "each",
    "other",
    "others",
    "more",
    "many",
    "several",
}
_COUNT = re.compile(r"\b(\d+|" + "|".join(NUMBER_WORDS) + r")\s+(children|daughters|sons|kids|people|members|names)\b")


def _split_items(gold: str) -> list[str]:
    """A gold list ("Malia and Sasha", "A, B and C") as its items; any other gold as one item."""
    if not re.search(r"\band\b|&", gold):
        return [gold]
    return [item for item in re.split(r"\s*(?:,\s*and\b|,|\band\b|&)\s*", gold) if item.strip()]


def _alternatives(gold: str) -> list[str]:
    """The gold, its "(or X)" alternatives, each side of a colon, and the head of "San Francisco, California"."""
    text = fold(gold.strip().rstrip("."))
    bare = re.sub(r"\([^)]*\)", " ", text).strip(" ,")
    found = [text] if not bare or bare == text else [bare]
    found += [alt.strip() for alt in re.findall(r"\((?:or|also|aka|a\.k\.a\.)\s+([^)]+)\)", text, re.I)]
    if ":" in bare:
        found += [part.strip() for part in bare.split(":") if part.strip()]
    parts = [part.strip() for part in bare.split(",")]
    # "City, State[, Country]": the head is the answer, the rest is inferred (the template's San Francisco).
    if 2 <= len(parts) <= 3 and not re.search(r"\d|\band\b|&", bare) and all(p[:1].isupper() for p in parts):
        found.append(parts[0])
    return [alt for alt in dict.fromkeys(found) if alt]


def _needed(item: str, question_words: set[str]) -> list[str]:
    words = [t.norm for t in tokens(item) if t.norm not in STOPWORDS]
    kept = [w for w in words if w not in question_words and w not in TITLES]
    return kept or [w for w in words if w not in TITLES] or words


def _same_word(want: str, got: str) -> bool:
    if want == got:
        return True
    if want[:1].isdigit() or got[:1].isdigit():
        return want.replace(",", "") == got.replace(",", "")
    # A typo, not another word: same first letter, nearly the same length ("Muliqi" for "Mulliqi", not
    # "Reilly" for "O'Reilly").
    if want[0] != got[0] or abs(len(want) - len(got)) > 2:
        return False
    return len(want) >= 5 and len(got) >= 4 and SequenceMatcher(None, want, got).ratio() >= 0.8


def _spans(needed: list[str], toks: list[Token], width: int) -> list[tuple[int, int]]:
    """Token spans of the answer, at most ``width`` tokens long, holding every needed word (in any order)."""
    found: list[tuple[int, int]] = []
    for start in range(len(toks)):
        if not any(_same_word(word, toks[start].norm) for word in needed):
            continue
        window = toks[start : start + width]
        last, missing = start, list(needed)
        for offset, token in enumerate(window):
            hit = next((word for word in missing if _same_word(word, token.norm)), None)
            if hit is not None:
                missing.remove(hit)
                last = start + offset
        if not missing and not any(s <= start <= e for s, e in found):
            found.append((start, last))
    if not found and len("".join(needed)) >= 8 and not any(w[:1].isdigit() for w in needed):
        found = _joined_spans(needed, toks)  # "Hyungwon Chung", "Hyoong Won Choong" for "Hyung Won Chung"
    return found


def _joined_spans(needed: list[str], toks: list[Token]) -> list[tuple[int, int]]:
    target = "".join(needed)
    for size in range(max(1, len(needed) - 1), len(needed) + 2):
        for start in range(len(toks) - size + 1):
            window = toks[start : start + size]
            joined = "".join(t.norm for t in window)
            shares = any(t.norm in needed or t.norm[:3] == w[:3] for t in window for w in needed)
            ratio = SequenceMatcher(None, target, joined).ratio()
            if shares and (ratio >= 0.8 or (ratio >= 0.7 and _consonants(target) == _consonants(joined))):
                return [(start, start + size - 1)]
    return []


def _consonants(word: str) -> str:
    """A name's consonants, for spellings that differ in vowels only ("Choong" and "Chung")."""
    return word[:1] + re.sub(r"[aeiouy]+", "", word[1:])


def _is_other_candidate(word: str, gold_words: set[str], *, common_noun: bool = False) -> bool:
    """A name or number that is not the gold's; with ``common_noun`` (a gold written in lower case in the
    answer, "a dressmaker and housekeeper"), also a lower-case word that is not a function word."""
    bare = re.sub(r"[^\w'-]", "", fold(word)).lower()
    bare = re.sub(r"'s$", "", bare)
    parts = [part for part in re.split(r"[-']", bare) if part]
    if not bare or bare in gold_words or bare in _NOT_NAMES or bare in STOPWORDS or all(p in gold_words for p in parts):
        return False
    if common_noun and bare.isalpha() and len(bare) >= 3 and bare not in _FUNCTION_WORDS:
        return True
    return word[:1].isupper() or word[:1].isdigit()


def _joined_kind(text: str, start: int, end: int, gold_words: set[str]) -> str | None:
    """ "or"/"and" when the gold at text[start:end] is listed with another candidate, else None."""
    after, before = text[end:], text[:start]
    common = text[start : start + 1].islower()
    if (m := _JOIN_AFTER.match(after)) and _is_other_candidate(m.group(2), gold_words, common_noun=common):
        return "or" if "or" in m.group(1) else "and"
    if (m := _LIST_AFTER.match(after)) and _is_other_candidate(m.group(1), gold_words, common_noun=common):
        return m.group(2)
    if (m := _JOIN_BEFORE.search(before)) is not None:
        word = m.group(1) or m.group(3)
        listed = m.group(2) is not None or _JOIN_AFTER.match(after) is not None
        if listed and _is_other_candidate(word, gold_words, common_noun=common):
            return "or" if m.group(2) == "or" else "and"
    return None


def _negated(text: str, toks: list[Token], start: int, end: int, question: str) -> bool:
    window = toks[max(0, start - 3) : start]
    negations = [t for t in window if t.norm in NEGATIONS or t.norm.endswith("n't")]
    if negations and not re.search(r"[,;.]", text[negations[-1].end : toks[start].start]):
        return True
    following = " ".join(t.norm for t in toks[end + 1 : end + 3])
    asks_negative = re.search(r"\b(not|never|n't)\b", question.lower()) is not None
    return (
        not asks_negative and re.match(r"(is|was|are|were) (not|incorrect|wrong)|(isn't|wasn't)", following) is not None
    )


def _replaced_later(text: str, end: int, gold_words: set[str], question_words: set[str]) -> bool:
    """After the gold's last mention, a "but"/"however" clause names another candidate ("but it was Lyon")."""
    for contrast in _CONTRAST.finditer(text, end):
        clause = re.split(r"[.;]", text[contrast.end() :], maxsplit=1)[0]
        for word in re.findall(r"\b[A-Z][\w'-]+", clause):
            lowered = word.lower()
            if lowered in MONTHS or lowered in question_words:
                continue
            if _is_other_candidate(word, gold_words):
                return True
    return False


def _grade_text(question: str, gold: str, answer: str) -> tuple[Grade, str] | None:
    """CORRECT when the gold is given and committed to, INCORRECT when it is negated or hedged; None if absent."""
    question_words = content_words(question)
    toks = tokens(answer)
    saw_gold = False
    for alternative in _alternatives(gold):
        gold_words = {t.norm for t in tokens(alternative)} | {t.norm for t in tokens(gold)}
        items = _split_items(alternative)
        spans_per_item = [_spans(_needed(item, question_words), toks, len(tokens(item)) + 2) for item in items]
        if not all(spans_per_item):
            continue
        saw_gold = True
        clean_items, hedged, last_end = 0, False, 0
        for spans in spans_per_item:
            clean = False
            for s, e in spans:
                start, end = toks[s].start, toks[e].end
                last_end = max(last_end, end)
                kind = _joined_kind(answer, start, end, gold_words)
                in_alternatives = _ALTERNATIVES.search(_sentence_at(answer, start)) is not None
                if kind == "or" or (kind and in_alternatives):
                    hedged = True
                if kind is None and not _negated(answer, toks, s, e, question):
                    clean = True
            clean_items += clean
        if hedged:
            return Grade.INCORRECT, "the gold is one of several candidates"
        if clean_items < len(items):
            return Grade.INCORRECT, "the gold is negated or listed with another answer"
        if _replaced_later(answer, last_end, gold_words, question_words):
            return Grade.INCORRECT, "the gold is named, then another answer is given"
        return Grade.CORRECT, "the gold is given"
    if saw_gold:
        return Grade.INCORRECT, "the gold is named, then contradicted"
    return None


def _sentence_at(text: str, position: int) -> str:
    offset = 0
    for sentence in sentences(text):
        found = text.find(sentence, offset)
        if found <= position <= found + len(sentence):
            return sentence
        offset = max(offset, found)
    return text


def _partly_given(question: str, gold: str, answer: str) -> bool:
    words = content_words(answer)
    return any(
        w in words
        for alt in _alternatives(gold)
        for item in _split_items(alt)
        for w in _needed(item, content_words(question))
    )


def _count_contradicts(gold: str, answer: str) -> bool:
    """ "... three children" when the gold lists two names (the template's "While I don't know their exact names")."""
    items = _split_items(gold)
    if len(items) < 2:
        return False
    for match in _COUNT.finditer(answer.lower()):
        said = match.group(1)
        count = int(said) if said.isdigit() else NUMBER_WORDS[said]
        if count != len(items):
            return True
    return False


def _decide_numeric(question: str, gold: str, answer: str, answer_type: str) -> tuple[Grade, str] | None:
    if pair := nums.gold_pair(gold):
        return nums.grade_pair(question, pair, answer)
    if (date := nums.gold_date(gold)) is not None:
        return nums.grade_date(question, date, answer)
    if nums.is_year_gold(gold, question, answer_type):
        return nums.grade_year(question, gold, answer)
    if nums.parse_gold_number(re.sub(r"\(acceptable range:[^)]*\)", "", gold)) is not None:
        return nums.grade_number(question, gold, answer)
    if (labelled := nums.labelled_number(gold)) is not None:
        return nums.grade_labelled(labelled[0], labelled[1], answer)
    return None


def _is_numeric_gold(gold: str, question: str, answer_type: str) -> bool:
    bare = re.sub(r"\(acceptable range:[^)]*\)", "", gold)
    return bool(
        nums.gold_pair(gold)
        or nums.gold_date(gold)
        or nums.is_year_gold(gold, question, answer_type)
        or nums.parse_gold_number(bare)
    )


def grade_offline(question: str, target: str, predicted: str, *, answer_type: str = "") -> tuple[Grade, str]:
    """Grade one answer by rules; returns the grade and a short reason."""
    answer = clean_answer(predicted).strip()
    if not answer:
        return Grade.NOT_ATTEMPTED, "empty answer"
    question = fold(question)
    answer = final_answer_tail(answer)
    decided = _decide_numeric(question, target, answer, answer_type)
    if decided is None and not _is_numeric_gold(target, question, answer_type):
        decided = _grade_text(question, target, answer)
    if decided is not None and decided[0] is not Grade.INCORRECT:
        return decided
    if decided is not None:  # a contradiction: a hedge does not undo it ("1996. I'm not sure.")
        return decided
    if _count_contradicts(target, answer):
        return Grade.INCORRECT, "the answer contradicts the number of names in the gold"
    if opens_with_refusal(answer):
        if commits_to_a_guess(answer) and decided is None and not _partly_given(question, target, answer):
            return Grade.INCORRECT, "a refusal that still guesses another answer"
        return Grade.NOT_ATTEMPTED, "a refusal"
    if has_refusal(answer) and _partly_given(question, target, answer):
        return Grade.NOT_ATTEMPTED, "part of the gold, and a refusal for the rest"
    return Grade.INCORRECT, "the gold is not in the answer"


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
