"""The real offline model: SmolLM2-135M-Instruct from its GGUF (one load per session, short answers)."""

from __future__ import annotations

import pytest

from agent.models.base import Sampling
from agent.models.transformers_backend import TransformersModel
from tests.agent.models.conftest import SEARCH_TOOL

pytestmark = pytest.mark.slow


async def test_smollm2_answers_a_short_question_from_a_given_result(smollm2: TransformersModel) -> None:
    messages = [
        {"role": "user", "content": "Who painted A Sunday Afternoon on the Island of La Grande Jatte?"},
        {"role": "tool", "tool_call_id": "c1", "content": "Georges Seurat painted it between 1884 and 1886."},
    ]
    response = await smollm2.generate(messages, [], Sampling(temperature=0.0, max_tokens=12))
    assert "Seurat" in response.text
    assert "Ġ" not in response.text  # byte-level tokens decode properly when read from the GGUF
    assert 0 < response.usage.completion_tokens <= 12


def test_smollm2_is_retrieve_first_and_gets_the_hermes_tool_block(smollm2: TransformersModel) -> None:
    assert smollm2.name == "smollm2"
    assert not smollm2.calls_tools
    assert not smollm2.native_tools
    prompt = smollm2.render_prompt([{"role": "user", "content": "hi"}], [SEARCH_TOOL])
    assert prompt.startswith("<|im_start|>system\n# Tools")
    assert '"name": "search"' in prompt


def test_smollm2_counts_tokens_with_its_own_tokenizer(smollm2: TransformersModel) -> None:
    assert smollm2.count_tokens("Georges Seurat") == len(smollm2.tokenizer.encode("Georges Seurat"))
    assert smollm2.count_tokens("Paris") == 1
    assert smollm2.context_length == 8192
