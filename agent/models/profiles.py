"""Per-model defaults: whether the model calls tools itself, its sampling, and its context settings.

A profile is chosen from the model's name (hub id, folder or file name), so an unknown model gets
sensible defaults and a known one gets what its authors recommend.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from agent.models.sampling import Sampling

# Jan-nano-128k extends Qwen3's 40,960 native positions with YaRN, factor 3.2 (as its card and vLLM do).
JAN_NANO_128K_ROPE: dict[str, Any] = {
    "rope_type": "yarn",
    "factor": 3.2,
    "original_max_position_embeddings": 40960,
}


@dataclass(frozen=True)
class ModelProfile:
    """What janagent assumes about a family of models."""

    name: str
    # False selects the retrieve-first loop: the model answers from results it is given.
    calls_tools: bool = True
    sampling: Sampling = field(default_factory=Sampling)
    rope_scaling: dict[str, Any] | None = None
    # True: search the question before the first turn even though the model calls tools (then tools as usual);
    # None: retrieve first exactly when the model does not call tools.
    retrieve_first: bool | None = None
    # False: with tools offered, the loop adds no system prompt and the chat template's own default system
    # turn stays (measured: Qwen2.5-Coder-0.5B, greedy, echoed the tool block back after our system prompt
    # but called search correctly under its template's "You are Qwen..." turn).
    tools_system_prompt: bool = True
    # True: once the model has tool results and replies with an answer, that answer is read again from the
    # results in a reader turn (no tools, the results and the question in one user message), the form in which
    # small models extract answers best; their reply inside the tool conversation tends to be a loose sentence.
    # A model that calls no tools goes to the reader turn right after the retrieve-first search.
    reader_answer: bool = False
    # True: on a yes/no question the reader turn asks for the facts that decide the answer, then the answer on
    # a last "Answer:" line (``prompts.REASONED_ANSWER_FORMAT``); the reply keeps both, so the user sees why.
    reader_reasons: bool = False
    # True: before the reader turn, when the run has the results of one search only, the model is asked in plain
    # text what else must be searched (``prompts.follow_up_request``) and that query is searched too, so the
    # reader sees a second hop (IRCoT's and self-ask's idea; small models write a query far more reliably than a
    # tool call, and the 1.5B Qwen's own extra calls were repeats of the first search). Not on a yes/no question
    # nor on a choice between named alternatives (``_Run._wants_follow_up`` in the loop says why), and the reader
    # reads only the hits it added. No profile has it yet: measured on the 1.5B, it won on the set it was tuned on
    # and, narrowed to its new hits, was even on a held-out one and lost on SQuAD-50 (README, "bench qa").
    follow_up_search: bool = False
    # True: a choice between two named alternatives by time or count ("Which band formed first, X or Y?") is
    # decided by code from one sub-question per alternative, each searched and read on its own
    # (agent/comparison.py); any other question, or a choice the replies do not settle, goes to the reader turn.
    # So is a question on whether two named things share an attribute ("Were X and Y of the same nationality?",
    # agent/sameness.py).
    compare_alternatives: bool = False
    # True: two differently worded facts of such a question ("American", "United States") are judged the same or
    # not by the model in one short turn; False: by code, "no" only when they share no word or stem.
    judge_sameness: bool = False
    # Hits the retrieve-first search asks for (the loop's ``retrieve_k`` overrides it).
    retrieve_k: int = 3
    # Extra keyword arguments for the chat template (Qwen3's non-thinking switch).
    template_kwargs: dict[str, Any] = field(default_factory=lambda: {"enable_thinking": False})


JAN_NANO = ModelProfile(name="jan-nano")
JAN_NANO_128K = ModelProfile(name="jan-nano-128k", rope_scaling=JAN_NANO_128K_ROPE)
# SmolLM2 does not emit tool calls on its own (measured), but answers from given results.
# Its card recommends a low temperature; we go all the way to greedy: at 0.2 the 135M model, handed the right
# search hit, still answered "The artist is unknown." in one run of three. Greedy answers from the hit.
# It answers in the reader turn over five hits, as the Qwens do: HotpotQA-100 F1 0.130 in its retrieve-first
# conversation (top 3) against 0.260 for that one prompt, and 0.043 against 0.028 on SimpleQA over Simple
# Wikipedia; by the worst case against the one prompt the reader turn wins (README, "bench qa"). 64 tokens, the
# one prompt's own cap: past them it repeats itself ("The answer is: 1. Henry J. Kaiser" eight times), and with
# 256 the longer repetitions were the only answers that differed from the one prompt's (F1 0.2099 vs 0.2102).
SMOLLM2 = ModelProfile(
    name="smollm2",
    calls_tools=False,
    sampling=Sampling(temperature=0.0, top_p=0.9, top_k=0, max_tokens=64),
    reader_answer=True,
    retrieve_k=5,
)
# Qwen2.5-Instruct's recommended sampling (generation_config.json: 0.7 / 0.8 / 20). Its template has no
# thinking switch. Whether it calls tools itself or runs retrieve-first was measured (README, "Models").
QWEN25_SAMPLING = Sampling(temperature=0.7, top_p=0.8, top_k=20)
# The 0.5B runs greedy: at 0.7 (seed 0) its first turn on the demo question was `<name>painter</name>`, a
# search for "painter" and a wrong answer; greedy, its first turn is the right search call.
# Measured on 4 HotpotQA questions (README, "Models"): it searched on its own in none (F1 0.067); started from
# a search of the question, with its tools still offered, F1 0.861.
# The reader turn (``reader_answer``) and five hits first: HotpotQA-30 F1 0.180 -> 0.422 (README, "bench qa").
QWEN25_05B = ModelProfile(
    name="qwen2.5-0.5b",
    # 256 tokens hold any call or short answer; a degenerate turn of repeated calls ran to 1,024 (214 s here).
    sampling=Sampling(temperature=0.0, max_tokens=256),
    retrieve_first=True,
    tools_system_prompt=False,
    reader_answer=True,
    retrieve_k=5,
    template_kwargs={},
    # A choice by time or count decided from one sub-question per alternative: on the 70 such questions of
    # HotpotQA's 500 (all 4,858 paragraphs indexed) the agent's F1 went 0.501 -> 0.642 against its yardstick,
    # 0.475 -> 0.634 on the 56 outside seed 0's 100 (README, "bench qa"). With it, "do X and Y share an
    # attribute?" questions (the 18 of the 500: 0.222 -> 0.722; HotpotQA-30 seed 0 0.376 -> 0.442).
    compare_alternatives=True,
)
# The 1.5B gets the 0.5B's recipe: with plain tool calling it narrated searches it never made and invented
# their results (the issue on small tool-callers); measured with this profile in the README ("bench qa").
# On a yes/no question its reader turn writes the deciding facts before the answer (``reader_reasons``): asked
# for the answer only it said "yes" to 17 of 19 yes/no questions of HotpotQA-100 (README, "bench qa").
# It does not get ``follow_up_search``: HotpotQA-100 0.494 -> 0.528 with it, but HotpotQA-30 of seed 1 (held out)
# 0.404 -> 0.324 and SQuAD-50 0.560 -> 0.548 (README, "bench qa"); a default is chosen by its worst case.
# It keeps ``compare_alternatives``: HotpotQA-100 0.500 -> 0.525 with it (the loop's first search, then the
# comparison or the reader turn), HotpotQA's 56 held-out choices 0.512 -> 0.761 (README, "bench qa").
# It judges two differently worded attributes itself (``judge_sameness``): 18 of 20 hand-made pairs right, where
# the 0.5B judged every pair different; the 18 sameness questions 0.667 -> 0.778 (README, "bench qa").
QWEN25_15B = replace(QWEN25_05B, name="qwen2.5-1.5b", reader_reasons=True, judge_sameness=True)
QWEN25 = ModelProfile(name="qwen2.5", sampling=QWEN25_SAMPLING, template_kwargs={})
DEFAULT = ModelProfile(name="default")

# Checked in order: the first fragment found in the lowercased model name wins.
_BY_NAME_FRAGMENT: tuple[tuple[str, ModelProfile], ...] = (
    ("jan-nano-128k", JAN_NANO_128K),
    ("jan-nano", JAN_NANO),
    ("smollm", SMOLLM2),
    ("qwen2.5-0.5b", QWEN25_05B),
    ("qwen2.5-coder-0.5b", QWEN25_05B),
    ("qwen2.5-1.5b", QWEN25_15B),
    ("qwen2.5-coder-1.5b", QWEN25_15B),
    ("qwen2.5", QWEN25),
)


def profile_for(name: str) -> ModelProfile:
    """The profile for a model named ``name`` (a spec, hub id, folder or file name)."""
    lowered = name.lower().replace("_", "-")
    for fragment, profile in _BY_NAME_FRAGMENT:
        if fragment in lowered:
            return profile
    return DEFAULT


def apply_rope_scaling(config: Any, profile: ModelProfile) -> bool:
    """Set the profile's rope scaling on a transformers config; return True if the config changed.

    transformers 5 keeps rope settings in ``config.rope_parameters`` (with ``rope_theta``); older
    configs use ``rope_scaling``. A config that already carries the scaling is left alone.
    """
    scaling = profile.rope_scaling
    if not scaling:
        return False
    current = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    if isinstance(current, dict) and all(current.get(key) == value for key, value in scaling.items()):
        return False
    theta = current.get("rope_theta") if isinstance(current, dict) else None
    theta = theta or getattr(config, "rope_theta", None) or 1_000_000.0
    updated = {**scaling, "rope_theta": theta}
    if hasattr(config, "rope_parameters"):
        config.rope_parameters = updated
    else:
        config.rope_scaling = updated
    positions = int(scaling["original_max_position_embeddings"] * scaling["factor"])
    config.max_position_embeddings = max(int(getattr(config, "max_position_embeddings", 0) or 0), positions)
    return True
