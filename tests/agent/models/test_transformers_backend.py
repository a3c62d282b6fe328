"""The in-process backend on a tiny random-weight Qwen3 (built from a config, no download)."""

from __future__ import annotations

import threading
from pathlib import Path

import anyio
import pytest

from agent.models.base import Sampling
from agent.models.spec import load_model
from mcp_servers.errors import JanagentError
from tests.agent.models.conftest import SEARCH_TOOL

pytest.importorskip("transformers")
from agent.models.transformers_backend import TransformersModel

GREEDY = Sampling(temperature=0.0, max_tokens=8)
QUESTION = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Who painted La Grande Jatte?"}]


@pytest.fixture(scope="module")
def tiny(tiny_qwen3_dir: Path) -> TransformersModel:
    model = load_model(str(tiny_qwen3_dir), device="cpu")
    assert isinstance(model, TransformersModel)
    return model


@pytest.fixture(autouse=True)
def fresh_cache(tiny: TransformersModel) -> None:
    tiny.prefix_cache.clear()
    tiny.prefix_cache.enabled = True


def test_a_folder_loads_on_cpu_in_float32_with_default_profile(tiny: TransformersModel, tiny_qwen3_dir: Path) -> None:
    import torch

    assert tiny.hf_model.device.type == "cpu"
    assert tiny.hf_model.dtype == torch.float32
    assert tiny.name == str(tiny_qwen3_dir)
    assert tiny.calls_tools
    assert tiny.native_tools


def test_the_chat_template_gets_the_tools_and_non_thinking_mode(tiny: TransformersModel) -> None:
    prompt = tiny.render_prompt(QUESTION, [SEARCH_TOOL])
    assert '"name": "search"' in prompt
    assert prompt.startswith("<|im_start|>system\nBe brief.")
    assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")


def test_tool_results_are_rendered_by_the_template_as_tool_responses(tiny: TransformersModel) -> None:
    history = [
        *QUESTION,
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": "c1", "name": "search", "arguments": {"query": "q"}}],
        },
        {"role": "tool", "tool_call_id": "c1", "name": "search", "content": "Seurat painted it."},
    ]
    prompt = tiny.render_prompt(history, [SEARCH_TOOL])
    assert '<tool_call>\n{"name": "search", "arguments": {"query": "q"}}\n</tool_call>' in prompt
    assert "<|im_start|>user\n<tool_response>\nSeurat painted it.\n</tool_response>" in prompt


def test_a_template_without_a_tool_section_gets_the_hermes_block(tiny: TransformersModel, tiny_qwen3_dir: Path) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_qwen3_dir)
    tokenizer.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    plain = TransformersModel(tiny.hf_model, tokenizer, name="plain")
    assert not plain.native_tools
    history = [*QUESTION, {"role": "tool", "tool_call_id": "c1", "content": "Seurat painted it."}]
    prompt = plain.render_prompt(history, [SEARCH_TOOL])
    assert prompt.startswith("<|im_start|>system\nBe brief.\n\n# Tools")
    assert "<|im_start|>user\n<tool_response>\nSeurat painted it.\n</tool_response><|im_end|>" in prompt


async def test_generate_returns_text_and_counts_tokens(tiny: TransformersModel) -> None:
    response = await tiny.generate(QUESTION, [SEARCH_TOOL], GREEDY)
    assert response.usage.prompt_tokens == len(tiny.encode_prompt(QUESTION, [SEARCH_TOOL]))
    assert 1 <= response.usage.completion_tokens <= 8
    assert tiny.count_tokens("Georges Seurat") == len(tiny.tokenizer("Georges Seurat")["input_ids"])


def test_greedy_output_is_the_same_as_plain_generate(tiny: TransformersModel) -> None:
    import torch

    prompt_ids = tiny.encode_prompt(QUESTION, [])
    ours = tiny.generate_ids(prompt_ids, GREEDY, 8)
    plain = tiny.hf_model.generate(
        torch.tensor([prompt_ids]), max_new_tokens=8, do_sample=False, eos_token_id=tiny._stop_ids, pad_token_id=0
    )
    assert ours == plain[0, len(prompt_ids) :].tolist()


