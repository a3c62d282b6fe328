"""One round of tool calls: new calls run in parallel, repeats are not run again, every result is capped.

Nothing a tool does crashes a run: errors, timeouts and dead servers come back as error results the model
can correct, and a call the parser could not read becomes an error tool message. A call on a URL that no
tool result, and not the user, ever showed is refused unrun: small models invent such URLs (measured: the
1.5B Qwen narrated a search it never made and fetched the ``local://`` URL of its invented result).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import anyio

from agent import prompts
from agent.models.base import Message, ToolCall, ToolSpec
from agent.models.messages import tool_message
from agent.sources import SourcePassage, new_items_only, result_items
from agent.steps import CallKind, StepData, ToolEndStep, ToolStartStep
from agent.toolbox import Toolbox, ToolResult

TRUNCATION_MARKER = "[... truncated: showing {shown} of {total} characters ...]"
_URL_VALUE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass
class RoundOutcome:
    """What one round of calls came to: the loop ends a run that stops making progress."""

    ran: int = 0  # calls that were run
    repeated: int = 0  # identical to an earlier call: not run again
    refused: int = 0  # on an invented URL: not run
    malformed: int = 0  # the parser could not read them
    succeeded: int = 0  # ran and returned a result that is not an error

    @property
    def productive(self) -> bool:
        return self.succeeded > 0


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


def argument_defaults(tools: list[ToolSpec]) -> dict[str, dict[str, Any]]:
    """Each tool's arguments that its schema gives a default: a call that leaves one out makes the same call."""
    defaults: dict[str, dict[str, Any]] = {}
    for spec in tools:
        function = spec.get("function") or {}
        properties = (function.get("parameters") or {}).get("properties") or {}
        defaults[str(function.get("name"))] = {
            name: schema["default"]
            for name, schema in properties.items()
            if isinstance(schema, dict) and "default" in schema
        }
    return defaults


