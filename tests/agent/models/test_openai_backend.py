from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from agent.models.base import Sampling
from agent.models.openai_backend import ModelServerError, OpenAIModel, RetryPolicy
from agent.models.spec import load_model
from mcp_servers.errors import JanagentError
from tests.agent.models.conftest import SEARCH_TOOL

LOCAL = "http://127.0.0.1:8000/v1"
MESSAGES = [{"role": "user", "content": "Who painted La Grande Jatte?"}]


class Recorder:
    """A MockTransport handler that replays canned responses and records the requests."""

    def __init__(self, *responses: httpx.Response | Callable[[httpx.Request], httpx.Response]) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.responses.pop(0)
        return response(request) if callable(response) else response

    def body(self, index: int = -1) -> dict[str, Any]:
        return json.loads(self.requests[index].content)


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def completion(content: str | None = "", tool_calls: list[dict[str, Any]] | None = None) -> httpx.Response:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return httpx.Response(
        200,
        json={"choices": [{"index": 0, "message": message}], "usage": {"prompt_tokens": 11, "completion_tokens": 7}},
    )


def sse(*chunks: dict[str, Any]) -> httpx.Response:
    body = "".join(f"data: {json.dumps(chunk)}\n\n" for chunk in chunks) + "data: [DONE]\n\n"
    return httpx.Response(200, content=body.encode(), headers={"content-type": "text/event-stream"})


def make(recorder: Recorder, *, stream: bool = False, base_url: str | None = LOCAL, **kwargs: Any) -> OpenAIModel:
    return OpenAIModel(
        "Menlo/Jan-nano",
        base_url=base_url,
        stream=stream,
        transport=httpx.MockTransport(recorder),
        retry=kwargs.pop("retry", RetryPolicy(attempts=3, base_delay=0.5)),
        sleep=kwargs.pop("sleep", Sleeps()),
        **kwargs,
    )


async def test_a_plain_completion_returns_text_and_the_servers_usage() -> None:
    recorder = Recorder(completion("<think>\n\n</think>\n\nGeorges Seurat."))
    model = make(recorder)
    response = await model.generate(MESSAGES, [], Sampling(seed=3))
    assert response.text == "Georges Seurat."
    assert (response.usage.prompt_tokens, response.usage.completion_tokens) == (11, 7)
    assert recorder.requests[0].url == "http://127.0.0.1:8000/v1/chat/completions"
    body = recorder.body()
    assert body["model"] == "Menlo/Jan-nano"
    assert (body["temperature"], body["top_p"], body["top_k"], body["min_p"], body["seed"]) == (0.7, 0.8, 20, 0.0, 3)
    assert body["chat_template_kwargs"] == {"enable_thinking": False}
    assert "tools" not in body
    await model.aclose()


async def test_native_tool_calls_are_returned_with_their_ids() -> None:
    call = {"id": "call_x", "type": "function", "function": {"name": "search", "arguments": '{"query": "Seurat"}'}}
    recorder = Recorder(completion(None, [call]))
    response = await make(recorder).generate(MESSAGES, [SEARCH_TOOL], Sampling())
    assert [(c.id, c.name, c.arguments) for c in response.tool_calls] == [("call_x", "search", {"query": "Seurat"})]
    assert recorder.body()["tools"] == [SEARCH_TOOL]


async def test_a_native_call_with_broken_arguments_becomes_an_error_for_the_model() -> None:
    call = {"id": "c", "type": "function", "function": {"name": "search", "arguments": '{"query": : }'}}
    response = await make(Recorder(completion("", [call]))).generate(MESSAGES, [SEARCH_TOOL], Sampling())
    assert response.tool_calls == []
    assert len(response.tool_call_errors) == 1
    assert "search" in response.tool_call_errors[0]


async def test_raw_hermes_text_from_the_server_is_parsed_as_tool_calls() -> None:
    text = 'Searching.\n<tool_call>\n{"name": "search", "arguments": {"query": "Seurat"}}\n</tool_call>'
    response = await make(Recorder(completion(text))).generate(MESSAGES, [SEARCH_TOOL], Sampling())
    assert response.text == "Searching."
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("search", {"query": "Seurat"})]


async def test_streamed_text_and_tool_call_deltas_are_accumulated() -> None:
    def delta(**fields: Any) -> dict[str, Any]:
        return {"choices": [{"index": 0, "delta": fields}]}

    recorder = Recorder(
        sse(
            delta(role="assistant", content="Let me "),
            delta(content="<think>hidden</think>search."),
            delta(tool_calls=[{"index": 0, "id": "call_a", "type": "function", "function": {"name": "search"}}]),
            delta(tool_calls=[{"index": 0, "function": {"arguments": '{"que'}}]),
            delta(tool_calls=[{"index": 0, "function": {"arguments": 'ry": "Seurat"}'}}]),
            delta(tool_calls=[{"index": 1, "id": "call_b", "function": {"name": "search", "arguments": "{}"}}]),
            {"choices": [], "usage": {"prompt_tokens": 30, "completion_tokens": 12}},
        )
    )
    shown: list[str] = []
    response = await make(recorder, stream=True).generate(MESSAGES, [SEARCH_TOOL], Sampling(), on_text=shown.append)
    assert "".join(shown) == "Let me search."
    assert response.text == "Let me search."
    assert [(c.id, c.arguments) for c in response.tool_calls] == [("call_a", {"query": "Seurat"}), ("call_b", {})]
    assert response.usage.completion_tokens == 12
    body = recorder.body()
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_a_rate_limit_is_retried_after_the_servers_retry_after() -> None:
    sleeps = Sleeps()
    recorder = Recorder(
        httpx.Response(429, headers={"retry-after": "2"}, json={"error": {"message": "slow down"}}), completion("ok")
    )
    response = await make(recorder, sleep=sleeps).generate(MESSAGES, [], Sampling())
    assert response.text == "ok"
    assert sleeps.delays == [2.0]
    assert len(recorder.requests) == 2


