"""The agent loop, in one readable place (after smolagents' ``_run_stream``).

    messages -> model.generate(messages, tools) -> the turn's tool calls run in parallel
             -> each result capped (with a marker) -> tool messages -> ... -> answer + sources

Nothing the model does crashes a run: an unknown tool, bad arguments, a call the parser could not read,
a timeout or a dead server all come back to the model as error tool messages it can correct. An identical
repeated call gets a warning instead of running again. Before each turn the conversation is fitted into a
token budget by shortening the oldest tool results first. When the rounds run out the model is asked once,
without tools, for its final answer. Models that do not call tools (``model.calls_tools`` False) run
retrieve-first: the question is searched before their first turn and the hits are given to them as the
result of a ``search`` call, so the trace shows exactly what they read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import anyio
from pydantic import BaseModel, Field

from agent import prompts
from agent.models.base import Message, Model, ModelResponse, Sampling, ToolCall, ToolSpec, Usage
from agent.sources import SourcePassage, pick_sources
from agent.toolbox import Toolbox, ToolResult
from agent.trace import AgentEvent, EventKind

TRUNCATION_MARKER = "[... truncated: showing {shown} of {total} characters ...]"
SHORTENED_MARKER = "[... shortened to fit the context: {dropped} characters dropped ...]"
REMOVED_MARKER = "[tool result removed to fit the context]"
# An old tool result shortened for the context budget keeps this many characters.
SHORTENED_CHARS = 300
RETRIEVE_CALL_ID = "call_retrieve"


class LoopConfig(BaseModel):
    """How one run behaves; the defaults suit Jan-nano."""

    max_steps: int = Field(default=20, ge=0, description="Maximum tool rounds")
    tool_result_chars: int = Field(default=4000, ge=1, description="Cap per tool result, with a marker")
    context_tokens: int = Field(default=32768, ge=1, description="Budget; oldest tool results shortened first")
    retrieve_first: bool | None = Field(default=None, description="None: retrieve first when not model.calls_tools")
    # Left unset, the model's own defaults apply (``model.default_sampling`` where a backend has one,
    # e.g. SmolLM2's low temperature); set it to override them.
    sampling: Sampling = Field(default_factory=Sampling)
    system_prompt: str | None = None
    retrieve_tool: str = Field(default="search", description="The tool retrieve-first calls")
    retrieve_k: int | None = Field(default=3, ge=1, description="Hits retrieve-first asks for, if the tool takes k")


class AgentResult(BaseModel):
    """The answer, the references it rests on, and everything that led to it."""

    answer: str
    sources: list[str]
    steps: list[dict[str, Any]]
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
) -> AgentResult:
    """Answer ``question`` with ``model``, calling the tools of ``toolbox`` (None: closed-book).

    ``history`` holds earlier user/assistant messages of a conversation; ``on_event`` receives every
    step as it happens (progress display, trace file). Never raises for model or tool failures: they
    end the run with ``AgentResult.error`` set.
    """
    return await _Run(question, model, toolbox, config or LoopConfig(), on_event).execute(history or [])


def cap_result(text: str, limit: int) -> tuple[str, bool]:
    """Cut ``text`` to about ``limit`` characters (at a line end when one is near) with an explicit marker."""
    if len(text) <= limit:
        return text, False
    cut = text.rfind("\n", int(limit * 0.8), limit)
    cut = cut if cut > 0 else limit
    return text[:cut].rstrip() + "\n" + TRUNCATION_MARKER.format(shown=cut, total=len(text)), True


def call_key(name: str, arguments: dict[str, Any]) -> str:
    """Identity of a call for repeat detection: the name and the arguments in canonical JSON."""
    return name + "\x00" + json.dumps(arguments, sort_keys=True, ensure_ascii=False, default=str)


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
        self.question = question
        self.model = model
        self.toolbox = toolbox
        self.config = config
        self.on_event = on_event
        self.messages: list[Message] = []
        self.events: list[AgentEvent] = []
        self.usage = Usage()
        self.passages: list[SourcePassage] = []
        self.seen_calls: dict[str, int] = {}  # call_key -> the step that first made the call
        self.tool_calls = 0
        self.model_s = 0.0
        self.tools_s = 0.0
        self.started = time.perf_counter()
        self._token_cache: dict[str, int] = {}
        model_default = getattr(model, "default_sampling", None)
        explicit = "sampling" in config.model_fields_set
        self.sampling: Sampling = (
            model_default if isinstance(model_default, Sampling) and not explicit else config.sampling
        )

    # -- the loop -------------------------------------------------------------------------------------

    async def execute(self, history: list[Message]) -> AgentResult:
        toolbox, config = self.toolbox, self.config
        offered = toolbox.tools if toolbox is not None and self.model.calls_tools and config.max_steps > 0 else []
        retrieve = config.retrieve_first if config.retrieve_first is not None else not self.model.calls_tools
        self.emit(
            "start",
            0,
            question=self.question,
            model=self.model.name,
            tools=[spec["function"]["name"] for spec in offered],
            retrieve_first=bool(retrieve and toolbox is not None),
            config=config.model_dump(),
            sampling=self.sampling.model_dump(),
        )
        answer, error = "", None
        try:
            self.messages = [*history, {"role": "user", "content": self.question}]
            retrieved = await self.retrieve() if retrieve and toolbox is not None else False
            if retrieved and not offered:
                # A small model that was asked before it saw the results loses track of the question
                # (SmolLM2-135M copies the results back); asking again after them gets an answer.
                self.messages.append({"role": "user", "content": prompts.answer_from_results(self.question)})
            system = config.system_prompt or prompts.system_prompt(has_tools=bool(offered), retrieved=retrieved)
            self.messages.insert(0, {"role": "system", "content": system})
            answer = await (self.tool_rounds(offered) if offered else self.answer_without_tools(1))
        except Exception as exc:  # a model or backend failure ends the run, it does not crash the caller
            error = f"{type(exc).__name__}: {exc}"
            self.emit("error", len(self.events), message=error)
        return self.finish(answer, error)

    async def tool_rounds(self, offered: list[ToolSpec]) -> str:
        """Up to ``max_steps`` turns that may call tools; then one request for the final answer."""
        nudged = False
        for step in range(1, self.config.max_steps + 1):
            response = await self.generate(step, offered)
            if response.tool_calls or response.tool_call_errors:
                self.messages.append(_assistant_message(response.text, response.tool_calls))
                await self.run_calls(step, response.tool_calls, response.tool_call_errors)
                continue
            text = _visible(response.text)
            self.messages.append({"role": "assistant", "content": response.text})
            if text or nudged:
                return text
            nudged = True  # one nudge for an empty reply; a second empty reply is the answer
            self.messages.append({"role": "user", "content": prompts.EMPTY_REPLY_NUDGE})
        self.messages.append({"role": "user", "content": prompts.FINAL_ANSWER_REQUEST})
        step = self.config.max_steps + 1
        self.emit("final_request", step, message=prompts.FINAL_ANSWER_REQUEST)
        return await self.answer_without_tools(step)

    async def answer_without_tools(self, step: int) -> str:
        """One turn with no tools offered; whatever text it has is the answer."""
        response = await self.generate(step, [])
        self.messages.append({"role": "assistant", "content": response.text})
        return _visible(response.text)

    async def retrieve(self) -> bool:
        """Retrieve-first: search the question and hand the hits to the model as a search call's result."""
        assert self.toolbox is not None
        spec = _find_tool(self.toolbox.tools, self.config.retrieve_tool)
        if spec is None:
            self.emit("warning", 0, message=f"retrieve-first skipped: no {self.config.retrieve_tool!r} tool")
            return False
        call = ToolCall(id=RETRIEVE_CALL_ID, name=spec["function"]["name"], arguments=self._retrieve_args(spec))
        self.emit("retrieve", 0, name=call.name, arguments=call.arguments)
        self.messages.append(_assistant_message("", [call]))
        await self.run_calls(0, [call], [], kind="retrieve")
        return True

    def _retrieve_args(self, spec: ToolSpec) -> dict[str, Any]:
        schema = spec["function"].get("parameters") or {}
        properties: dict[str, Any] = schema.get("properties") or {}
        required = [name for name in schema.get("required") or [] if name in properties]
        query_param = "query" if "query" in properties else next(iter(required or properties), "query")
        arguments: dict[str, Any] = {query_param: self.question}
        if self.config.retrieve_k is not None and "k" in properties:
            arguments["k"] = self.config.retrieve_k
        return arguments

    # -- one model turn -------------------------------------------------------------------------------

    async def generate(self, step: int, tools: list[ToolSpec]) -> ModelResponse:
        self.fit_context(tools, step)
        began = time.perf_counter()
        try:
            response = await self.model.generate(self.messages, tools, self.sampling)
        finally:
            self.model_s += time.perf_counter() - began
        self.usage = self.usage + response.usage
        self.emit(
            "model",
            step,
            text=response.text,
            tool_calls=[call.model_dump() for call in response.tool_calls],
            tool_call_errors=list(response.tool_call_errors),
            usage=response.usage.model_dump(),
            duration_s=round(time.perf_counter() - began, 6),
        )
        return response

    # -- one round of tool calls ----------------------------------------------------------------------

    async def run_calls(self, step: int, calls: list[ToolCall], errors: list[str], kind: str = "call") -> None:
        """Run the new calls of a turn in parallel; repeats get a warning; append every result in order."""
        results: list[ToolResult | None] = [None] * len(calls)
        kinds = [kind] * len(calls)
        durations = [0.0] * len(calls)
        to_run: list[int] = []
        for i, call in enumerate(calls):
            key = call_key(call.name, call.arguments)
            if key in self.seen_calls:
                results[i] = ToolResult(text=prompts.repeated_call_warning(call.name, self.seen_calls[key]))
                kinds[i] = "repeated"
            else:
                self.seen_calls[key] = step
                to_run.append(i)
                self.emit("tool", step, phase="start", kind=kind, id=call.id, name=call.name, arguments=call.arguments)

        async def run_one(i: int) -> None:
            began = time.perf_counter()
            results[i] = await self._call_tool(calls[i])
            durations[i] = time.perf_counter() - began

        began = time.perf_counter()
        if len(to_run) == 1:
            await run_one(to_run[0])
        elif to_run:
            async with anyio.create_task_group() as group:
                for i in to_run:
                    group.start_soon(run_one, i)
        self.tools_s += time.perf_counter() - began
        self.tool_calls += len(to_run)

        for i, call in enumerate(calls):
            result = results[i]
            assert result is not None
            self._add_tool_message(step, call.id, call.name, call.arguments, result, kinds[i], durations[i])
        for n, detail in enumerate(errors, start=1):
            result = ToolResult(text=prompts.malformed_call_error(detail), is_error=True)
            self._add_tool_message(step, f"call_invalid_{step}_{n}", None, {}, result, "malformed", 0.0)

    async def _call_tool(self, call: ToolCall) -> ToolResult:
        assert self.toolbox is not None
        try:
            return await self.toolbox.call(call.name, call.arguments)
        except Exception as exc:  # a Toolbox promises not to raise; a run must survive one that does
            return ToolResult(text=f"Error: {call.name} failed: {type(exc).__name__}: {exc}", is_error=True)

    def _add_tool_message(
        self,
        step: int,
        call_id: str,
        name: str | None,
        arguments: dict[str, Any],
        result: ToolResult,
        kind: str,
        duration_s: float,
    ) -> None:
        content, truncated = cap_result(result.text, self.config.tool_result_chars)
        message: Message = {"role": "tool", "tool_call_id": call_id, "content": content}
        if name is not None:
            message["name"] = name
        self.messages.append(message)
        if not result.is_error and kind != "repeated":
            self.passages.extend(result.passages)
        details: dict[str, Any] = {
            "phase": "end",
            "kind": kind,
            "id": call_id,
            "name": name,
            "arguments": arguments,
            "result": content,
            "is_error": result.is_error,
            "truncated": truncated,
            "chars": len(result.text),
            "sources": result.sources,
            "duration_s": round(duration_s, 6),
        }
        if truncated:
            details["full_result"] = result.text
        self.emit("tool", step, **details)

    # -- context budget -------------------------------------------------------------------------------

    def _tokens(self, text: str) -> int:
        count = self._token_cache.get(text)
        if count is None:
            count = self._token_cache[text] = self.model.count_tokens(text) if text else 0
        return count

    def _message_tokens(self, message: Message) -> int:
        tokens = 4 + self._tokens(str(message.get("content") or ""))  # 4: role markers of a chat template
        if message.get("tool_calls"):
            tokens += self._tokens(json.dumps(message["tool_calls"], ensure_ascii=False))
        return tokens

    def fit_context(self, tools: list[ToolSpec], step: int) -> None:
        """Shorten the oldest tool results (then remove them) until the conversation fits the budget."""
        config = self.config
        reserve = min(self.sampling.max_tokens, config.context_tokens // 2)  # room for the reply
        budget = config.context_tokens - reserve - (self._tokens(json.dumps(tools)) if tools else 0)
        total = sum(self._message_tokens(m) for m in self.messages)
        if total <= budget:
            return
        before = total
        shortened = 0
        tool_messages = [m for m in self.messages if m["role"] == "tool"]
        for replacement in (_shortened, lambda _: REMOVED_MARKER):
            for message in tool_messages:
                if total <= budget:
                    break
                new_content = replacement(str(message["content"]))
                if new_content == message["content"]:
                    continue
                total += self._tokens(new_content) - self._tokens(str(message["content"]))
                message["content"] = new_content
                shortened += 1
        self.emit(
            "warning",
            step,
            message=f"context over budget ({before} > {budget} tokens): shortened {shortened} old tool results"
            + ("" if total <= budget else f"; still {total} tokens"),
        )

    # -- events and the result ------------------------------------------------------------------------

    def emit(self, kind: EventKind, step: int, /, **data: Any) -> None:
        event = AgentEvent(kind=kind, step=step, t=round(time.perf_counter() - self.started, 6), data=data)
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)

    def finish(self, answer: str, error: str | None) -> AgentResult:
        sources = pick_sources(answer, self.passages, question=self.question)
        total = time.perf_counter() - self.started
        timing = {
            "total_s": total,
            "model_s": self.model_s,
            "tools_s": self.tools_s,
            "overhead_s": max(0.0, total - self.model_s - self.tools_s),
        }
        self.emit(
            "answer",
            len(self.events),
            answer=answer,
            sources=sources,
            usage=self.usage.model_dump(),
            timing=timing,
            tool_calls=self.tool_calls,
            error=error,
        )
        return AgentResult(
            answer=answer,
            sources=sources,
            steps=[event.model_dump() for event in self.events],
            usage=self.usage,
            timing=timing,
            tool_calls=self.tool_calls,
            error=error,
        )


def _assistant_message(text: str, calls: list[ToolCall]) -> Message:
    """An assistant turn in the OpenAI format (arguments as a JSON string), which chat templates accept."""
    message: Message = {"role": "assistant", "content": text}
    if calls:
        message["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments, ensure_ascii=False)},
            }
            for call in calls
        ]
    return message


def _find_tool(tools: list[ToolSpec], name: str) -> ToolSpec | None:
    """The tool called ``name``, else the first whose name ends with it (``web_search`` for ``search``)."""
    by_name = {spec["function"]["name"]: spec for spec in tools}
    if name in by_name:
        return by_name[name]
    return next((spec for tool, spec in by_name.items() if tool.endswith(name)), None)


def _shortened(content: str) -> str:
    if len(content) <= SHORTENED_CHARS + len(SHORTENED_MARKER) + 8 or content == REMOVED_MARKER:
        return content  # short already, or shortened before
    return content[:SHORTENED_CHARS].rstrip() + "\n" + SHORTENED_MARKER.format(dropped=len(content) - SHORTENED_CHARS)


def _visible(text: str) -> str:
    """The answer without any ``<think>`` reasoning."""
    from agent.models.tool_calls import strip_thinking

    return strip_thinking(text)
