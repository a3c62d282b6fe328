"""`janagent ask`, `chat`, `doctor` and `bench loop` through typer's CliRunner, with scripted models."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from typer.testing import CliRunner

from agent.cli import app
from agent.session import build_model
from agent.settings import load_settings
from agent.trace import read_trace
from mcp_servers.errors import JanagentError
from mcp_servers.home import runs_dir

QUESTION = "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"
runner = CliRunner()


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def toy_config(tmp_path: Path) -> Path:
    """An mcpServers file with the toy server over stdio."""
    toy = {"command": sys.executable, "args": ["-m", "tests.agent.toy_servers"]}
    return write_json(tmp_path / "mcp.json", {"mcpServers": {"toy": toy}})


@pytest.fixture
def no_servers(tmp_path: Path) -> Path:
    return write_json(tmp_path / "empty.json", {"mcpServers": {}})


def scripted(tmp_path: Path, turns: list[Any], **extra: Any) -> str:
    return "scripted:" + str(write_json(tmp_path / "script.json", {"turns": turns, **extra}))


@pytest.mark.slow
def test_ask_prints_the_answer_and_its_source_and_saves_a_trace(tmp_path: Path, toy_config: Path) -> None:
    model = scripted(
        tmp_path,
        ['<tool_call>{"name": "search", "arguments": {"query": "La Grande Jatte"}}</tool_call>', "Georges Seurat."],
    )
    result = runner.invoke(app, ["ask", "--model", model, "--mcp-config", str(toy_config), QUESTION])
    assert result.exit_code == 0, result.output
    assert result.stdout == "Georges Seurat.\n\nSources:\n- https://en.wikipedia.org/wiki/Georges_Seurat\n"
    assert '→ search {"query": "La Grande Jatte"}' in result.stderr
    assert "✓ search" in result.stderr
    [trace] = runs_dir().glob("*.jsonl")
    records = read_trace(trace)
    assert records[0]["data"]["question"] == QUESTION
    assert records[-1]["data"]["answer"] == "Georges Seurat."


@pytest.mark.slow
def test_ask_retrieve_first_searches_before_a_model_that_does_not_call_tools(tmp_path: Path, toy_config: Path) -> None:
    model = scripted(tmp_path, ["Georges Seurat"], calls_tools=False)
    result = runner.invoke(app, ["ask", "--json", "--model", model, "--mcp-config", str(toy_config), QUESTION])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    kinds = [step["kind"] for step in payload["steps"]]
    assert kinds[:4] == ["start", "retrieve", "tool", "tool"]
    assert payload["sources"] == ["https://en.wikipedia.org/wiki/Georges_Seurat"]
    assert "retrieve-first: search" in result.stderr


def test_ask_json_prints_one_object_with_answer_sources_steps_usage_and_timing(
    tmp_path: Path, no_servers: Path
) -> None:
    model = scripted(tmp_path, ["Georges Seurat"])
    result = runner.invoke(app, ["ask", "--json", "--model", model, "--mcp-config", str(no_servers), QUESTION])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"answer", "sources", "steps", "usage", "timing"}
    assert payload["answer"] == "Georges Seurat"
    assert set(payload["timing"]) == {"total_s", "model_s", "tools_s", "overhead_s"}


def test_ask_flags_reach_the_loop(tmp_path: Path) -> None:
    model = scripted(tmp_path, ["done"])
    flags = ["--no-tools", "--max-steps", "3", "--follow-up"]
    result = runner.invoke(app, ["ask", "--json", *flags, "--model", model, "q"])
    assert result.exit_code == 0, result.output
    start = json.loads(result.stdout)["steps"][0]["data"]
    assert start["config"]["max_steps"] == 3
    assert start["config"]["follow_up_search"] is True
    assert start["tools"] == []


def test_a_failed_run_exits_with_a_one_line_error(tmp_path: Path) -> None:
    model = scripted(tmp_path, [])  # the model has nothing to say
    result = runner.invoke(app, ["ask", "--no-tools", "--model", model, "q"])
    assert result.exit_code == 1
    assert isinstance(result.exception, JanagentError)
    assert "the run failed: ScriptExhaustedError" in str(result.exception)


@pytest.mark.slow
def test_a_failed_ask_prints_its_error_line_once(tmp_path: Path) -> None:
    model = scripted(tmp_path, [])  # the model has nothing to say
    run = subprocess.run(
        [sys.executable, "-m", "agent", "ask", "--no-tools", "--model", model, "q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, run.stderr
    assert errors[0].startswith("error: the run failed: ScriptExhaustedError")


def test_a_bad_mcp_config_is_a_one_line_error_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    result = runner.invoke(app, ["ask", "--model", scripted(tmp_path, ["x"]), "--mcp-config", str(bad), "q"])
    assert isinstance(result.exception, JanagentError)
    assert str(bad) in str(result.exception) and "not valid JSON" in str(result.exception)


def test_an_empty_question_is_refused() -> None:
    result = runner.invoke(app, ["ask", "  "])
    assert isinstance(result.exception, JanagentError)
    assert "question is empty" in str(result.exception)


def test_chat_answers_each_line_and_remembers_the_conversation_until_reset(tmp_path: Path) -> None:
    model = scripted(tmp_path, ["Paris", "About 2.1 million", "Berlin"])
    result = runner.invoke(
        app,
        ["chat", "--no-tools", "--model", model],
        input="Capital of France?\nIts population?\n/reset\nGermany?\n/exit\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\n") == ["Paris", "About 2.1 million", "Berlin", ""]
    traces = sorted(runs_dir().glob("*.jsonl"))
    assert len(traces) == 3


def test_chat_ends_at_the_end_of_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["chat", "--no-tools", "--model", scripted(tmp_path, ["Paris"])], input="Capital?\n")
    assert result.exit_code == 0
    assert result.stdout == "Paris\n"


def test_doctor_reports_keys_as_set_without_showing_them(monkeypatch: pytest.MonkeyPatch, no_servers: Path) -> None:
    monkeypatch.setenv("JANAGENT_API_KEY", "sk-never-print-me")
    result = runner.invoke(app, ["doctor", "--json", "--mcp-config", str(no_servers)])
    assert result.exit_code == 0, result.output
    assert "sk-never-print-me" not in result.output
    report = json.loads(result.stdout)
    assert report["keys"]["JANAGENT_API_KEY"] == "set"
    assert report["keys"]["SERPER_API_KEY"] == "not set"
    assert report["packages"]["local"]["torch"]
    assert report["indexes"] == []  # a fresh JANAGENT_HOME has none (an unreadable one would be a string)
    assert report["servers"] == {}


def test_doctor_lists_exactly_the_extras_of_pyproject(no_servers: Path) -> None:
    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    extras = pyproject["project"]["optional-dependencies"]
    result = runner.invoke(app, ["doctor", "--json", "--no-servers"])
    packages = json.loads(result.stdout)["packages"]
    self_only = {name for name, reqs in extras.items() if all(req.startswith("janagent[") for req in reqs)}
    assert set(packages) == (set(extras) - self_only) | {"optional"}
    names = [re.split(r"[<>=\[;]", req)[0].strip().lower() for req in extras["local"]]
    assert sorted(packages["local"]) == sorted(names)


def test_doctor_prints_a_readable_report(no_servers: Path) -> None:
    result = runner.invoke(app, ["doctor", "--no-servers"])
    assert result.exit_code == 0, result.output
    for section in ("packages", "torch", "models", "indexes", "MCP servers", "keys"):
        assert section in result.stdout


def test_bench_loop_prints_the_overhead_per_step_as_json() -> None:
    result = runner.invoke(app, ["bench", "loop", "--steps", "2", "--runs", "2"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["bench"] == "loop" and report["runs"] == 2 and report["steps_per_run"] == 2
    assert report["tool_calls_per_run"] == [2]  # every run made its two calls
    overhead = report["overhead_ms_per_step"]
    assert 0 < overhead["median"] <= overhead["p95"] <= overhead["max"]
    assert report["in_memory_tool_round_ms"] > 0
    assert report["meets_target"] == (overhead["median"] < report["target_ms_per_step"])
    assert report["token_counting"].startswith("estimate len(text)//4")  # says what it did not tokenise


def test_with_a_base_url_a_plain_model_name_means_that_servers_model() -> None:
    model = build_model(load_settings(model="jan-nano", base_url="http://127.0.0.1:9/v1"))
    assert type(model).__name__ == "OpenAIModel"
    assert model.name.endswith("jan-nano")


# -- against an OpenAI-compatible server -----------------------------------------------------------------


def _sse(chunks: list[dict[str, Any]]) -> StreamingResponse:
    async def body() -> Any:
        for chunk in chunks:
            yield f"data: {json.dumps(chunk)}\n\n"
        yield "data: [DONE]\n\n"

    return StreamingResponse(body(), media_type="text/event-stream")


def fake_openai_app(requests: list[dict[str, Any]]) -> Starlette:
    """Chat completions that first call search, then answer from the tool result they were sent."""

    async def completions(request: Request) -> Response:
        body = await request.json()
        requests.append(body)
        if not any(m["role"] == "tool" for m in body["messages"]):
            delta: dict[str, Any] = {
                "tool_calls": [
                    {
                        "index": 0,
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "search", "arguments": json.dumps({"query": "La Grande Jatte"})},
                    }
                ]
            }
            finish = "tool_calls"
        else:
            delta, finish = {"content": "Georges Seurat"}, "stop"
        chunk = {"choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
        if not body.get("stream"):
            message = {"role": "assistant", "content": delta.get("content"), "tool_calls": delta.get("tool_calls")}
            return JSONResponse({"choices": [{"index": 0, "message": message, "finish_reason": finish}]})
        usage = {"choices": [], "usage": {"prompt_tokens": 50, "completion_tokens": 7}}
        return _sse([chunk, usage])

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


@contextmanager
def serve_in_thread(app_: Any) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # connections wait in the backlog until uvicorn accepts them
    server = uvicorn.Server(uvicorn.Config(app_, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.mark.slow
def test_ask_json_works_against_an_openai_compatible_server(toy_config: Path) -> None:
    requests: list[dict[str, Any]] = []
    with serve_in_thread(fake_openai_app(requests)) as url:
        result = runner.invoke(
            app,
            [
                "ask",
                "--json",
                "--base-url",
                f"{url}/v1",
                "--model",
                "Menlo/Jan-nano",
                "--mcp-config",
                str(toy_config),
                QUESTION,
            ],
        )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["answer"] == "Georges Seurat"
    assert payload["sources"] == ["https://en.wikipedia.org/wiki/Georges_Seurat"]
    assert payload["usage"]["completion_tokens"] == 14
    assert requests[0]["model"] == "Menlo/Jan-nano"
    assert any(tool["function"]["name"] == "search" for tool in requests[0]["tools"])
    tool_message = next(m for m in requests[1]["messages"] if m["role"] == "tool")
    assert "Georges Seurat was a French painter" in tool_message["content"]
