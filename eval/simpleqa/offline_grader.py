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
A gold named as the other party of a relation the question does not ask about ("Jane Doe succeeded John Smith"
for "Who became CEO?") is INCORRECT; that also marks "X defeated GOLD" wrong for "Who was the runner-up?".
What it cannot see: paraphrases and synonyms ("three daughters" for a count of children, a surname
alone for a full name are not CORRECT here), facts that contradict the gold without naming it. Its agreement
with hand labels is printed by ``janagent bench regrade --input eval/simpleqa/data/grader_labels.jsonl``; it
is still a rough guide, not a SimpleQA score.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any

from eval.simpleqa import offline_numbers as nums
from eval.simpleqa.answer_commitment import (
    ALTERNATIVES,
    commitment_problem,
    either_or,
    joined_kind,
    named_as_the_other_party,
    negated,
    replaced_later,
    sentence_at,
    widened,
)
from eval.simpleqa.answer_text import (
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
    tokens,
)
from eval.simpleqa.grading import Grade, GradeOutcome

OFFLINE_GRADER_NAME = "offline-approximate-v2"

# A word that joins the gold to another candidate, and that other candidate (a name or a number).
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


def _same_word(want: str, got: Token) -> bool:
    if want == got.norm:
        return True
    if want[:1].isdigit() or got.norm[:1].isdigit():
        return want.replace(",", "") == got.norm.replace(",", "")
    # A typo in a name, not another word: written as a name, same first letter, nearly the same length
    # ("Muliqi" for "Mulliqi"; not "Reilly" for "O'Reilly", nor "stated" for "state").
    if not got.text[:1].isupper() or want[0] != got.norm[0] or abs(len(want) - len(got.norm)) > 2:
        return False
    return len(want) >= 6 and SequenceMatcher(None, want, got.norm).ratio() >= 0.8


def _spans(needed: list[str], toks: list[Token], width: int) -> list[tuple[int, int]]:
    """Token spans of the answer, at most ``width`` tokens long, holding every needed word (in any order)."""
    found: list[tuple[int, int]] = []
    for start in range(len(toks)):
        if not any(_same_word(word, toks[start]) for word in needed):
            continue
        window = toks[start : start + width]
        last, missing = start, list(needed)
        for offset, token in enumerate(window):
            hit = next((word for word in missing if _same_word(word, token)), None)
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
                s, e = widened(toks, answer, s, e, gold_words, commas="," in alternative)
                start, end = toks[s].start, toks[e].end
                last_end = max(last_end, end)
                kind = joined_kind(answer, start, end, gold_words)
                sentence = sentence_at(answer, start)
                in_alternatives = ALTERNATIVES.search(sentence) is not None
                if kind == "or" or (kind and in_alternatives) or either_or(sentence, gold_words, question_words):
                    hedged = True
                if (
                    kind is None
                    and not negated(answer, toks, s, e, question)
                    and not named_as_the_other_party(answer, start, end, question)
                ):
                    clean = True
            clean_items += clean
        if hedged:
            return Grade.INCORRECT, "the gold is one of several candidates"
        if clean_items < len(items):
            return Grade.INCORRECT, "the gold is negated, listed with another answer, or the other party"
        if replaced_later(answer, last_end, gold_words, question_words):
            return Grade.INCORRECT, "the gold is named, then another answer is given"
        return Grade.CORRECT, "the gold is given"
    if saw_gold:
        return Grade.INCORRECT, "the gold is named, then contradicted"
    return None


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


def _decide_numeric(question: str, gold: str, answer: str, answer_type: str) -> nums.Decision:
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
    decided: tuple[Grade, str] | None = None
    if (numeric := _decide_numeric(question, target, answer, answer_type)) is not None:
        grade, reason, span = numeric
        problem = commitment_problem(answer, *span, question, target) if span is not None else None
        decided = (Grade.INCORRECT, problem) if problem else (grade, reason)
    elif not _is_numeric_gold(target, question, answer_type):
        decided = _grade_text(question, target, answer)
    # A contradiction stands even when hedged ("1996. I'm not sure."); so does a hedged correct answer.
    if decided is not None:
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