def test_the_same_seed_gives_the_same_sample(tiny: TransformersModel) -> None:
    prompt_ids = tiny.encode_prompt(QUESTION, [])
    sampling = Sampling(temperature=1.0, top_p=1.0, top_k=0, max_tokens=12, seed=7)
    first = tiny.generate_ids(prompt_ids, sampling, 12)
    tiny.prefix_cache.clear()
    assert tiny.generate_ids(prompt_ids, sampling, 12) == first
    others = {tuple(tiny.generate_ids(prompt_ids, sampling.model_copy(update={"seed": s}), 12)) for s in (8, 9, 10)}
    assert others != {tuple(first)}


def test_kv_cache_reuse_gives_the_same_greedy_output_as_a_fresh_prompt(tiny: TransformersModel) -> None:
    first_turn = tiny.encode_prompt(QUESTION, [SEARCH_TOOL])
    reply = tiny.generate_ids(first_turn, GREEDY, 8)
    history = [
        *QUESTION,
        {"role": "assistant", "content": tiny.tokenizer.decode(reply, skip_special_tokens=True)},
        {"role": "user", "content": "And in which year?"},
    ]
    second_turn = tiny.encode_prompt(history, [SEARCH_TOOL])
    reused = tiny.generate_ids(second_turn, GREEDY, 8)
    # Everything up to the previous reply is reused (like Qwen3's, this template re-renders the reply
    # without the empty think block, so the reply's own tokens are processed again).
    shared = next(i for i, (a, b) in enumerate(zip(first_turn, second_turn, strict=False)) if a != b)
    assert tiny.prefix_cache.reused_tokens == shared > 0.9 * len(first_turn)

    tiny.prefix_cache.enabled = False
    tiny.prefix_cache.clear()
    fresh = tiny.generate_ids(second_turn, GREEDY, 8)
    assert tiny.prefix_cache.reused_tokens == 0
    assert reused == fresh


def test_a_prompt_that_diverges_early_reuses_only_the_shared_prefix(tiny: TransformersModel) -> None:
    tiny.generate_ids(tiny.encode_prompt(QUESTION, []), GREEDY, 4)
    other = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Something else entirely"}]
    other_ids = tiny.encode_prompt(other, [])
    reused = tiny.generate_ids(other_ids, GREEDY, 4)
    assert 0 < tiny.prefix_cache.reused_tokens < len(other_ids)
    tiny.prefix_cache.clear()
    assert tiny.generate_ids(other_ids, GREEDY, 4) == reused


async def test_streamed_text_arrives_on_the_event_loop_thread_while_the_loop_keeps_running(
    tiny: TransformersModel,
) -> None:
    loop_thread = threading.get_ident()
    pieces: list[tuple[int, str]] = []
    ticks = 0
    done = anyio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await anyio.sleep(0)

    async with anyio.create_task_group() as group:
        group.start_soon(ticker)
        response = await tiny.generate(
            QUESTION,
            [],
            Sampling(temperature=0.0, max_tokens=24),
            on_text=lambda p: pieces.append((threading.get_ident(), p)),
        )
        done.set()
    assert ticks > 1
    assert pieces
    assert {thread for thread, _ in pieces} == {loop_thread}
    assert "".join(piece for _, piece in pieces).strip() == response.text


async def test_a_conversation_longer_than_the_context_is_a_clear_error(tiny: TransformersModel) -> None:
    saved = tiny.context_length
    tiny.context_length = 16
    try:
        with pytest.raises(JanagentError, match=r"more than .* context of 16"):
            await tiny.generate(QUESTION, [SEARCH_TOOL], GREEDY)
    finally:
        tiny.context_length = saved


async def test_cancelling_a_generation_stops_its_worker_thread_soon(tiny: TransformersModel) -> None:
    prompt_tokens = len(tiny.encode_prompt(QUESTION, []))
    started = anyio.Event()
    with anyio.fail_after(120):
        async with anyio.create_task_group() as group:

            async def run() -> None:
                await tiny.generate(
                    QUESTION, [], Sampling(temperature=0.0, max_tokens=3000), on_text=lambda _: started.set()
                )

            group.start_soon(run)
            await started.wait()
            group.cancel_scope.cancel()
        # The abandoned thread holds the model lock until it notices the stop; then the lock is free.
        await anyio.to_thread.run_sync(tiny._lock.acquire)
        tiny._lock.release()
    # The run ended through the stop criterion (its cache was kept) long before its 3000 tokens.
    cached = len(tiny.prefix_cache._ids)
    assert prompt_tokens <= cached < prompt_tokens + 100
