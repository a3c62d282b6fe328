"""The agent loop, in one readable place (after smolagents' ``_run_stream``).

    messages -> model.generate(messages, tools) -> the turn's tool calls run in parallel (tool_round.py)
             -> each result capped (with a marker) -> tool messages -> ... -> answer + sources

Nothing the model does crashes a run: an unknown tool, bad arguments, a call the parser could not read,
a timeout or a dead server all come back to the model as error tool messages it can correct. Before each
turn the conversation is fitted into a token budget (context_budget.py). Models that do not call tools
(``model.calls_tools`` False) run retrieve-first (retrieve_first.py). Every step is emitted as a typed
record (steps.py).

The loop always ends in an answer or an error, never a silent "": an empty reply, a turn of repeated calls,
``max_failed_turns`` turns in a row whose calls could not be used (unreadable, refused, failed), a reply right
after such a turn (small models answer about the error), or the end of the rounds each lead to one
final-answer turn: no tools offered, the results gathered so far and the question in one user message
(searched first if nothing was gathered). A model that answers without having searched gets one nudge to
search first. If even the final-answer turn is empty, the run's ``error`` says so. A profile with
``follow_up_search`` first asks, in plain text, what else to search when the run has one search's results, and
searches that (a second hop) before the final-answer turn, unless the question is a yes/no one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pydantic import BaseModel, Field

from agent import prompts
from agent.comparison import Comparison, decide, explained, explained_answer, parse_comparison, read_value
from agent.context_budget import REMOVED_MARKER, SHORTENED_MARKER, ContextBudget
from agent.models.base import Message, Model, ModelResponse, Sampling, ToolCall, ToolSpec, Usage
from agent.models.json_repair import JSONRepairError, iter_json_values
from agent.models.messages import assistant_message
from agent.models.tool_calls import parse_tool_calls, strip_thinking
from agent.retrieve_first import RETRIEVE_CALL_ID, find_tool, retrieve_call
from agent.sameness import (
    Sameness,
    decide_same,
    differ_plainly,
    has_values,
    judge_request,
    parse_sameness,
    read_judgment,
)
from agent.sources import pick_sources
from agent.steps import (
    AgentEvent,
    AnswerStep,
    CallKind,
    ErrorStep,
    FinalRequestStep,
    ModelStep,
    RetrieveStep,
    StartStep,
    StepData,
    WarningStep,
)
from agent.tool_round import TRUNCATION_MARKER, ToolRunner, call_key, cap_result
from agent.toolbox import Toolbox

__all__ = [
    "REMOVED_MARKER",
    "RETRIEVE_CALL_ID",
    "SHORTENED_MARKER",
    "TRUNCATION_MARKER",
    "AgentResult",
    "LoopConfig",
    "call_key",
    "cap_result",
    "run_agent",
]


READER_REASON = "the model's profile answers from the gathered results"
FOLLOW_UP_CALL_ID = "call_follow_up"
# A search query is a few words; a small model that goes on writes sentences, not a better query.
FOLLOW_UP_TOKENS = 32
# What the reader reads of the second hop: its best hits that the first search did not bring, at most two. Both
# searches whole (ten hits, the first search's repeated) drew the 1.5B's reader to the wrong entity on held-out
# questions (README, "bench qa").
FOLLOW_UP_NEW_HITS = 2
# Hits each alternative's own search brings to its sub-question: the alternative's name is rare, so its page is
# among the first; more hits are more years and numbers to pick the wrong one from.
COMPARE_HITS = 3
# The judging turn of a sameness question answers "yes" or "no".
JUDGE_TOKENS = 8


class LoopConfig(BaseModel):
    """How one run behaves; the defaults suit Jan-nano."""

    max_steps: int = Field(default=20, ge=0, description="Maximum tool rounds")
    tool_result_chars: int = Field(default=4000, ge=1, description="Cap per tool result, with a marker")
    context_tokens: int = Field(default=32768, ge=1, description="Budget; oldest tool results shortened first")
    retrieve_first: bool | None = Field(default=None, description="None: retrieve first when not model.calls_tools")
    # Left unset, the model's own defaults apply (``model.default_sampling``, e.g. SmolLM2's greedy decoding);
    # set it to override them.
    sampling: Sampling = Field(default_factory=Sampling)
    system_prompt: str | None = None
    retrieve_tool: str = Field(default="search", description="The tool retrieve-first calls")
    retrieve_k: int | None = Field(
        default=None, ge=1, description="Hits retrieve-first asks for, if the tool takes k; None: the model profile's"
    )
    nudge_to_search: bool = Field(default=True, description="One nudge when the model answers before any search")
    follow_up_search: bool | None = Field(
        default=None, description="The second hop before the reader turn; None: the model profile's"
    )
    compare_alternatives: bool | None = Field(
        default=None, description="Choices and sameness questions decided from one search per thing; None: profile's"
    )
    max_failed_turns: int = Field(default=2, ge=1, description="Turns in a row of unusable calls before answering")
    final_results_chars: int = Field(default=8000, ge=1, description="Results shown in the final-answer turn")

    def sampling_for(self, model: Model | None) -> Sampling:
        """The sampling a run uses: this config's when set explicitly, else the model's defaults."""
        if model is None or "sampling" in self.model_fields_set:
            return self.sampling
        return model.default_sampling


class AgentResult(BaseModel):
    """The answer, the references it rests on, and everything that led to it."""

    answer: str
    sources: list[str]
    steps: list[AgentEvent]
    usage: Usage
    timing: dict[str, float]  # total_s, model_s, tools_s, overhead_s
    tool_calls: int
    error: str | None = None


async def run_agent(
    question: str,
    model: Model,
    toolbox: Toolbox | None,
    config: LoopConfig | None = None,
    *,
    on_event: Callable[[AgentEvent], None] | None = None,
    history: list[Message] | None = None,
    search_query: str | None = None,
) -> AgentResult:
    """Answer ``question`` with ``model``, calling the tools of ``toolbox`` (None: closed-book).

    ``search_query`` is what retrieve-first searches when ``question`` carries more than the question itself
    (a benchmark's "reply with the answer only" request would otherwise become search terms).

    ``history`` holds earlier user/assistant messages of a conversation; ``on_event`` receives every
    step as it happens (progress display, trace file). Never raises for model or tool failures: they
    end the run with ``AgentResult.error`` set.
    """
    run = _Run(question, model, toolbox, config or LoopConfig(), on_event)
    run.search_query = search_query or question
    return await run.execute(history or [])


class _Run:
    """The state of one run; ``execute`` is the loop."""

    def __init__(
        self,
        question: str,
        model: Model,
        toolbox: Toolbox | None,
        config: LoopConfig,
        on_event: Callable[[AgentEvent], None] | None,
    ) -> None:
        self.question, self.model, self.toolbox, self.config, self.on_event = question, model, toolbox, config, on_event
        self.search_query = question
        self.messages: list[Message] = []
        self.events: list[AgentEvent] = []
        self.usage = Usage()
        self.model_s = 0.0
        self.started = time.perf_counter()
        self.sampling = config.sampling_for(model)
        self.budget = ContextBudget(model, config.context_tokens, self.sampling.max_tokens)
        self.tools: ToolRunner | None = None

    async def execute(self, history: list[Message]) -> AgentResult:
        toolbox, config = self.toolbox, self.config
        offered = toolbox.tools if toolbox is not None and self.model.calls_tools and config.max_steps > 0 else []
        retrieve = next(
            choice
            for choice in (config.retrieve_first, self.model.profile.retrieve_first, not self.model.calls_tools)
            if choice is not None
        )
        self.emit(
            0,
            StartStep(
                question=self.question,
                model=self.model.name,
                tools=[spec["function"]["name"] for spec in offered],
                retrieve_first=bool(retrieve and toolbox is not None),
                config=config.model_dump(),
                sampling=self.sampling.model_dump(),
            ),
        )
        answer, error = "", None
        self.history = history
        if toolbox is not None:
            known = [self.question, *(str(m.get("content") or "") for m in history if m.get("role") == "user")]
            self.tools = ToolRunner(toolbox, config.tool_result_chars, self.emit, known_text=known)
        try:
            self.messages = [*history, {"role": "user", "content": self.question}]
            retrieved = await self.retrieve() if retrieve else False
            # A retrieve-first profile that reads best in the reader turn goes straight to it: a reply in the
            # conversation first would be a wasted turn that the reader turn replaces.
            straight_to_reader = retrieved and not offered and self.model.profile.reader_answer
            if retrieved and not offered and not straight_to_reader:
                # A small model that was asked before it saw the results loses track of the question
                # (SmolLM2-135M copies the results back); asking again after them gets an answer.
                self.messages.append({"role": "user", "content": prompts.answer_from_results(self.question)})
            system = config.system_prompt or prompts.system_prompt(has_tools=bool(offered), retrieved=retrieved)
            if config.system_prompt or not offered or self.model.profile.tools_system_prompt:
                self.messages.insert(0, {"role": "system", "content": system})
            if straight_to_reader:
                answer = await self.final_answer(1, READER_REASON)
            else:
                answer = await (self.tool_rounds(offered) if offered else self.answer_without_tools(1))
            if not answer:
                error = "the model gave no answer, even when asked for it without tools"
                self.emit(len(self.events), ErrorStep(message=error))
        except Exception as exc:  # a model or backend failure ends the run, it does not crash the caller
            error = f"{type(exc).__name__}: {exc}"
            self.emit(len(self.events), ErrorStep(message=error))
        return self.finish(answer, error)

    async def tool_rounds(self, offered: list[ToolSpec]) -> str:
        """Up to ``max_steps`` turns that may call tools, ending early (see the module docstring) in a
        final-answer turn when the model stops making progress."""
        assert self.tools is not None
        nudged, failed = False, 0
        for step in range(1, self.config.max_steps + 1):
            response = await self.generate(step, offered)
            if response.tool_calls or response.tool_call_errors:
                # Only the calls are kept: text beside them may narrate a search never made, with invented results.
                self.messages.append(assistant_message(response.model_copy(update={"text": ""})))
                self.messages += await self.tools.run(step, response.tool_calls, response.tool_call_errors)
                outcome = self.tools.last_round
                if outcome.repeated and not outcome.ran:
                    return await self.final_answer(step + 1, "the model repeated a call")
                failed = 0 if outcome.productive else failed + 1
                if failed >= self.config.max_failed_turns:
                    return await self.final_answer(step + 1, f"{failed} turns of calls that could not be used")
                continue
            self.messages.append(assistant_message(response))
            text = strip_thinking(response.text)
            if not text:
                return await self.final_answer(step + 1, "the model replied with nothing")
            if looks_like_calls(text):
                return await self.final_answer(step + 1, "the reply was calls the parser could not use")
            if failed:
                return await self.final_answer(step + 1, "the reply came right after calls that could not be used")
            if self.config.nudge_to_search and not nudged and not self.tools.gathered:
                nudged = True
                self.emit(step, WarningStep(message="answered without searching; nudged to search first"))
                self.messages.append({"role": "user", "content": prompts.SEARCH_FIRST_NUDGE})
                continue
            if self.model.profile.reader_answer and self.tools.gathered:
                return await self.final_answer(step + 1, READER_REASON)
            return text
        return await self.final_answer(self.config.max_steps + 1, "the tool rounds ran out")

    async def answer_without_tools(self, step: int) -> str:
        """One turn with no tools offered; an empty reply gets the final-answer turn once."""
        response = await self.generate(step, [])
        self.messages.append({"role": "assistant", "content": response.text})
        text = strip_thinking(response.text)
        if not text and self.tools is not None:
            return await self.final_answer(step + 1, "the model replied with nothing")
        return text

    async def final_answer(self, step: int, reason: str) -> str:
        """The turn that gets an answer from small models: no tools, the gathered results and the question
        in one user message (measured to work where the tool conversation gave empty replies or repeats)."""
        if self.tools is not None and not self.tools.gathered:
            await self.retrieve(step)  # nothing to answer from yet: search the question first
        comparison = self._comparison()
        if comparison is not None:
            if isinstance(comparison, Comparison):
                answer, step = await self.compare(step, comparison)
            else:
                answer, step = await self.same(step, comparison)
            if answer:
                return answer
        elif self._wants_follow_up():
            step = await self.follow_up(step)
        gathered = self.tools.gathered if self.tools is not None else []
        results = _latest_within(gathered, self.config.final_results_chars)
        # The question itself (a benchmark's answer-format request is left out: the request below is the format).
        request = prompts.final_answer_from_results(
            self.search_query, results, reasons=self.model.profile.reader_reasons
        )
        self.emit(step, FinalRequestStep(message=request, reason=reason))
        text = strip_thinking((await self.without_tools(step, request)).text)
        # Offered no tools, a small model may still write a call as text: that is no answer.
        return "" if looks_like_calls(text) else text

    def _comparison(self) -> Comparison | Sameness | None:
        """The question as a choice by time or count, or as whether two things share an attribute, when the
        profile (or the config) decides such questions from sub-questions."""
        wanted = self.config.compare_alternatives
        if not (self.model.profile.compare_alternatives if wanted is None else wanted) or self.tools is None:
            return None
        return parse_comparison(self.search_query) or parse_sameness(self.search_query)

    async def compare(self, step: int, comparison: Comparison) -> tuple[str, int]:
        """Decide a choice between two alternatives by code (agent/comparison.py): for each, its sub-question
        ("When was X formed?") is searched and read in a reader turn, and the year or number in the two replies is
        compared. Returns the answer with the two replies after it and the step after the last turn; undecided (a
        reply gives no single value, or the two are equal), "" and the gathered results as they were before."""
        assert self.tools is not None
        before = len(self.tools.gathered)
        replies, step = await self.ask_each(step, comparison.alternatives, comparison.sub_question, "choice")
        if replies is None:
            return "", step
        values = (read_value(replies[0], comparison.measure), read_value(replies[1], comparison.measure))
        winner = decide(comparison, values)
        if winner is None:
            self.emit(step, WarningStep(message=f"the choice stays with the reader: {values[0]} against {values[1]}"))
            del self.tools.gathered[before:]  # the reader reads what it would have read without the comparison
            return "", step
        return explained_answer(comparison, replies, winner), step

    async def same(self, step: int, sameness: Sameness) -> tuple[str, int]:
        """Decide whether two things share an attribute (agent/sameness.py): each thing's sub-question ("What is
        the nationality of X?") is searched and read as in ``compare``; the same year, number or words decide by
        code; two different wordings by one short judging turn where the profile's model can judge
        (``judge_sameness``), else by code when they share no word or stem. Returns as ``compare`` does:
        undecided, "" and the gathered results as they were."""
        assert self.tools is not None
        before = len(self.tools.gathered)
        replies, step = await self.ask_each(step, sameness.things, sameness.sub_question, "question")
        if replies is None:
            return "", step
        verdict = decide_same(sameness, replies)
        if verdict is None and sameness.measure == "text" and has_values(sameness, replies):
            if self.model.profile.judge_sameness:
                request = judge_request(sameness, replies)
                self.emit(step, FinalRequestStep(message=request, reason="the two facts are worded differently"))
                short = self.sampling.model_copy(update={"max_tokens": min(self.sampling.max_tokens, JUDGE_TOKENS)})
                # Alone: under the retrieved-results system prompt the 1.5B judged more pairs the same.
                judged = await self.generate(step, [], [{"role": "user", "content": request}], short)
                verdict = read_judgment(strip_thinking(judged.text))
                step += 1
            elif differ_plainly(sameness, replies):
                verdict = "no"
        if verdict is None:
            self.emit(step, WarningStep(message="the question stays with the reader: its two facts decide nothing"))
            del self.tools.gathered[before:]
            return "", step
        return explained(verdict, [sameness.sub_question(thing) for thing in sameness.things], replies), step

    async def ask_each(
        self, step: int, names: tuple[str, str], sub_question: Callable[[str], str], what: str
    ) -> tuple[tuple[str, str] | None, int]:
        """For each of two names, its sub-question searched (``COMPARE_HITS``) and read in a reader turn of its
        own. Returns the two replies (None without a search tool) and the step after the last turn."""
        assert self.tools is not None and self.toolbox is not None
        spec = find_tool(self.toolbox.tools, self.config.retrieve_tool)
        if spec is None:
            return None, step
        replies: list[str] = []
        for n, name in enumerate(names, start=1):
            question = sub_question(name)
            start = await self.search(step, retrieve_call(spec, question, COMPARE_HITS, f"call_compare_{n}"))
            request = prompts.final_answer_from_results(question, self.tools.gathered[start:])
            self.emit(step, FinalRequestStep(message=request, reason=f"the {what} needs this of {name!r}"))
            replies.append(strip_thinking((await self.without_tools(step, request)).text))
            step += 1
        return (replies[0], replies[1]), step

    def _wants_follow_up(self) -> bool:
        """Whether the reader turn gets a second hop first: the profile asks for one, the run holds one search's
        results, and the question is neither a yes/no one nor a choice between named alternatives ("X or Y?").
        Such a question names both of its entities, so a search of it already brings what a second search would:
        on HotpotQA-100 the follow-up brought no further gold paragraph for the 18 yes/no questions (13 more for
        the 82 others) and cost 3 of their 12 right answers; on a held-out 30 it lost a choice question ("Royal
        Blood" for which band has more members) (README, "bench qa")."""
        wanted = self.config.follow_up_search
        return (
            (self.model.profile.follow_up_search if wanted is None else wanted)
            and self.tools is not None
            and len(set(self.tools.gathered)) == 1
            and not prompts.asks_yes_no(self.search_query)
            and not prompts.names_alternatives(self.search_query)
        )

    async def follow_up(self, step: int) -> int:
        """The second hop before the reader turn (``follow_up_search``, the loop config's or the profile's): the
        model, shown the results so far, writes what else to search, and that is searched; the reader reads only
        the hits it added (``FOLLOW_UP_NEW_HITS``). Returns the step the reader turn takes.

        A reply that is no new query (empty, the question again, one of the results' own references) is skipped.
        """
        assert self.tools is not None and self.toolbox is not None
        spec = find_tool(self.toolbox.tools, self.config.retrieve_tool)
        if spec is None:
            return step
        request = prompts.follow_up_request(self.search_query, list(dict.fromkeys(self.tools.gathered)))
        short = self.sampling.model_copy(update={"max_tokens": min(self.sampling.max_tokens, FOLLOW_UP_TOKENS)})
        response = await self.without_tools(step, request, short)
        text = strip_thinking(response.text)
        # Offered no tools, a small model may still write a search call as text: its query is the answer.
        calls = [*response.tool_calls, *parse_tool_calls(text).tool_calls]
        written = [str(call.arguments.get("query") or "") for call in calls]
        query = next((q.strip() for q in written if q.strip()), "") or prompts.follow_up_query(text)
        references = {passage.ref for passage in self.tools.passages}
        if not query or query.casefold() == self.search_query.casefold() or query in references:
            self.emit(step, WarningStep(message=f"follow-up search skipped: {query!r} is no new query"))
            return step + 1
        call = retrieve_call(spec, query, self.config.retrieve_k or self.model.profile.retrieve_k, FOLLOW_UP_CALL_ID)
        start = await self.search(step, call)
        if len(self.tools.gathered) > start:  # an error or a repeated call gathers nothing to narrow
            self.tools.narrow_latest(references, FOLLOW_UP_NEW_HITS)
        return step + 1

    async def retrieve(self, step: int = 0) -> bool:
        """Retrieve-first: search the question and hand the hits to the model as a search call's result."""
        if self.toolbox is None or self.tools is None:
            return False
        spec = find_tool(self.toolbox.tools, self.config.retrieve_tool)
        if spec is None:
            self.emit(step, WarningStep(message=f"retrieve-first skipped: no {self.config.retrieve_tool!r} tool"))
            return False
        call = retrieve_call(spec, self.search_query, self.config.retrieve_k or self.model.profile.retrieve_k)
        self.emit(step, RetrieveStep(name=call.name, arguments=call.arguments))
        await self.search(step, call, kind="retrieve")
        return True

    async def search(self, step: int, call: ToolCall, kind: CallKind = "call") -> int:
        """A search the loop makes itself, run as a call in the conversation; returns where its results begin in
        the gathered results (nothing is gathered from an error or a repeated call)."""
        assert self.tools is not None
        self.messages.append(assistant_message(ModelResponse(tool_calls=[call])))
        start = len(self.tools.gathered)
        self.messages += await self.tools.run(step, [call], [], kind=kind)
        return start

    async def without_tools(self, step: int, request: str, sampling: Sampling | None = None) -> ModelResponse:
        """A turn on ``request`` alone, no tools offered: the retrieved-results system prompt, the conversation
        before the question (``history``), then the request with the results in it."""
        system: Message = {"role": "system", "content": prompts.RETRIEVED_SYSTEM}
        return await self.generate(step, [], [system, *self.history, {"role": "user", "content": request}], sampling)

    async def generate(
        self, step: int, tools: list[ToolSpec], messages: list[Message] | None = None, sampling: Sampling | None = None
    ) -> ModelResponse:
        """One model turn on ``messages`` (the run's conversation by default), fitted into the context budget."""
        messages = self.messages if messages is None else messages
        warning = self.budget.fit(messages, tools)
        if warning is not None:
            self.emit(step, WarningStep(message=warning))
        began = time.perf_counter()
        try:
            response = await self.model.generate(messages, tools, sampling or self.sampling)
        finally:
            self.model_s += time.perf_counter() - began
        self.usage = self.usage + response.usage
        self.emit(
            step,
            ModelStep(
                text=response.text,
                tool_calls=response.tool_calls,
                tool_call_errors=list(response.tool_call_errors),
                usage=response.usage,
                duration_s=round(time.perf_counter() - began, 6),
            ),
        )
        return response

    def emit(self, step: int, data: StepData) -> None:
        event = AgentEvent.of(data, step, round(time.perf_counter() - self.started, 6))
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def finish(self, answer: str, error: str | None) -> AgentResult:
        passages = self.tools.passages if self.tools is not None else []
        tool_calls = self.tools.calls_run if self.tools is not None else 0
        tools_s = self.tools.seconds if self.tools is not None else 0.0
        sources = pick_sources(answer, passages, question=self.question)
        total = time.perf_counter() - self.started
        timing = {
            "total_s": total,
            "model_s": self.model_s,
            "tools_s": tools_s,
            "overhead_s": max(0.0, total - self.model_s - tools_s),
        }
        answer_step = AnswerStep(
            answer=answer, sources=sources, usage=self.usage, timing=timing, tool_calls=tool_calls, error=error
        )
        self.emit(len(self.events), answer_step)
        return AgentResult(
            answer=answer,
            sources=sources,
            steps=list(self.events),
            usage=self.usage,
            timing=timing,
            tool_calls=tool_calls,
            error=error,
        )


def looks_like_calls(text: str) -> bool:
    """True when a reply is nothing but tool calls written as text, tagged or not, readable or not.

    Measured with Qwen2.5-Coder-0.5B after a first search: it replied with two untagged call objects, the
    second with a made-up tool name (``searchArguments``), which no parser turns into runnable calls.
    """
    stripped = text.strip()
    if not stripped.startswith(("{", "[", "<", "`")):
        return False
    parsed = parse_tool_calls(stripped)
    if parsed.tool_calls and not parsed.text.strip():
        return True
    try:
        values = iter_json_values(stripped)
    except (JSONRepairError, RecursionError, ValueError):
        return False
    return bool(values) and all(
        isinstance(value, dict) and "name" in value and ("arguments" in value or "parameters" in value)
        for value in values
    )


def _latest_within(results: list[str], limit: int) -> list[str]:
    """The most recent distinct results that fit in ``limit`` characters, in the order they came."""
    kept: list[str] = []
    used = 0
    for text in reversed(list(dict.fromkeys(results))):
        if kept and used + len(text) > limit:
            break
        kept.append(text[:limit])
        used += len(text)
    return kept[::-1]
