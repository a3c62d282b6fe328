"""Reading a model server's answer with bounded memory: a cap on bytes, on line length and on streamed tokens.

The bytes are counted after decoding, before anything is buffered, so a server that streams forever (with
or without newlines) is cut off at the cap; server-sent events are decoded by ``httpx-sse``. The time bound
(a deadline per turn) is the caller's (openai_backend.py). Whatever is not an OpenAI answer becomes a
ModelServerError that says what came back.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
from httpx_sse import EventSource
from pydantic import ValidationError

from agent.models.openai_errors import ModelServerError, error_detail, first_bytes, not_openai
from agent.models.openai_wire import Reply, WireChunk, WireCompletion, validation_summary

HEAD_BYTES = 200  # the first bytes kept for error messages


@dataclass(frozen=True)
class StreamLimits:
    """How much one turn may take: time, bytes, line length, and tokens beyond ``max_tokens``."""

    deadline_s: float = 600.0  # the whole turn, retries included
    max_bytes: int | None = None  # None: derived from max_tokens (see byte_cap)
    max_line_bytes: int = 1 << 20
    token_margin: float = 0.25  # a server may overshoot max_tokens a little (stop sequences, usage chunks)

    def byte_cap(self, max_tokens: int) -> int:
        """Bytes after decoding: 4 KiB per allowed token (a streamed chunk is 100-400 bytes), at least 4 MiB."""
        return self.max_bytes if self.max_bytes is not None else max(4 << 20, self.piece_cap(max_tokens) * 4096)

    def piece_cap(self, max_tokens: int) -> int:
        """Streamed chunks carrying text or a call fragment (each at least one token) a turn may have."""
        return max_tokens + max(32, int(max_tokens * self.token_margin))


class BoundedBody(httpx.AsyncByteStream):
    """The decoded bytes of a response, refused past ``max_bytes`` in all or ``max_line_bytes`` in one line."""

    def __init__(self, source: AsyncIterator[bytes], base_url: str, max_bytes: int, max_line_bytes: int) -> None:
        self.source, self.base_url = source, base_url
        self.max_bytes, self.max_line_bytes = max_bytes, max_line_bytes
        self.total = 0
        self.line = 0  # bytes since the last line break
        self.head = b""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.source:
            self.total += len(chunk)
            if len(self.head) < HEAD_BYTES:
                self.head += chunk[: HEAD_BYTES - len(self.head)]
            if self.total > self.max_bytes:
                raise ModelServerError(
                    f"the server at {self.base_url} sent more than {self.max_bytes:,} bytes for one turn; stopped"
                )
            last_break = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
            self.line = self.line + len(chunk) if last_break < 0 else len(chunk) - last_break - 1
            if self.line > self.max_line_bytes:
                raise ModelServerError(
                    f"the server at {self.base_url} sent a line longer than {self.max_line_bytes:,} bytes; stopped"
                )
            yield chunk

    async def read_all(self) -> bytes:
        return b"".join([chunk async for chunk in self])

    async def aclose(self) -> None:
        return None  # the response it reads from is closed by its own context


def bounded_body(response: httpx.Response, base_url: str, limits: StreamLimits, max_tokens: int) -> BoundedBody:
    return BoundedBody(response.aiter_bytes(), base_url, limits.byte_cap(max_tokens), limits.max_line_bytes)


async def read_completion(response: httpx.Response, body: BoundedBody, base_url: str) -> Reply:
    """A whole (non-streamed) completion; anything else is a one-line error saying what came back."""
    raw = await body.read_all()
    content_type = response.headers.get("content-type", "")
    try:
        payload = json.loads(raw)
    except ValueError:
        raise not_openai(base_url, "did not answer with JSON", response.status_code, content_type, raw) from None
    try:
        completion = WireCompletion.model_validate(payload)
    except ValidationError as exc:
        raise ModelServerError(
            f"the server at {base_url} answered with JSON that is not a chat completion "
            f"({validation_summary(exc)}): {first_bytes(raw)}"
        ) from None
    if not completion.choices:
        raise ModelServerError(
            f"the server at {base_url} returned no choices: {error_detail(raw.decode('utf-8', 'replace'))}"
        )
    return Reply.from_completion(completion)


async def read_stream(
    response: httpx.Response,
    body: BoundedBody,
    base_url: str,
    max_pieces: int,
    on_piece: Callable[[str], None],
) -> Reply:
    """The chunks of a server-sent-events stream up to ``[DONE]``, folded into one Reply."""
    content_type = response.headers.get("content-type", "")
    if "text/event-stream" not in content_type:
        if "json" in content_type:  # the server ignored "stream": true and sent the whole completion
            return await read_completion(response, body, base_url)
        head = b""
        async for part in body:  # a few bytes for the message; the cap still applies
            head += part
            if len(head) >= HEAD_BYTES:
                break
        raise not_openai(base_url, "did not answer with an event stream", response.status_code, content_type, head)
    # httpx-sse reads the bounded bytes (already decoded, hence no content-encoding header).
    headers = {"content-type": content_type}
    events = EventSource(httpx.Response(response.status_code, headers=headers, stream=body)).aiter_sse()
    reply = Reply()
    parsed = 0
    async for event in events:
        data = event.data.strip()
        if not data:
            continue
        if data == "[DONE]":
            break
        try:
            value = json.loads(data)
        except ValueError:
            continue  # a malformed keep-alive; the server's next chunk carries on (none at all is an error below)
        if isinstance(value, dict) and value.get("error"):
            raise ModelServerError(f"the server at {base_url} failed mid-stream: {error_detail(data)}")
        try:
            chunk = WireChunk.model_validate(value)
        except ValidationError as exc:
            raise ModelServerError(
                f"the server at {base_url} sent a stream chunk that is not OpenAI's "
                f"({validation_summary(exc)}): {first_bytes(data.encode())}"
            ) from None
        parsed += 1
        piece = reply.add_chunk(chunk)
        if reply.pieces > max_pieces:
            raise ModelServerError(
                f"the server at {base_url} kept streaming past max_tokens ({reply.pieces:,} pieces, "
                f"at most {max_pieces:,} allowed); stopped"
            )
        if piece:
            on_piece(piece)
    if parsed == 0:
        raise not_openai(
            base_url, "sent no OpenAI chunk in its event stream", response.status_code, content_type, body.head
        )
    return reply
