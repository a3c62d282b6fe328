"""The OpenAI-compatible backend against servers that misbehave: bounded time, bytes, lines and tokens, and one
line saying what came back when the answer is not an OpenAI response. Local servers made by the test."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import anyio
import pytest

from agent.models.base import Sampling
from agent.models.openai_backend import ModelServerError, OpenAIModel, RetryPolicy, StreamLimits
from tests.agent.models.hostile_model_server import (
    CONTENT_CHUNK,
    chunked,
    endless,
    fixed,
    raw_http_server,
    sse_body,
    stalling,
)

MESSAGES = [{"role": "user", "content": "Who painted La Grande Jatte?"}]


async def ask(url: str, *, stream: bool = True, max_tokens: int = 16, **limits: Any) -> str:
    """The one-line error the backend raises for this server (the test fails if it answers)."""
    model = OpenAIModel(
        "Menlo/Jan-nano",
        base_url=url,
        api_key="",
        stream=stream,
        retry=RetryPolicy(attempts=1),
        limits=StreamLimits(**limits),
    )
    try:
        with pytest.raises(ModelServerError) as info:
            await model.generate(MESSAGES, [], Sampling(max_tokens=max_tokens))
    finally:
        await model.aclose()
    message = str(info.value)
    assert "\n" not in message
    return message


async def test_an_endless_stream_of_tokens_stops_at_max_tokens_plus_a_margin() -> None:
    async with raw_http_server(chunked(endless(CONTENT_CHUNK))) as url:
        message = await ask(url, max_tokens=16)
    assert "kept streaming past max_tokens (49 pieces, at most 48 allowed)" in message


async def test_an_endless_line_without_newlines_stops_at_the_line_cap() -> None:
    first = b'data: {"choices": [{"index": 0, "delta": {"content": "'
    async with raw_http_server(chunked(endless(b"x" * 4096, first=first))) as url:
        message = await ask(url, max_line_bytes=20_000)
    assert "sent a line longer than 20,000 bytes" in message


async def test_endless_keep_alives_stop_at_the_byte_cap() -> None:
    async with raw_http_server(chunked(endless(b": keep-alive\n\n" * 16))) as url:
        message = await ask(url, max_bytes=50_000)
    assert "sent more than 50,000 bytes for one turn" in message


async def test_a_stream_that_stalls_ends_at_the_deadline_per_turn() -> None:
    release = anyio.Event()
    async with raw_http_server(chunked(stalling(CONTENT_CHUNK, release))) as url:
        started = time.perf_counter()
        message = await ask(url, deadline_s=0.5)
        elapsed = time.perf_counter() - started
        release.set()
    assert "no complete answer within the 0.5 s deadline per turn" in message
    assert 0.5 <= elapsed < 2.0


async def test_an_html_page_is_an_error_that_shows_status_content_type_and_first_bytes() -> None:
    page = b"<html><body><h1>Welcome to nginx!</h1></body></html>"
    async with raw_http_server(fixed(page, content_type="text/html")) as url:
        streamed = await ask(url)
        whole = await ask(url, stream=False)
    assert "did not answer with an event stream: HTTP 200, content type 'text/html'" in streamed
    assert "<html><body><h1>Welcome to nginx!" in streamed
    assert "did not answer with JSON: HTTP 200, content type 'text/html'" in whole


async def test_an_event_stream_of_data_that_is_not_json_is_an_error_not_an_empty_answer() -> None:
    async with raw_http_server(fixed(b"data: hello\n\ndata: world\n\n")) as url:
        message = await ask(url)
    assert "sent no OpenAI chunk in its event stream: HTTP 200" in message and "data: hello" in message


async def test_an_empty_answer_is_an_error() -> None:
    async with raw_http_server(fixed(b"")) as url:
        message = await ask(url)
    assert "sent no OpenAI chunk" in message and "(empty body)" in message


@pytest.mark.parametrize(
    ("chunk", "where"),
    [
        ({"choices": ["x"]}, "choices.0"),
        ({"choices": [{"index": "abc", "delta": {"content": "a"}}]}, "choices.0.index"),
        ({"choices": [], "usage": "lots"}, "usage"),
        ({"choices": [{"delta": {"tool_calls": [{"index": "abc"}]}}]}, "choices.0.delta.tool_calls.0.index"),
        ([1, 2], "body"),
    ],
)
async def test_wrongly_shaped_chunks_are_one_line_errors_naming_the_field(chunk: Any, where: str) -> None:
    async with raw_http_server(fixed(sse_body(chunk))) as url:
        message = await ask(url)
    assert f"sent a stream chunk that is not OpenAI's ({where}:" in message
    assert "AttributeError" not in message and "ValueError" not in message


async def test_a_wrongly_shaped_completion_is_a_one_line_error() -> None:
    body = json.dumps({"choices": [{"message": {"content": ["not", "text"]}}]}).encode()
    async with raw_http_server(fixed(body, content_type="application/json")) as url:
        message = await ask(url, stream=False)
    assert "answered with JSON that is not a chat completion (choices.0.message.content:" in message


async def test_a_server_that_ignores_stream_and_sends_json_still_answers() -> None:
    completion = {"choices": [{"message": {"role": "assistant", "content": "Georges Seurat."}}]}
    async with raw_http_server(fixed(json.dumps(completion).encode(), content_type="application/json")) as url:
        model = OpenAIModel("m", base_url=url, api_key="", retry=RetryPolicy(attempts=1))
        response = await model.generate(MESSAGES, [], Sampling())
        await model.aclose()
    assert response.text == "Georges Seurat."


async def test_a_well_behaved_stream_within_the_limits_answers() -> None:
    chunks = [{"choices": [{"index": 0, "delta": {"content": piece}}]} for piece in ("Georges", " Seurat.")]
    async with raw_http_server(fixed(sse_body(*chunks))) as url:
        model = OpenAIModel(
            "m", base_url=url, api_key="", limits=StreamLimits(max_bytes=10_000, max_line_bytes=200, deadline_s=5)
        )
        response = await model.generate(MESSAGES, [], Sampling(max_tokens=2))
        await model.aclose()
    assert response.text == "Georges Seurat."


@pytest.mark.slow
@pytest.mark.parametrize(
    ("case", "caps_off"), [("newlines", False), ("no-newlines", False), ("keep-alives", False), ("newlines", True)]
)
def test_an_endless_stream_ends_within_the_deadline_under_200_mb(case: str, caps_off: bool) -> None:
    # A fresh process, so that its peak RSS is the probe's own (the test process holds torch and more).
    # With the caps out of reach (caps_off) only the 3 s deadline can end the stream.
    command = [sys.executable, "-m", "tests.agent.models.hostile_model_server", "--case", case, "--deadline", "3"]
    run = subprocess.run(command + (["--caps-off"] if caps_off else []), capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    print(f"endless stream probe: {report}")  # the figures, in the test log (pytest -rP)
    assert report["ended_after_s"] < 3.5
    if caps_off:
        assert report["ended_after_s"] >= 3.0 and "deadline per turn" in report["error"]
    assert report["peak_rss_mb"] < 200
    assert report["error"].endswith("stopped")
