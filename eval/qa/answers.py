"""Scoring an answer: the short form of a reply, and the official SQuAD / HotpotQA exact match and token F1.

``normalize_answer``, ``exact_match`` and ``token_f1`` follow the official SQuAD v1.1 evaluation script
(lower-case, drop punctuation, drop the articles a/an/the, collapse whitespace; F1 over the bag of tokens).
HotpotQA's official script adds one rule, kept here for that format: when either side normalises to
``yes``, ``no`` or ``noanswer`` and the two differ, F1 is 0 (no partial credit for "no, he was not").
Scores are the best over all gold answers, as both scripts take them.
"""

from __future__ import annotations

import html
import re
import string
from collections import Counter
from collections.abc import Iterable

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)
_YES_NO = frozenset({"yes", "no", "noanswer"})

# Short-form extraction: an "Answer:" lead, trailing source sections and citations, markdown decoration.
# The lead: "Answer:", "Final answer:", "The answer is", "Therefore, the answer is", in bold or not.
_LEAD_WORDS = r"(?:\*\*)?(?:(?:(?:so|thus|therefore|hence),?\s+)?the\s+)?(?:final\s+|short\s+)?answer(?:\*\*)?"
_ANSWER_LEAD = re.compile(rf"^\s*{_LEAD_WORDS}(?:\s*[:：]|\s+is\s*:?)\s*(?:\*\*)?", re.IGNORECASE)
# Inside a line, after the sentence before it, only with its colon ("... in the U.S. Answer: Logan"): without
# one, "The answer is" mid-line is as often a small model's filler ("No, the answer is not only ...").
_INLINE_ANSWER_LEAD = re.compile(rf"(?<=[.!?])\s+{_LEAD_WORDS}(?:\s+is)?\s*[:：]\s*(?:\*\*)?", re.IGNORECASE)
_SOURCES_SECTION = re.compile(r"^\s*(?:\*\*)?(?:sources?|references?)(?:\*\*)?\s*:", re.IGNORECASE | re.MULTILINE)
_CITATION = re.compile(
    r"\s*(?:\((?:[^()]*?(?:https?://|doc(?:_id)?\s*[:=]|source\s*:)[^()]*)\)|\[\d+(?:,\s*\d+)*\]|https?://\S+)",
    re.IGNORECASE,
)
_DECORATION = re.compile(r"^(?:[-*>•]\s+|\d+[.)]\s+)+")
# "Yes, both are American" answers yes: the word before the comma is the answer, the rest its reason.
# ("No. 5 Squadron" stays a name, and "No-one" a word.)
_YES_NO_LEAD = re.compile(r"^(yes|no)(?:\s*[,;:!]|\.(?!\s*\d)|\s+[–—-])\s*\S", re.IGNORECASE)


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower-case, strip punctuation, strip articles, collapse whitespace."""
    lowered = text.lower()
    no_punctuation = "".join(ch for ch in lowered if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", no_punctuation).split())


def exact_match(prediction: str, gold: str) -> bool:
    return normalize_answer(prediction) == normalize_answer(gold)


def token_f1(prediction: str, gold: str, *, yes_no_strict: bool = False) -> float:
    """Token-level F1 of the normalised answers; ``yes_no_strict`` applies HotpotQA's yes/no rule."""
    predicted, expected = normalize_answer(prediction), normalize_answer(gold)
    if yes_no_strict and (predicted in _YES_NO or expected in _YES_NO) and predicted != expected:
        return 0.0
    predicted_tokens, expected_tokens = predicted.split(), expected.split()
    common = Counter(predicted_tokens) & Counter(expected_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(predicted_tokens)
    recall = same / len(expected_tokens)
    return 2 * precision * recall / (precision + recall)


def best_scores(prediction: str, golds: Iterable[str], *, yes_no_strict: bool = False) -> tuple[bool, float]:
    """(exact match, F1) of ``prediction``, each the best over the gold answers."""
    golds = list(golds)
    if not golds:
        return False, 0.0
    em = any(exact_match(prediction, gold) for gold in golds)
    f1 = max(token_f1(prediction, gold, yes_no_strict=yes_no_strict) for gold in golds)
    return em, f1


def short_answer(reply: str) -> str:
    """The short form of a reply, which is what gets scored: the answer line without its decoration.

    The reply itself (and its sources) stays as the agent gave it; this only decides what is compared with
    the gold: the text after the first "Answer:" / "The answer is" lead if there is one (an "Answer:" may also follow
    a sentence inside a line), else the first line, without a trailing
    "Sources:" section, citations (``(doc: x)``, ``[1]``, URLs), list markers, bold markers and a final period.
    A line that opens with "Yes," or "No," (or a period, colon or spaced dash after it) is that word alone.
    """
    text = html.unescape(reply).strip()  # a model copying "&amp;" from a web snippet means "&"
    section = _SOURCES_SECTION.search(text)
    if section is not None and section.start() > 0:
        text = text[: section.start()]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # The first lead wins (a reply that writes its facts first has one, on its last line; a small model that
    # repeats itself has its best attempt first).
    for i, line in enumerate(lines):
        lead = _ANSWER_LEAD.match(line) or _INLINE_ANSWER_LEAD.search(line)
        if lead is not None:
            rest = line[lead.end() :].strip()
            lines = [rest] if rest else lines[i + 1 : i + 2]
            break
    if not lines:
        return ""
    line = _CITATION.sub("", lines[0])
    line = _DECORATION.sub("", line).replace("**", "").replace("__", "").strip()
    line = line.strip("\"'`“”‘’ ").strip()
    yes_no = _YES_NO_LEAD.match(line)
    if yes_no is not None:
        return yes_no.group(1)
    return line[:-1].rstrip() if line.endswith(".") and not line.endswith("..") else line


_COPULA = re.compile(r"\s+(?:is|was|are|were)\s+", re.IGNORECASE)
RESTATED_SHARE = 0.6  # of the words before the copula that must come from the question
RESTATED_MIN_WORDS = 3


def drop_restated_question(short: str, question: str) -> str:
    """The answer of a reply that restates the question first: "The main flavor of both drinks is orange".

    Small models often answer in one sentence that echoes the question. When the words before the last
    "is/was/are/were" are mostly the question's own (at least ``RESTATED_SHARE`` of at least
    ``RESTATED_MIN_WORDS`` words), the answer is what follows; "Stephen Christian is the lead singer" stays.
    """
    copulas = list(_COPULA.finditer(short))
    if not copulas:
        return short
    last = copulas[-1]
    head, tail = normalize_answer(short[: last.start()]).split(), short[last.end() :].strip()
    asked = set(normalize_answer(question).split())
    if len(head) < RESTATED_MIN_WORDS or not tail:
        return short
    return tail if sum(word in asked for word in head) >= RESTATED_SHARE * len(head) else short