class ToolRunner:
    """Runs the tool calls of a run's rounds and keeps what they add up to (passages, counts, time)."""

    def __init__(
        self,
        toolbox: Toolbox,
        result_chars: int,
        emit: Callable[[int, StepData], None],
        known_text: list[str] | None = None,
    ) -> None:
        self.toolbox = toolbox
        self.result_chars = result_chars
        self.emit = emit
        self.seen_calls: dict[str, int] = {}  # call_key -> the step that first made the call
        # Measured with the 0.5B Qwen: after a first search of the question with k=5 it searched the same query
        # without k (the tool's default, 5), and that ran as a new call and bought it another turn.
        self._defaults = argument_defaults(toolbox.tools)
        self.passages: list[SourcePassage] = []
        self._latest_passages = 0  # where the latest result's passages begin in ``passages``
        self.calls_run = 0
        self.model_calls_run = 0  # of those, the model's own (not retrieve-first's)
        self.seconds = 0.0
        # Every result that was not an error, as the model saw it: what a final answer is written from.
        self.gathered: list[str] = []
        # What the user and the tools have shown (URLs in it are real); a called URL must appear here.
        self._known = unquote("\n".join(known_text or []))
        self.last_round = RoundOutcome()

    async def run(self, step: int, calls: list[ToolCall], errors: list[str], kind: CallKind = "call") -> list[Message]:
        """Run the new calls of a turn in parallel; return one tool message per call and per error, in order."""
        results: list[ToolResult | None] = [None] * len(calls)
        kinds: list[CallKind] = [kind] * len(calls)
        durations = [0.0] * len(calls)
        to_run: list[int] = []
        outcome = RoundOutcome(malformed=len(errors))
        for i, call in enumerate(calls):
            key = call_key(call.name, {**self._defaults.get(call.name, {}), **call.arguments})
            invented = self.invented_url(call)
            if key in self.seen_calls:
                results[i] = ToolResult(text=prompts.repeated_call_warning(call.name, self.seen_calls[key]))
                kinds[i] = "repeated"
                outcome.repeated += 1
            elif invented is not None:
                results[i] = ToolResult(text=prompts.invented_url_error(invented), is_error=True)
                kinds[i] = "refused"
                outcome.refused += 1
            else:
                self.seen_calls[key] = step
                to_run.append(i)
                self.emit(step, ToolStartStep(kind=kind, id=call.id, name=call.name, arguments=call.arguments))

        async def run_one(i: int) -> None:
            began = time.perf_counter()
            results[i] = await self._call(calls[i])
            durations[i] = time.perf_counter() - began

        began = time.perf_counter()
        if len(to_run) == 1:
            await run_one(to_run[0])
        elif to_run:
            async with anyio.create_task_group() as group:
                for i in to_run:
                    group.start_soon(run_one, i)
        self.seconds += time.perf_counter() - began
        self.calls_run += len(to_run)
        self.model_calls_run += len(to_run) if kind == "call" else 0
        outcome.ran = len(to_run)
        outcome.succeeded = sum(1 for i in to_run if (result := results[i]) is not None and not result.is_error)
        self.last_round = outcome

        messages = []
        for i, call in enumerate(calls):
            result = results[i]
            assert result is not None
            messages.append(self._message(step, call, result, kinds[i], durations[i]))
        for n, detail in enumerate(errors, start=1):
            invalid = ToolCall(id=f"call_invalid_{step}_{n}", name="")
            result = ToolResult(text=prompts.malformed_call_error(detail), is_error=True)
            messages.append(self._message(step, invalid, result, "malformed", 0.0))
        return messages

    def narrow_latest(self, seen: set[str], limit: int) -> None:
        """Keep of the latest gathered result only its first ``limit`` items whose reference is not in ``seen``
        (all of it goes when none is new), so what is read next is what it added. Call it only right after a
        ``run`` that gathered a result: after an error or a repeat, the latest result is an earlier call's."""
        narrowed = new_items_only(self.gathered[-1], seen, limit)
        if narrowed:
            self.gathered[-1] = narrowed
        else:
            self.gathered.pop()
        # Its passages that are no longer shown are no longer sources or evidence.
        kept = {ref for ref, _ in result_items(narrowed) if ref is not None}
        start = self._latest_passages
        self.passages[start:] = [p for p in self.passages[start:] if p.ref in kept]

    def invented_url(self, call: ToolCall) -> str | None:
        """The first URL argument of ``call`` that nothing in the run has shown, else None."""
        for value in call.arguments.values():
            if not isinstance(value, str) or not _URL_VALUE.match(value.strip()):
                continue
            if unquote(value.strip()).rstrip("/") not in self._known:
                return value
        return None

    async def _call(self, call: ToolCall) -> ToolResult:
        try:
            return await self.toolbox.call(call.name, call.arguments)
        except Exception as exc:  # a Toolbox promises not to raise; a run must survive one that does
            return ToolResult(text=f"Error: {call.name} failed: {type(exc).__name__}: {exc}", is_error=True)

    def _message(self, step: int, call: ToolCall, result: ToolResult, kind: CallKind, duration_s: float) -> Message:
        content, truncated = cap_result(result.text, self.result_chars)
        message = tool_message(call, content)
        if kind == "malformed":
            del message["name"]  # there is no tool to name
        elif not result.is_error and kind != "repeated":
            self._latest_passages = len(self.passages)
            self.passages.extend(result.passages)
            self.gathered.append(content)
            self._known += "\n" + unquote(result.text)
        self.emit(
            step,
            ToolEndStep(
                kind=kind,
                id=call.id,
                name=call.name if kind != "malformed" else None,
                arguments=call.arguments,
                result=content,
                is_error=result.is_error,
                truncated=truncated,
                chars=len(result.text),
                sources=result.sources,
                duration_s=round(duration_s, 6),
                full_result=result.text if truncated else None,
            ),
        )
        return message
