"""Whether an answer commits to the gold it names: not negated, not one of several candidates, not replaced.

The offline grader finds the gold in an answer first (offline_grader.py, offline_numbers.py); these rules then
look at what surrounds it: "not" before it, "or Houston" after it, "Michelangelo, Raphael, or" before it,
"either ... or ...", and a later "but it was actually Lyon".
"""

from __future__ import annotations

import re

from eval.simpleqa.answer_text import MONTHS, NEGATIONS, STOPWORDS, Token, content_words, fold, sentences, tokens

_JOIN_AFTER = re.compile(
    r"^[\"'”’)\]]*\s*(?:,\s*)?(and|or|&|and/or|as well as)\s+"
    r"((?:(?i:also|possibly|perhaps|maybe|the|a|an|in|on|at|of|by)\s+)*)[\"'“‘(]*(\S+)(?:\s+(\S+))?"
)
_LIST_AFTER = re.compile(r"^[\"'”’)\]]*\s*,\s*(\S+)[^.;]*?,?\s+(and|or)\s")
_JOIN_BEFORE = re.compile(
    r"(\S+?)[\"'”’)]*\s*,?\s+(and|or|&)\s+(?:possibly\s+|perhaps\s+|maybe\s+)?[\"'“‘($€£]*$|(\S+?)\s*,\s*[\"'“‘($€£]*$"
)
_EITHER = re.compile(r"\beither\b(.*?)\bor\b(.*)", re.I)
_CONTRAST = re.compile(r"\b(but|however|although|though|whereas|instead|actually|rather)\b", re.I)
_REPLACING = re.compile(r"\b(actually|instead|in fact|rather|correct answer|answer is|answer|correct)\b", re.I)
ALTERNATIVES = re.compile(r"(^|[.;]\s*)or\b|\beither\b|\bor (it|maybe|perhaps|possibly)\b", re.I)
NOT_NAMES = {
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
FUNCTION_WORDS = NOT_NAMES | {
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


def bare(word: str) -> str:
    return re.sub(r"'s$", "", re.sub(r"[^\w'-]", "", fold(word)).lower())


def either_or(sentence: str, gold_words: set[str], question_words: set[str]) -> bool:
    """ "either X or Y" where one side holds a word that is neither the gold's nor the question's."""
    match = _EITHER.search(sentence)
    if match is None:
        return False
    words = re.findall(r"[\w'-]+", match.group(1) + " " + match.group(2))
    return any(
        is_other_candidate(word, gold_words, common_noun=True) and bare(word) not in question_words for word in words
    )


def is_other_candidate(word: str, gold_words: set[str], *, common_noun: bool = False) -> bool:
    """A name or number that is not the gold's; with ``common_noun`` (a gold written in lower case in the
    answer, "a dressmaker and housekeeper"), also a lower-case word that is not a function word."""
    bare = re.sub(r"[^\w'-]", "", fold(word)).lower()
    bare = re.sub(r"'s$", "", bare)
    if bare.replace(",", "").rstrip(".") in {word.replace(",", "") for word in gold_words}:
        return False
    parts = [part for part in re.split(r"[-']", bare) if part]
    if not bare or bare in gold_words or bare in NOT_NAMES or bare in STOPWORDS or all(p in gold_words for p in parts):
        return False
    if common_noun and bare.replace("-", "").isalnum() and len(bare) >= 3 and bare not in FUNCTION_WORDS:
        return True
    return word[:1].isupper() or bare[:1].isdigit()


def joined_kind(text: str, start: int, end: int, gold_words: set[str]) -> str | None:
    """ "or"/"and" when the gold at text[start:end] is listed with another candidate, else None.

    With "or" any content word is another candidate ("Violin or piano"); with "and" a lower-case word is one only
    when the gold is written in lower case too ("a dressmaker and housekeeper").
    """
    after, before = text[end:], text[:start]
    lower = text[start : start + 1].islower()
    # "X or the Nigeen lake" offers another candidate; "X, and the 1994 medal went to Y" starts a new clause
    if (m := _JOIN_AFTER.match(after)) and ("or" in m.group(1) or not m.group(2)):
        joiner, first, second = m.group(1), m.group(3), m.group(4)
        common = lower or "or" in joiner
        # the word after the joiner, or the one after it when the first is the gold's own ("August 2020 or
        # August 2002") or a function word ("or I'm not sure which")
        first_other = is_other_candidate(first, gold_words, common_noun=common)
        look_further = bare(first) in gold_words | FUNCTION_WORDS and not re.search(r"[.,;:!?]$", first)
        if first_other or (look_further and second and is_other_candidate(second, gold_words, common_noun=common)):
            return "or" if "or" in joiner else "and"
    if (m := _LIST_AFTER.match(after)) and is_other_candidate(
        m.group(1), gold_words, common_noun=lower or m.group(2) == "or"
    ):
        return m.group(2)
    if (m := _JOIN_BEFORE.search(before)) is not None:
        word = m.group(1) or m.group(3)
        listed = m.group(2) is not None or _JOIN_AFTER.match(after) is not None
        # "Susan, Malia and Sasha" lists a name; "Based on the results, two sons and ..." does not
        common = (lower and m.group(2) is not None) or m.group(2) == "or"
        if listed and is_other_candidate(word, gold_words, common_noun=common):
            return "or" if m.group(2) == "or" else "and"
        if m.group(2) == "or":  # "..., No One Can Hear You, or Mask": look past a function word
            earlier = re.findall(r"[\w'-]+", before[: m.start(1)])[-2:]
            if any(is_other_candidate(w, gold_words, common_noun=True) for w in earlier):
                return "or"
    return None


def widened(
    toks: list[Token], text: str, s: int, e: int, gold_words: set[str], *, commas: bool = False
) -> tuple[int, int]:
    """The span grown over the gold's own words around it ("Radcliffe" -> "Radcliffe College"); over commas too
    when the gold has them ("Kallithea, Athens")."""
    keep = " -.'\"/°" + ("," if commas else "")

    def joined(left: int, right: int) -> bool:
        return not text[toks[left].end : toks[right].start].strip(keep)

    def grows(index: int) -> bool:  # never over "and"/"or": those join the gold to other candidates
        return toks[index].norm in gold_words and toks[index].norm not in {"and", "or"}

    while s > 0 and grows(s - 1) and joined(s - 1, s):
        s -= 1
    while e + 1 < len(toks) and grows(e + 1) and joined(e, e + 1):
        e += 1
    return s, e


def negated(text: str, toks: list[Token], start: int, end: int, question: str) -> bool:
    window = toks[max(0, start - 3) : start]
    negations = [t for t in window if t.norm in NEGATIONS or t.norm.endswith("n't")]
    if negations and not re.search(r"[,;.]", text[negations[-1].end : toks[start].start]):
        return True
    following = " ".join(t.norm for t in toks[end + 1 : end + 3])
    asks_negative = re.search(r"\b(not|never|n't)\b", question.lower()) is not None
    return (
        not asks_negative and re.match(r"(is|was|are|were) (not|incorrect|wrong)|(isn't|wasn't)", following) is not None
    )


# Verbs that name two people or teams where only one is the answer: "Jane Doe succeeded John Smith".
_RELATIONS = r"succeeded|replaced|defeated|beat|preceded|followed|ousted|overtook|unseated|edged"
_OTHER_SUBJECT = re.compile(rf"\b[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*\s+(?:{_RELATIONS})\s+(?:the\s+)?$")
_OTHER_AGENT = re.compile(rf"^\s+(?:was|were|had been)\s+(?:{_RELATIONS}|beaten)\s+by\s+[A-Z]")


def named_as_the_other_party(text: str, start: int, end: int, question: str) -> bool:
    """The gold is the other side of a relation ("X succeeded GOLD", "GOLD was defeated by X") that the question
    does not ask about; the answer then names someone else."""
    asked = {word[:5] for word in re.findall(r"[a-z]+", question.lower())}
    before = _OTHER_SUBJECT.search(text[max(0, start - 80) : start])
    after = _OTHER_AGENT.match(text[end : end + 80])
    for match in (before, after):
        if match is not None:
            verb = re.search(rf"\b({_RELATIONS}|beaten)\b", match.group(0))
            if verb is not None and verb.group(1)[:5] not in asked:
                return True
    return False


def replaced_later(
    text: str, end: int, gold_words: set[str], question_words: set[str], *, numeric: bool = False
) -> bool:
    """After the gold's last mention, a "but"/"however" clause names another candidate ("but it was Lyon");
    for a numeric gold, another number or month ("but it was actually 22") counts too."""
    numbers = r"|(?<![\w.,])\d[\d,.]*\d|(?<![\w.,])\d"
    for contrast in _CONTRAST.finditer(text, end):
        # the clause, up to a sentence end (not the dot of "E. Bright Wilson" or "3.5")
        clause = re.split(r"(?<!\b[A-Z])\.(?!\d)|;", text[contrast.end() :], maxsplit=1)[0]
        # "but it was actually 57", "but the answer is in the shipbuilding industry": any other word replaces it
        strong = _REPLACING.search(clause) is not None
        pattern = r"\b[\w'-]+" if strong else r"\b[A-Z][\w'-]+" + (numbers if numeric else "")
        for word in re.findall(pattern, clause):
            lowered = word.lower()
            if lowered in question_words or (lowered in MONTHS and not numeric) or _REPLACING.fullmatch(lowered):
                continue
            if is_other_candidate(word, gold_words, common_noun=strong):
                return True
    return False


def commitment_problem(text: str, start: int, end: int, question: str, gold: str) -> str | None:
    """Why the answer does not commit to the number or date it gives at text[start:end], or None if it does."""
    gold_words = {t.norm for t in tokens(fold(gold))}
    toks = tokens(text)
    inside = [i for i, t in enumerate(toks) if t.start < end and t.end > start]
    if not inside:
        return None
    s, e = widened(toks, text, inside[0], inside[-1], gold_words, commas=True)  # "390" -> "390 metres"
    start, end = toks[s].start, toks[e].end
    kind = joined_kind(text, start, end, gold_words)
    sentence = sentence_at(text, start)
    if kind == "or" or (kind and ALTERNATIVES.search(sentence)):
        return "the gold is one of several candidates"
    if either_or(sentence, gold_words, content_words(question)):
        return "the gold is one of several candidates"
    if negated(text, toks, s, e, question):
        return "the gold is negated"
    if replaced_later(text, end, gold_words, content_words(question), numeric=True):
        return "the gold is named, then another answer is given"
    return None


def sentence_at(text: str, position: int) -> str:
    offset = 0
    for sentence in sentences(text):
        found = text.find(sentence, offset)
        if found <= position <= found + len(sentence):
            return sentence
        offset = max(offset, found)
    return text
