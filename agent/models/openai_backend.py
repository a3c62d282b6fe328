"""OpenAI-compatible chat completions over HTTP: vLLM, llama.cpp's server, Jan, Ollama, LM Studio, OpenAI.

Native ``tool_calls`` are used when the server returns them; otherwise the reply text goes through the
Hermes ``<tool_call>`` parser (servers started without a tool parser return the raw text). Requests are
retried a bounded number of times on 429, 5xx, timeouts and connection errors, honouring Retry-After.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from time import time
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx

from agent.models.base import Message, Model, ModelResponse, Sampling, ToolCall, ToolSpec, Usage
from agent.models.messages import normalize_messages
from agent.models.stream_filter import VisibleTextFilter
from agent.models.tool_calls import call_from_native, response_from_text, tool_names
from mcp_servers.errors import JanagentError

DEFAULT_BASE_URL = "https://api.openai.com/v1"
BASE_URL_ENV = "JANAGENT_BASE_URL"
API_KEY_ENV = "JANAGENT_API_KEY"
OPENAI_KEY_ENV = "OPENAI_API_KEY"
_RETRY_STATUSES = {408, 409, 429, 500, 502, 503, 504}


class ModelServerError(JanagentError):
    """The model server failed or refused; the message is one line that says what to do."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class RetryPolicy:
    """Bounded retries with exponential backoff (jittered) and a cap on the total time spent waiting."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total_wait: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        backoff = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return backoff * (0.5 + self.rng.random() / 2)  # jitter so many agents do not retry in lockstep


def resolve_endpoint(base_url: str | None, api_key: str | None) -> tuple[str, str | None]:
    """The base URL and API key to use.

    The key comes from ``api_key`` or JANAGENT_API_KEY; OPENAI_API_KEY is used only for OpenAI's own
    URL, so a custom server never receives an OpenAI key it was not given.
    """
    url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise JanagentError(f"base URL {url!r} must start with http:// or https:// (set --base-url or {BASE_URL_ENV})")
    # An explicit "" means "no key": the env fallback is for the model's own server only.
    key = (api_key if api_key is not None else os.environ.get(API_KEY_ENV)) or None
    if key is None and is_openai_url(url):
        key = os.environ.get(OPENAI_KEY_ENV) or None
    return url, key


def is_openai_url(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() == "api.openai.com"


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
        stream: bool = True,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
    ) -> None:
        self.model = model
        self.name = f"openai:{model}"
        self.base_url, self._api_key = resolve_endpoint(base_url, api_key)
        if self._api_key is None and is_openai_url(self.base_url):
            raise JanagentError(
                f"no API key for {self.base_url}; set {API_KEY_ENV} (or {OPENAI_KEY_ENV}), "
                f"or point --base-url / {BASE_URL_ENV} at your own server"
            )
        self.calls_tools = calls_tools
        self.default_sampling = sampling or Sampling()
        self.context_length: int | None = None  # the server knows it; a 400 says when it is exceeded
        self.stream = stream
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._timeout = httpx.Timeout(timeout, connect=10.0)
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
            self._client = httpx.AsyncClient(timeout=self._timeout, headers=headers, transport=self._transport)
        return self._client

    def request_body(self, messages: list[Message], tools: list[ToolSpec], sampling: Sampling) -> dict[str, Any]:
        """The JSON body of one chat-completions request."""
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [_wire_message(m) for m in normalize_messages(messages, arguments_as="json")],
            "max_tokens": sampling.max_tokens,
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "stream": self.stream,
        }
        if tools:
            body["tools"] = tools
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        if self.stream:
            body["stream_options"] = {"include_usage": True}
        if not is_openai_url(self.base_url):
            # Extra sampling fields that vLLM, llama.cpp and SGLang accept (OpenAI rejects them).
            if sampling.top_k > 0:
                body["top_k"] = sampling.top_k
            body["min_p"] = sampling.min_p
            if any(family in self.model.lower() for family in ("qwen3", "jan-nano")):
                body["chat_template_kwargs"] = {"enable_thinking": False}
        return body

    async def generate(
        self,
        messages: list[Message],
        tools: list[ToolSpec],
        sampling: Sampling,
        on_text: Callable[[str], None] | None = None,
    ) -> ModelResponse:
        body = self.request_body(messages, tools, sampling)
        if self.stream:
            reply = await self._with_retries(lambda: self._stream_once(body, on_text))
        else:
            reply = await self._with_retries(lambda: self._post_once(body))
        response = self._to_response(reply, tools)
        if on_text is not None and not self.stream and response.text:
            on_text(response.text)
        return response

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    # -- transport -------------------------------------------------------------------------------

    async def _with_retries(self, send: Callable[[], Awaitable[_Reply]]) -> _Reply:
        waited = 0.0
        attempt = 0
        while True:
            attempt += 1
            try:
                return await send()
            except _Retryable as exc:
                delay = self.retry.delay(attempt, exc.retry_after)
                if attempt >= self.retry.attempts or waited + delay > self.retry.max_total_wait:
                    raise exc.final_error(self.base_url, attempt) from exc
                waited += delay
                await self._sleep(delay)

    async def _post_once(self, body: dict[str, Any]) -> _Reply:
        try:
            response = await self.client.post(self._url, json=body)
        except httpx.TimeoutException as exc:
            raise _Retryable(f"did not answer within {self._timeout.read:.0f}s", kind="timeout") from exc
        except httpx.TransportError as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}", kind="connect") from exc
        if response.status_code != 200:
            self._raise_for_status(response.status_code, response.text, response.headers)
        try:
            payload = response.json()
        except ValueError as exc:
            raise ModelServerError(f"the server at {self.base_url} returned a body that is not JSON") from exc
        return _reply_from_payload(payload, self.base_url)

    async def _stream_once(self, body: dict[str, Any], on_text: Callable[[str], None] | None) -> _Reply:
        reply = _Reply()
        visible = VisibleTextFilter()
        started = False
        try:
            async with self.client.stream("POST", self._url, json=body) as response:
                if response.status_code != 200:
                    text = (await response.aread()).decode("utf-8", "replace")
                    self._raise_for_status(response.status_code, text, response.headers)
                async for chunk in _sse_chunks(response.aiter_lines(), self.base_url):
                    piece = reply.add_chunk(chunk)
                    if piece:
                        started = True
                        shown = visible.feed(piece)
                        if shown and on_text is not None:
                            on_text(shown)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            if started:  # text was already shown; a retry would show it twice
                raise ModelServerError(
                    f"the stream from {self.base_url} broke off ({type(exc).__name__}); try again"
                ) from exc
            kind = "timeout" if isinstance(exc, httpx.TimeoutException) else "connect"
            raise _Retryable(f"{type(exc).__name__}: {exc}", kind=kind) from exc
        tail = visible.flush()
        if tail and on_text is not None:
            on_text(tail)
        return reply

    def _raise_for_status(self, status: int, text: str, headers: httpx.Headers) -> None:
        detail = _error_detail(text)
        if status in _RETRY_STATUSES:
            raise _Retryable(
                f"HTTP {status}: {detail}", kind="status", status=status, retry_after=_retry_after(headers)
            )
        if status == 401:
            raise ModelServerError(f"the server at {self.base_url} rejected the API key (set {API_KEY_ENV})", status)
        if status == 403:
            raise ModelServerError(f"the server at {self.base_url} refused the request (403): {detail}", status)
        if status == 404:
            raise ModelServerError(
                f"the server at {self.base_url} has no model {self.model!r} or no /chat/completions (404): {detail}",
                status,
            )
        raise ModelServerError(f"the server at {self.base_url} rejected the request ({status}): {detail}", status)

    @property
    def _url(self) -> str:
        return f"{self.base_url}/chat/completions"

    def _to_response(self, reply: _Reply, tools: list[ToolSpec]) -> ModelResponse:
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
        response.usage = reply.usage or Usage(completion_tokens=self.count_tokens(reply.text) if reply.text else 0)
        return response


@dataclass
class _Reply:
    """What one completion returned, accumulated from a body or from stream deltas."""

    text: str = ""
    usage: Usage | None = None
    calls: dict[int, dict[str, str]] = field(default_factory=dict)

    def add_chunk(self, chunk: dict[str, Any]) -> str:
        """Fold one streamed chunk in; return the new text piece."""
        if chunk.get("usage"):
            self.usage = _usage(chunk["usage"])
        piece = ""
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str):
                piece += delta["content"]
            for position, call in enumerate(delta.get("tool_calls") or []):
                slot = self.calls.setdefault(int(call.get("index", position)), {"id": "", "name": "", "arguments": ""})
                slot["id"] = call.get("id") or slot["id"]
                function = call.get("function") or {}
                slot["name"] += function.get("name") or ""
                arguments = function.get("arguments")
                if isinstance(arguments, str):
                    slot["arguments"] += arguments
                elif isinstance(arguments, dict):  # a few servers send the object itself
                    slot["arguments"] += json.dumps(arguments)
        self.text += piece
        return piece

    def native_calls(self) -> list[tuple[str, str, str]]:
        return [(c["id"], c["name"], c["arguments"]) for _, c in sorted(self.calls.items())]


def _reply_from_payload(payload: Any, base_url: str) -> _Reply:
    if not isinstance(payload, dict) or not payload.get("choices"):
        raise ModelServerError(f"the server at {base_url} returned no choices: {_error_detail(json.dumps(payload))}")
    message = payload["choices"][0].get("message") or {}
    reply = _Reply(text=message.get("content") or "", usage=_usage(payload["usage"]) if payload.get("usage") else None)
    for index, call in enumerate(message.get("tool_calls") or []):
        function = call.get("function") or {}
        arguments = function.get("arguments")
        reply.calls[index] = {
            "id": call.get("id") or "",
            "name": function.get("name") or "",
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments or {}),
        }
    return reply


async def _sse_chunks(lines: AsyncIterator[str], base_url: str) -> AsyncIterator[dict[str, Any]]:
    """The JSON chunks of a server-sent-events stream, up to ``[DONE]``."""
    async for line in lines:
        if not line.startswith("data:"):
            continue  # comments, event names, keep-alives
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            chunk = json.loads(data)
        except ValueError:
            continue  # a malformed keep-alive; the server's next chunk carries on
        if isinstance(chunk, dict) and chunk.get("error"):
            raise ModelServerError(f"the server at {base_url} failed mid-stream: {_error_detail(data)}")
        if isinstance(chunk, dict):
            yield chunk


class _Retryable(Exception):
    """A failure worth retrying; turned into a ModelServerError when the retries run out."""

    def __init__(self, detail: str, *, kind: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(detail)
        self.detail, self.kind, self.status, self.retry_after = detail, kind, status, retry_after

    def final_error(self, base_url: str, attempts: int) -> ModelServerError:
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if self.kind == "connect":
            return ModelServerError(
                f"could not reach the model server at {base_url} after {tries} ({self.detail}); "
                f"start it or fix --base-url / {BASE_URL_ENV}"
            )
        if self.kind == "timeout":
            return ModelServerError(f"the model server at {base_url} {self.detail} ({tries}); try again later")
        if self.status == 429:
            return ModelServerError(
                f"the server at {base_url} is rate-limiting requests (429 after {tries}); try later", 429
            )
        return ModelServerError(f"the server at {base_url} kept failing ({self.detail}; {tries})", self.status)


def _wire_message(message: Message) -> Message:
    """Only the fields every OpenAI-compatible server accepts for each role."""
    keep = {"role", "content"}
    if message.get("role") == "assistant" and message.get("tool_calls"):
        keep.add("tool_calls")
    if message.get("role") == "tool":
        keep.add("tool_call_id")
    return {key: value for key, value in message.items() if key in keep}


def _usage(raw: dict[str, Any]) -> Usage:
    return Usage(
        prompt_tokens=int(raw.get("prompt_tokens") or 0), completion_tokens=int(raw.get("completion_tokens") or 0)
    )


def _error_detail(text: str, limit: int = 200) -> str:
    """The server's error message in one short line."""
    message: Any = text
    try:
        payload = json.loads(text)
        error = payload.get("error", payload) if isinstance(payload, dict) else payload
        message = error.get("message", error) if isinstance(error, dict) else error
    except ValueError:
        pass
    flat = " ".join(str(message).split()) or "no details"
    return flat if len(flat) <= limit else flat[:limit] + "..."


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None
