"""OpenAI-compatible chat completions over HTTP: vLLM, llama.cpp's server, Jan, Ollama, LM Studio, OpenAI.

Native ``tool_calls`` are used when the server returns them; otherwise the reply text goes through the
Hermes ``<tool_call>`` parser (servers started without a tool parser return the raw text). The rooms:
endpoint and key policy (openai_endpoint.py), retries (openai_retry.py), the request and reply shapes with
each vendor's quirks (openai_wire.py), bounded reading (openai_stream.py), one-line errors (openai_errors.py).
Every turn is bounded in time (a deadline), bytes, line length and tokens (``StreamLimits``).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx

from agent.models.base import Message, Model, ModelResponse, Sampling, ToolCall, ToolSpec, Usage
from agent.models.openai_endpoint import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    OPENAI_KEY_ENV,
    is_openai_url,
    require_key_for_openai,
    resolve_endpoint,
)
from agent.models.openai_errors import ModelServerError, Retryable, status_error
from agent.models.openai_retry import RetryPolicy, retry_after_seconds, with_retries
from agent.models.openai_stream import StreamLimits, bounded_body, read_completion, read_stream
from agent.models.openai_wire import Reply, request_body
from agent.models.profiles import ModelProfile, profile_for
from agent.models.stream_filter import VisibleTextFilter
from agent.models.tool_calls import call_from_native, response_from_text, tool_names

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "OPENAI_KEY_ENV",
    "ModelServerError",
    "OpenAIModel",
    "RetryPolicy",
    "StreamLimits",
    "is_openai_url",
    "resolve_endpoint",
]


class OpenAIModel(Model):
    """A model behind an OpenAI-compatible ``/chat/completions`` endpoint."""

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        sampling: Sampling | None = None,
        calls_tools: bool = True,
        profile: ModelProfile | None = None,
        stream: bool = True,
        timeout: float = 120.0,
        limits: StreamLimits | None = None,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.model = model
        self.name = f"openai:{model}"
        self.base_url, self._api_key = resolve_endpoint(base_url, api_key)
        require_key_for_openai(self.base_url, self._api_key)
        self.profile = profile or profile_for(model)
        self.calls_tools = calls_tools
        self.default_sampling = sampling or Sampling()
        self.stream = stream
        self.limits = limits or StreamLimits()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._timeout = httpx.Timeout(timeout, connect=10.0)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            # identity: a compressed body could decode to far more than the byte cap counts per read.
            headers = {"Accept-Encoding": "identity"}
            if self._api_key:
                headers["Authorization"] = f"Bearer {self._api_key}"
            self._client = httpx.AsyncClient(timeout=self._timeout, headers=headers, transport=self._transport)
        return self._client

    def request_body(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> dict[str, Any]:
        """The JSON body of one chat-completions request."""
        return request_body(self.model, self.base_url, self.profile, messages, tools, sampling, stream=self.stream)

    async def generate(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        sampling: Sampling,
        on_text: Callable[[str], None] | None = None,
    ) -> ModelResponse:
        body = self.request_body(messages, tools, sampling)
        deadline = self.limits.deadline_s
        try:
            with anyio.fail_after(deadline):
                reply = await with_retries(
                    lambda: self._send_once(body, sampling.max_tokens, on_text), self.retry, self.base_url, self._sleep
                )
        except TimeoutError:
            raise ModelServerError(
                f"the model server at {self.base_url} gave no complete answer within the {deadline:g} s "
                "deadline per turn; stopped"
            ) from None
        response = self._to_response(reply, tools)
        if reply.usage is None:  # servers that stream without usage (llama-cpp-python's): estimate both sides
            response.usage = Usage(
                prompt_tokens=self.count_tokens(json.dumps(messages)),
                completion_tokens=self.count_tokens(reply.text) if reply.text else 0,
            )
        if on_text is not None and not self.stream and response.text:
            on_text(response.text)
        return response

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _send_once(self, body: dict[str, Any], max_tokens: int, on_text: Callable[[str], None] | None) -> Reply:
        """One request; transport failures before any text was shown are Retryable."""
        visible = VisibleTextFilter()
        started = False

        def on_piece(piece: str) -> None:
            nonlocal started
            started = True
            shown = visible.feed(piece)
            if shown and on_text is not None:
                on_text(shown)

        try:
            async with self.client.stream("POST", f"{self.base_url}/chat/completions", json=body) as response:
                if response.status_code != 200:
                    text = (await response.aread())[:4096].decode("utf-8", "replace")
                    raise status_error(
                        self.base_url, self.model, response.status_code, text, retry_after_seconds(response.headers)
                    )
                reader = bounded_body(response, self.base_url, self.limits, max_tokens)
                if not self.stream:
                    return await read_completion(response, reader, self.base_url)
                reply = await read_stream(response, reader, self.base_url, self.limits.piece_cap(max_tokens), on_piece)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            if started:  # text was already shown; a retry would show it twice
                raise ModelServerError(
                    f"the stream from {self.base_url} broke off ({type(exc).__name__}); try again"
                ) from exc
            if isinstance(exc, httpx.TimeoutException):
                raise Retryable(f"did not answer within {self._timeout.read:.0f}s", kind="timeout") from exc
            raise Retryable(f"{type(exc).__name__}: {exc}", kind="connect") from exc
        tail = visible.flush()
        if tail and on_text is not None:
            on_text(tail)
        return reply

    def _to_response(self, reply: Reply, tools: list[ToolSpec]) -> ModelResponse:
        known = tool_names(tools) if tools else set()
        calls: list[ToolCall] = []
        errors: list[str] = []
        for index, (call_id, name, arguments) in enumerate(reply.native_calls(), start=1):
            made = call_from_native(name, arguments, known, call_id or None)
            if isinstance(made, ToolCall):
                calls.append(made)
            else:
                errors.append(f"tool call {index}: {made}")
        if calls or errors:
            response = response_from_text(reply.text, [])  # the text beside native calls is plain text
            response.tool_calls, response.tool_call_errors = calls, errors
        else:
            response = response_from_text(reply.text, tools)  # the Hermes fallback
        if reply.usage is not None:
            response.usage = reply.usage
        return response
