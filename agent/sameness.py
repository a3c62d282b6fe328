"""Yes/no questions on whether two named things share an attribute ("Were X and Y of the same nationality?"),
decided from one sub-question per thing.

Small readers answer "yes" to such questions whatever the results say: over the top hits of HotpotQA-100 the
1.5B Qwen said "yes" to 7 of its 12 "no" questions, the 0.5B to 5 of 6 on HotpotQA-30 (README, "bench qa").
Asked one plain question per thing ("What is the nationality of X?") over a search of its own, they give the
attribute; with the two attributes side by side the decision is easy. This module holds the parts without I/O:
reading a question as such a test, the sub-questions, and deciding from the two replies where code can
(the same year or number, the same words); the loop asks the model to judge two different wordings
("American" and "United States"), since no table of names can.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Literal

from agent.comparison import named_pair, read_value

SameMeasure = Literal["time", "count", "text"]

_OPENER = re.compile(r"^(?P<verb>are|were|is|was|do|does|did)\s+(?P<body>.+?)\s*\?*$", re.IGNORECASE)
# The clause that names the shared attribute, after the second thing: " singers of the same nationality",
# " located in the same province", " contain that same number of acts", " both of the same nationality". Case
# sensitive: its words are lowercase, the names before it are not.
_SAME = re.compile(
    r"\s+(?:(?:both|all)\s+)?(?P<words>(?:[a-z]+\s+){0,3}?)(?:the|that)\s+same\s+(?P<attr>[a-z][a-z\s'-]*)$"
)
# The words of that clause that carry no verb: "singers of", "both of", "in", "from".
_FILLER = frozenset({"both", "all", "have", "has", "had", "share", "contain", "contains"})
_PREPOSITIONS = frozenset({"of", "from", "in", "by", "to", "at", "for", "with", "on", "into", "under"})
# Who made a thing, by the attribute a question names ("by the same director") or its verb ("directed by").
_MAKERS = {
    "director": "directed", "directors": "directed", "author": "wrote", "writer": "wrote", "composer": "composed",
    "producer": "produced", "architect": "designed", "designer": "designed", "creator": "created",
    "founder": "founded", "publisher": "published",
}  # fmt: skip
_PAST = {"written": "wrote", "directed": "directed", "composed": "composed", "produced": "produced",
         "designed": "designed", "created": "created", "founded": "founded", "published": "published"}  # fmt: skip
_IRREGULAR = frozenset({"born", "made", "built", "set", "held", "sung"})
_PERSON = frozenset({"person", "people", "man", "woman", "individual"})
_ARTICLES = re.compile(r"\b(?:the|a|an)\b")


@dataclass(frozen=True)
class Sameness:
    """Whether two named things share an attribute, as a question asks it."""

    things: tuple[str, str]
    measure: SameMeasure
    # What is shared, as the question names it: "nationality", "province", "director", "number of acts".
    attribute: str
    # The sub-question for one thing, with "{}" where its name goes.
    template: str

    def sub_question(self, thing: str) -> str:
        return self.template.format(thing)


def parse_sameness(question: str) -> Sameness | None:
    """``question`` read as "do X and Y share an attribute?"; None if it is not one.

    >>> parse_sameness("Were Thomas H. Ince and Joseph McGrath of the same nationality?").sub_question("Ince")
    'What is the nationality of Ince?'
    """
    opener = _OPENER.match(" ".join(question.split()))
    if opener is None:
        return None
    body = opener["body"]
    clause = _SAME.search(body)
    if clause is None:
        return None
    do = opener["verb"].lower() in {"do", "does", "did"}
    words, verb = _clause(clause["words"].split(), do)
    # The words of the regex's clause that are not the clause's belong to the second name ("Le roi malgré lui").
    moved = clause["words"].split()[: len(clause["words"].split()) - len(words)]
    cut = clause.start("words") + len(" ".join(moved)) if moved else clause.start()
    things = _things(body[:cut])
    if things is None:
        return None
    attribute = " ".join(clause["attr"].split())
    built = _template(attribute, verb, words, opener["verb"].lower())
    if built is None:
        return None
    measure, template = built
    return Sameness(things, measure, attribute, template)


def _clause(words: list[str], do: bool) -> tuple[list[str], str | None]:
    """The clause's own words among the up to three lowercase ones before "the same", and its verb, if any.

    After "do"/"did" the clause is a bare verb and its prepositions ("Did X and Y play for the same team?");
    after "are"/"were", fillers, participles and plural nouns ("singers of", "signed to", "located in"). Words
    before those belong to the second name."""
    if do:
        end = len(words)
        while end > 0 and words[end - 1] in _PREPOSITIONS:
            end -= 1
        if end == 0:
            return words, None
        words = words[end - 1 :]
        return words, None if words[0] in _FILLER else words[0]
    while words and not all(map(_clause_word, words)):
        words = words[1:]
    # "singers of the same nationality": a plural noun is what the things are, no verb.
    verbs = [word for word in words if word not in _FILLER and word not in _PREPOSITIONS]
    participle = verbs[-1] if verbs and (verbs[-1].endswith(("ed", "en")) or verbs[-1] in _IRREGULAR) else None
    return words, participle


def _clause_word(word: str) -> bool:
    return word in _FILLER or word in _PREPOSITIONS or word in _IRREGULAR or word.endswith(("ed", "en", "s"))


def _things(text: str) -> tuple[str, str] | None:
    """The two names around the one " and " of ``text``, without what comes before the first name ("both",
    "the flowering plants") or after the second ("singers" is in the clause already)."""
    words = text.split()
    start = 0
    if start < len(words) and words[start].lower() == "both":
        start += 1
    # "the documentaries Out of Place": a lowercase "the" and the lowercase words after it are the kind of thing.
    if start < len(words) and words[start] == "the":
        end = start + 1
        while end < len(words) and (words[end][0].islower() or words[end] == "of"):
            end += 1
        if end < len(words) and end > start + 1:
            start = end
    parts = re.split(r"\s+and\s+", " ".join(words[start:]))
    if len(parts) != 2:
        return None
    return named_pair(parts[0], parts[1])


def _template(attr: str, verb: str | None, words: list[str], opener: str) -> tuple[SameMeasure, str] | None:
    """The measure and the sub-question for the attribute ``attr`` ("nationality", "number of acts"), given the
    clause's verb ("located", "play"), its words and the question's opening verb."""
    past = opener in {"were", "was", "did"}
    be = "was" if past else "is"
    preposition = next((word for word in reversed(words) if word in _PREPOSITIONS), None)
    if attr == "nationality":
        return "text", "What is the nationality of {}?"
    count = re.fullmatch(r"number of ([a-z'-]+s)", attr)
    if count:
        return "count", f"How many {count.group(1)} does {{}} have?"
    if attr == "year":
        return "time", f"When was {{}} {verb or 'released'}?"
    if attr in _MAKERS or (attr in _PERSON and verb in _PAST):
        maker = _PAST[verb] if verb in _PAST else _MAKERS[attr]
        return "text", f"Who {maker} {{}}?"
    if attr in _PERSON:
        return None  # "by the same person" without a verb: made how?
    if verb is not None and opener in {"do", "does", "did"}:
        # "Did X and Y play for the same team?" -> "What team did X play for?"
        return "text", " ".join(["What", attr, opener, "{}", *words]) + "?"
    if verb is not None:
        # "located in" -> "In which province is X located?"; "signed to" -> "To which label was X signed?"
        return "text", f"{(preposition or 'in').capitalize()} which {attr} {be} {{}} {verb}?"
    if preposition in {"from", "in"} and words[-1] == preposition:
        return "text", f"What {attr} {be} {{}} {preposition}?"
    return "text", f"What is the {attr} of {{}}?"


def decide_same(sameness: Sameness, replies: tuple[str, str]) -> str | None:
    """The verdict, "yes" or "no", where code can tell from the two replies: the same or a different year or
    number; the same words, or one reply's words inside the other's ("Jiangsu" in "Jiangsu Province"). None
    otherwise: two different wordings may still name one thing ("American", "United States")."""
    if sameness.measure != "text":
        first, second = (read_value(reply, sameness.measure) for reply in replies)
        if first is None or second is None:
            return None
        return "yes" if first == second else "no"
    first_words, second_words = _value_words(sameness, replies)
    if not first_words or not second_words:
        return None
    return "yes" if first_words <= second_words or second_words <= first_words else None


def differ_plainly(sameness: Sameness, replies: tuple[str, str]) -> bool:
    """Whether two replies share no word and no word stem of four letters or more ("Swedish" and "Sweden" share
    "swed"), so that they cannot be two wordings of one name; the rule for readers too small to judge (the 0.5B
    Qwen judged every pair different, "American" and "United States" too)."""
    first_words, second_words = _value_words(sameness, replies)
    if not first_words or not second_words or first_words & second_words:
        return False
    return not any(a[:4] == b[:4] for a in first_words for b in second_words if len(a) >= 4 and len(b) >= 4)


def has_values(sameness: Sameness, replies: tuple[str, str]) -> bool:
    """Whether both replies give a value, more than their thing's name and the attribute's words."""
    return all(_value_words(sameness, replies))


def _value_words(sameness: Sameness, replies: tuple[str, str]) -> tuple[set[str], set[str]]:
    """The words of each reply without the attribute's ("Jiangsu province" -> "jiangsu"); none where the reply
    only repeats its thing's name ("In which city was Echosmith formed? Echosmith" gives no city)."""
    attribute = set(_words(sameness.attribute).split())
    pairs = zip(sameness.things, replies, strict=True)
    worded = [(set(_words(thing).split()), set(_words(reply).split()) - attribute) for thing, reply in pairs]
    first, second = (set() if reply <= thing else reply for thing, reply in worded)
    return first, second


def _words(reply: str) -> str:
    """A reply without case, punctuation, articles and a closing period: "The United States." -> "united states"."""
    text = reply.casefold().translate(str.maketrans(string.punctuation, " " * len(string.punctuation)))
    return " ".join(_ARTICLES.sub(" ", text).split())


def judge_request(sameness: Sameness, replies: tuple[str, str]) -> str:
    """The turn that decides two differently worded facts, sent alone (no system prompt). Asked this way, the
    1.5B Qwen judged 18 of 20 pairs right ("American" / "United States" the same, "Jiangsu province" / "Sichuan
    Province" not); under the retrieved-results system prompt 15, asked "Do ... name the same ...?" 13
    (README, "bench qa")."""
    first, second = (" ".join(reply.split()) for reply in replies)
    return f'Is "{first}" the same {sameness.attribute} as "{second}"? Reply with yes or no only.'


def read_judgment(reply: str) -> str | None:
    """The judging turn's verdict, "yes" or "no"; None when its reply opens with neither."""
    word = re.match(r"\W*(yes|no)\b", reply, re.IGNORECASE)
    return word.group(1).lower() if word else None
