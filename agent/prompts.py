"""Every text the loop sends to the model besides the user's question. Short, because small models
follow short instructions better and every token counts against their context."""

from __future__ import annotations

import re

# A model that calls tools: search first, read pages when snippets are not enough, answer briefly with sources.
TOOLS_SYSTEM = (
    "You are a research assistant. Use the search tool to find facts before answering; use fetch to read "
    "a page when the search snippets are not enough. Do not guess. When you have the answer, reply with a "
    "short, direct answer and cite the source URL or document id you used."
)

# A model given search results up front (retrieve-first): it only has to read them and answer.
RETRIEVED_SYSTEM = (
    "You answer questions using the search results you are given. Reply with a short answer taken from the results."
)

# No tools at all (closed-book runs, e.g. a SimpleQA baseline).
CLOSED_BOOK_SYSTEM = "Answer the question with a short, direct answer. If you do not know, say so."

FINAL_ANSWER_REQUEST = (
    "You have used all your tool calls. Give your final answer now, from what you found, "
    "in one or two sentences with its source."
)

EMPTY_REPLY_NUDGE = "Your reply was empty. Answer the question, or call a tool if you need more information."


def system_prompt(*, has_tools: bool, retrieved: bool) -> str:
    """The system prompt for a run: with tools, with search results given up front, or closed-book."""
    if has_tools:
        return TOOLS_SYSTEM
    if retrieved:
        return RETRIEVED_SYSTEM
    return CLOSED_BOOK_SYSTEM


def answer_from_results(question: str) -> str:
    """Retrieve-first, after the results: the question again, so a small model answers it from them."""
    return f"Answer the question from the search results in one short sentence: {question}"


def repeated_call_warning(name: str, first_step: int) -> str:
    """The result a repeated identical call gets instead of running again."""
    return (
        f"Warning: you already called {name} with exactly these arguments (step {first_step}); its result is "
        "above. Do not repeat a call: use that result, try different arguments, or give your final answer."
    )


def invented_url_error(url: str) -> str:
    """The result a call on a URL that appeared in no tool result gets instead of running."""
    return (
        f"Error: {url} did not appear in any search result, so the call was not run. Search first, then use "
        "only URLs from the results."
    )


# Measured with Qwen2.5-Coder-0.5B, one prompt over the top five hits of 30 HotpotQA questions (seed 0): this
# request F1 0.389; "...a name, a number, a date or a few words copied from the results. For a yes/no question
# reply yes or no." 0.169; the question before and after the results 0.133. Small models follow it literally.
FINAL_ANSWER_FORMAT = "Reply with the answer only."
# For a profile with ``reader_reasons``, on a yes/no question: the facts that decide the answer first, then the
# answer on its own line (the short form reads the "Answer:" line). Qwen2.5-Coder-1.5B, one prompt over the
# top five hits (seed 0): HotpotQA-30 F1 0.439 with the request above, 0.577 with this one on every question
# ("Think step by step ..., then finish with a line 'Answer: '..." 0.235). Its answers were "yes" to 17 of 19
# yes/no questions of HotpotQA-100 (8 right; 12 with this request), but on the other questions its answer line
# grew into a sentence: SQuAD-50 0.553 -> 0.515, HotpotQA seed 1's other 43 0.322 -> 0.314. So only yes/no
# questions get it (HotpotQA-100: 0.464 -> 0.504).
REASONED_ANSWER_FORMAT = (
    "First write the facts from the results that decide the answer, one short line each. Then write a last "
    "line that starts with 'Answer:' and gives the answer only."
)
_YES_NO_OPENERS = frozenset({
    "is", "are", "was", "were", "do", "does", "did", "can", "could", "has", "have", "had", "will", "would",
    "should", "shall", "may", "might", "must",
})  # fmt: skip


def asks_yes_no(question: str) -> bool:
    """Whether ``question`` opens as a yes/no question does, with an auxiliary verb ("Were X and Y both ...")."""
    words = question.strip().split(maxsplit=1)
    return bool(words) and words[0].lower() in _YES_NO_OPENERS


_ALTERNATIVES = re.compile(r"\bor\b", re.IGNORECASE)


def names_alternatives(question: str) -> bool:
    """Whether ``question`` chooses between things it names ("Which is older, X or Y?")."""
    return bool(_ALTERNATIVES.search(question))


def final_answer_from_results(question: str, results: list[str], *, reasons: bool = False) -> str:
    """The final-answer turn: the gathered results and the question in one user message, no tools offered.

    Measured with Qwen2.5-Coder-0.5B: given the search result this way it answered correctly where, inside
    its own tool conversation, it replied empty or repeated the search. ``reasons`` asks for the deciding
    facts before the answer (``REASONED_ANSWER_FORMAT``) when the question is a yes/no one.
    """
    request = REASONED_ANSWER_FORMAT if reasons and asks_yes_no(question) else FINAL_ANSWER_FORMAT
    return f"{_results_block(results)}\n\nQuestion: {question}\n{request}"


# For a profile with ``follow_up_search``: after the first results, the model names what is still missing and
# that is searched before the reader turn (IRCoT's and self-ask's second hop, asked in plain text: small models
# write a query far more reliably than a tool call).
FOLLOW_UP_REQUEST = "What else must be searched to answer the question? Reply with one short search query only."
# What small models put around the query: "Search for "Awolnation's formation date", 'Query: ...'.
_QUERY_LEAD = re.compile(r"^(?:search\s+for|search\s+query|search|query)\b\s*:?\s*", re.IGNORECASE)
_QUOTES = "\"'`"


def follow_up_request(question: str, results: list[str]) -> str:
    """The turn that asks for the second search: the results so far, the question, ``FOLLOW_UP_REQUEST``."""
    return f"{_results_block(results)}\n\nQuestion: {question}\n{FOLLOW_UP_REQUEST}"


def _results_block(results: list[str]) -> str:
    """The gathered results as one block of a user message (the reader and follow-up turns share it)."""
    return "\n\n".join(results) if results else "(no results were found)"


def follow_up_query(reply: str) -> str:
    """The search query in a reply to ``follow_up_request``: its first line without a "Search for" lead or quotes."""
    line = next((line.strip() for line in reply.splitlines() if line.strip()), "")
    return _QUERY_LEAD.sub("", line.strip(_QUOTES).strip(), count=1).strip().strip(_QUOTES).strip()


SEARCH_FIRST_NUDGE = (
    "Do not answer from memory: call the search tool first, then answer from what it finds, citing the source."
)


def malformed_call_error(detail: str) -> str:
    """The tool message a call the parser could not understand gets, so the model can write it again."""
    return f"Error: your tool call could not be used: {detail}"
