from __future__ import annotations

import pytest

from agent.models.profiles import JAN_NANO_128K_ROPE, apply_rope_scaling, profile_for


def test_jan_nano_gets_its_recommended_sampling_and_calls_tools() -> None:
    profile = profile_for("Menlo/Jan-nano")
    assert profile.calls_tools
    sampling = profile.sampling
    assert (sampling.temperature, sampling.top_p, sampling.top_k, sampling.min_p) == (0.7, 0.8, 20, 0.0)
    assert profile.template_kwargs == {"enable_thinking": False}
    assert profile.rope_scaling is None


def test_smollm2_is_retrieve_first() -> None:
    assert not profile_for("smollm2").calls_tools
    assert not profile_for("/x/SmolLM2-135M-Instruct.Q4_1.gguf").calls_tools


def test_unknown_models_call_tools_by_default() -> None:
    assert profile_for("org/some-model").calls_tools


def test_jan_nano_128k_config_gets_yarn_over_40960_positions() -> None:
    transformers = pytest.importorskip("transformers")
    config = transformers.Qwen3Config(max_position_embeddings=40960, rope_theta=1_000_000.0)
    assert apply_rope_scaling(config, profile_for("Menlo/Jan-nano-128k"))
    rope = config.rope_parameters
    assert rope["rope_type"] == "yarn"
    assert rope["factor"] == 3.2
    assert rope["original_max_position_embeddings"] == 40960
    assert rope["rope_theta"] == 1_000_000.0
    assert config.max_position_embeddings == 131072
    # Applying it again changes nothing.
    assert not apply_rope_scaling(config, profile_for("Menlo/Jan-nano-128k"))


def test_the_yarn_settings_build_a_working_rotary_embedding() -> None:
    transformers = pytest.importorskip("transformers")
    torch = pytest.importorskip("torch")
    from transformers.models.qwen3.modeling_qwen3 import Qwen3RotaryEmbedding

    config = transformers.Qwen3Config(hidden_size=64, num_attention_heads=4, head_dim=16, rope_theta=1_000_000.0)
    config.rope_parameters = {**JAN_NANO_128K_ROPE, "rope_theta": 1_000_000.0}
    rotary = Qwen3RotaryEmbedding(config)
    cos, _ = rotary(torch.zeros(1, 1, 64), torch.tensor([[0, 100_000]]))
    assert cos.shape == (1, 2, 16)
    assert torch.isfinite(cos).all()