async def test_server_errors_are_retried_with_growing_backoff_then_reported_in_one_line() -> None:
    sleeps = Sleeps()
    recorder = Recorder(*[httpx.Response(500, json={"error": {"message": "CUDA out of memory"}}) for _ in range(3)])
    with pytest.raises(ModelServerError) as info:
        await make(recorder, sleep=sleeps).generate(MESSAGES, [], Sampling())
    message = str(info.value)
    assert (
        "kept failing" in message
        and "HTTP 500" in message
        and "CUDA out of memory" in message
        and "3 attempts" in message
    )
    assert "\n" not in message
    assert len(recorder.requests) == 3
    assert len(sleeps.delays) == 2
    assert 0.25 <= sleeps.delays[0] <= 0.5 < sleeps.delays[1] <= 1.0


async def test_the_total_wait_is_capped() -> None:
    sleeps = Sleeps()
    recorder = Recorder(*[httpx.Response(503, headers={"retry-after": "15"}) for _ in range(5)])
    policy = RetryPolicy(attempts=5, max_total_wait=20.0)
    with pytest.raises(ModelServerError):
        await make(recorder, sleep=sleeps, retry=policy).generate(MESSAGES, [], Sampling())
    assert sleeps.delays == [15.0]
    assert len(recorder.requests) == 2


async def test_connection_errors_are_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    recorder = Recorder(refuse, completion("back"))
    assert (await make(recorder).generate(MESSAGES, [], Sampling())).text == "back"
    with pytest.raises(ModelServerError, match=re.escape(f"could not reach the model server at {LOCAL}")):
        await make(Recorder(refuse, refuse, refuse)).generate(MESSAGES, [], Sampling())


async def test_a_rejected_key_says_which_variable_to_set() -> None:
    recorder = Recorder(httpx.Response(401, json={"error": {"message": "Invalid API key"}}))
    with pytest.raises(ModelServerError) as info:
        await make(recorder, api_key="wrong").generate(MESSAGES, [], Sampling())
    assert str(info.value) == f"the server at {LOCAL} rejected the API key (set JANAGENT_API_KEY)"
    assert len(recorder.requests) == 1


async def test_a_bad_request_is_not_retried_and_shows_the_servers_message() -> None:
    recorder = Recorder(httpx.Response(400, json={"error": {"message": "maximum context length is 4096 tokens"}}))
    with pytest.raises(ModelServerError, match=r"rejected the request \(400\): maximum context length"):
        await make(recorder).generate(MESSAGES, [], Sampling())


async def test_an_openai_key_never_goes_to_a_custom_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    recorder = Recorder(completion("ok"))
    await make(recorder, base_url=LOCAL).generate(MESSAGES, [], Sampling())
    assert "authorization" not in recorder.requests[0].headers


async def test_the_openai_key_goes_to_openai_and_the_janagent_key_to_any_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    recorder = Recorder(completion("ok"))
    model = make(recorder, base_url="https://api.openai.com/v1")
    await model.generate(MESSAGES, [], Sampling())
    assert recorder.requests[0].headers["authorization"] == "Bearer sk-openai-secret"
    body = recorder.body()
    assert "top_k" not in body and "min_p" not in body  # OpenAI rejects these fields

    monkeypatch.setenv("JANAGENT_API_KEY", "jan-key")
    recorder = Recorder(completion("ok"))
    await make(recorder, base_url=LOCAL).generate(MESSAGES, [], Sampling())
    assert recorder.requests[0].headers["authorization"] == "Bearer jan-key"


def test_openai_itself_without_any_key_is_a_clear_error() -> None:
    with pytest.raises(JanagentError, match=re.escape("no API key for https://api.openai.com/v1")):
        OpenAIModel("gpt-4o-mini", base_url=None)


def test_the_spec_reads_the_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JANAGENT_BASE_URL", "http://localhost:1337/v1/")
    model = load_model("openai:Menlo/Jan-nano", temperature=0.1)
    assert isinstance(model, OpenAIModel)
    assert model.base_url == "http://localhost:1337/v1"
    assert model.default_sampling.temperature == 0.1
    assert model.calls_tools


async def test_assistant_tool_calls_and_tool_results_are_sent_in_openai_shape() -> None:
    recorder = Recorder(completion("Seurat."))
    history = [
        *MESSAGES,
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "c1", "name": "search", "arguments": {"query": "q"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "name": "search", "content": "Seurat painted it."},
    ]
    await make(recorder).generate(history, [SEARCH_TOOL], Sampling())
    sent = recorder.body()["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "search", "arguments": '{"query": "q"}'}}],
    }
    assert sent[2] == {"role": "tool", "tool_call_id": "c1", "content": "Seurat painted it."}


async def test_the_thinking_switch_follows_the_models_profile() -> None:
    recorder = Recorder(completion("ok"), completion("ok"))
    jan = make(recorder)
    await jan.generate(MESSAGES, [], Sampling())
    qwen25 = OpenAIModel(
        "Qwen2.5-Coder-0.5B-Instruct", base_url=LOCAL, stream=False, transport=httpx.MockTransport(recorder)
    )
    await qwen25.generate(MESSAGES, [], Sampling())
    assert recorder.body(0)["chat_template_kwargs"] == dict(jan.profile.template_kwargs) == {"enable_thinking": False}
    assert qwen25.profile.template_kwargs == {} and "chat_template_kwargs" not in recorder.body(1)
