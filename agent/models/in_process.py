"""What the in-process backends (transformers, llama.cpp) share: one ``generate`` around their token loop.

Each backend renders and tokenises the prompt, runs its own generation over token ids on a worker thread and
decodes the new ids; the turn itself (context room, streaming from the thread, cancellation, usage) is here.
"""

from __future__ import annotations

import functools
import threading
from abc import abstractmethod
from collections.abc import Callable

import anyio

from agent.models.base import Message, Model, ModelResponse, Sampling, ToolSpec, Usage
from agent.models.thread_stream import threadsafe_emitter
from agent.models.tool_calls import response_from_text
from mcp_servers.errors import JanagentError


class InProcessModel(Model):
    """A model whose weights live in this process; subclasses supply prompt ids, generation and decoding."""

    @abstractmethod
    def encode_prompt(self, messages: list[Message], tools: list[ToolSpec]) -> list[int]:
        """The prompt's token ids, rendered with the model's chat template and the tools."""

    @abstractmethod
    def generate_ids(
        self,
        prompt_ids: list[int],
        sampling: Sampling,
        max_new_tokens: int,
        *,
        stream: Callable[[str], None] | None = None,
        stop: threading.Event | None = None,
        with_tools: bool = False,
    ) -> list[int]:
        """Generate up to ``max_new_tokens`` ids after ``prompt_ids`` (blocking; runs on a worker thread)."""

    @abstractmethod
    def decode(self, ids: list[int]) -> str:
        """The text of generated ``ids``, as the tool-call parser must see it."""

    async def generate(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        sampling: Sampling,
        on_text: Callable[[str], None] | None = None,
    ) -> ModelResponse:
        prompt_ids = self.encode_prompt(messages, tools)
        max_new = self._max_new_tokens(len(prompt_ids), sampling.max_tokens)
        stop = threading.Event()
        emit = threadsafe_emitter(on_text, stop) if on_text is not None else None
        run = functools.partial(
            self.generate_ids, prompt_ids, sampling, max_new, stream=emit, stop=stop, with_tools=bool(tools)
        )
        try:
            # Abandoning on cancel lets the caller move on at once; ``stop`` ends the thread's work.
            new_ids = await anyio.to_thread.run_sync(run, abandon_on_cancel=True)
        finally:
            stop.set()
        response = response_from_text(self.decode(new_ids), tools)
        response.usage = Usage(prompt_tokens=len(prompt_ids), completion_tokens=len(new_ids))
        return response

    def _max_new_tokens(self, prompt_tokens: int, requested: int) -> int:
        if self.context_length is None:
            return requested
        room = self.context_length - prompt_tokens
        if room <= 0:
            raise JanagentError(
                f"the conversation is {prompt_tokens} tokens, more than {self.name}'s context of "
                f"{self.context_length}; shorten the tool results or the history"
            )
        return min(requested, room)
