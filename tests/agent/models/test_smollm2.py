"""The real offline model: SmolLM2-135M-Instruct from its GGUF (one load per session, short answers)."""

from __future__ import annotations

import pytest

from agent.models.base import Sampling
from agent.models.transformers_backend import TransformersModel
from tests.agent.models.conftest import SEARCH_TOOL

pytestmark = pytest.mark.slow


async def test_smollm2_answers_a_short_question(smollm2: TransformersModel) -> None:
    messages = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    response = await smollm2.generate(messages, [], Sampling(temperature=0.0, max_tokens=10))
    assert "Paris" in response.text
    assert "Ġ" not in response.text  # byte-level tokens decode properly when read from the GGUF
    assert 0 < response.usage.completion_tokens <= 10


def test_smollm2_is_retrieve_first_and_gets_the_hermes_tool_block(smollm2: TransformersModel) -> None:
    assert smollm2.name == "smollm2"
    assert not smollm2.calls_tools
    assert not smollm2.native_tools
    messages = [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "c1", "content": "a result"}]
    prompt = smollm2.render_prompt(messages, [SEARCH_TOOL])
    assert prompt.startswith("<|im_start|>system\n# Tools")
    assert '"name": "search"' in prompt
    assert "<|im_start|>user\n<tool_response>\na result\n</tool_response><|im_end|>" in prompt


def test_smollm2_counts_tokens_with_its_own_tokenizer(smollm2: TransformersModel) -> None:
    # The GGUF tokenizer adds a BOS token on encode; the count is of the text alone.
    assert smollm2.count_tokens("Georges Seurat") == len(smollm2.tokenizer.encode("Georges Seurat")) - 1
    assert smollm2.count_tokens("Paris") == 1
    assert smollm2.context_length == 8192
