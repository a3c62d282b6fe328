"""The OpenAI backend against a real OpenAI-compatible server: llama.cpp's, from llama-cpp-python[server],
serving the SmolLM2 GGUF on loopback. Skipped when llama_cpp is not installed (it builds from source)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from agent.models.base import Sampling
from agent.models.openai_backend import OpenAIModel
from agent.models.spec import smollm2_gguf_path

pytestmark = pytest.mark.slow
READY_WITHIN_S = 180.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip(
        "llama_cpp.server.app", reason="llama-cpp-python[server] is not installed (it builds from source)"
    )
    port = _free_port()
    command = [sys.executable, "-m", "tests.agent.models.llama_server_main", "--model", str(smollm2_gguf_path())]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--model_alias", "smollm2"]
    # llama.cpp logs hundreds of KB while loading: a file, not a pipe nobody drains (a full pipe blocks the server).
    log = tmp_path_factory.mktemp("llama-server") / "stderr.log"
    log_file = log.open("wb")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log_file)
    base_url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + READY_WITHIN_S
    try:
        while True:
            try:
                if httpx.get(f"{base_url}/models", timeout=2.0).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"llama.cpp server not ready within {READY_WITHIN_S:.0f}s")
            try:  # a bounded wait on the process itself: returns early if the server died
                process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
            stderr = log.read_bytes().decode(errors="replace")[-500:]
            pytest.fail(f"llama.cpp server exited with {process.returncode}: {stderr}")
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log_file.close()


@pytest.mark.parametrize("stream", [False, True])
async def test_a_real_llama_cpp_server_answers_through_the_openai_backend(llama_server: str, stream: bool) -> None:
    model = OpenAIModel("smollm2", base_url=llama_server, stream=stream)
    shown: list[str] = []
    try:
        response = await model.generate(
            [{"role": "user", "content": "What is the capital of France? Answer in one word."}],
            [],
            Sampling(temperature=0.0, max_tokens=10),
            on_text=shown.append,
        )
    finally:
        await model.aclose()
    assert "Paris" in response.text
    assert "".join(shown).strip() == response.text
    assert 0 < response.usage.completion_tokens <= 10
    assert response.usage.prompt_tokens > 0
