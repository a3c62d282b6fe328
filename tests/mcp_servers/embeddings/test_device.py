"""Device, dtype and memory checks for distillation teachers; distilling only part of a vocabulary."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from mcp_servers.embeddings.device import (
    check_fits,
    count_parameters,
    estimate_memory,
    missing_kernels_note,
    resolve_device,
    resolve_dtype,
)
from mcp_servers.embeddings.distilling import distill_teacher
from mcp_servers.embeddings.teachers import load_teacher, teacher_config
from mcp_servers.embeddings.token_subset import first_token_ids, keep_only_pattern
from mcp_servers.errors import JanagentError


def test_auto_picks_cuda_exactly_when_torch_sees_a_gpu() -> None:
    import torch

    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else resolve_device("auto"))
    assert resolve_device("cpu") == "cpu"


def test_an_absent_gpu_is_a_one_line_error() -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    with pytest.raises(JanagentError, match="torch sees no CUDA GPU"):
        resolve_device("cuda")


def test_unknown_devices_and_dtypes_are_refused() -> None:
    with pytest.raises(JanagentError, match="--device must be one of auto, cpu, cuda, mps"):
        resolve_device("tpu")
    with pytest.raises(JanagentError, match="--dtype must be one of"):
        resolve_dtype("int3", "cpu")


def test_auto_dtype_is_float32_on_the_cpu_and_explicit_ones_are_kept() -> None:
    assert resolve_dtype("auto", "cpu") == "float32"
    assert resolve_dtype("bfloat16", "cpu") == "bfloat16"


def test_the_estimate_is_parameters_times_dtype_bytes_with_headroom() -> None:
    estimate = estimate_memory(9_000_000_000, "bfloat16", "cuda", available=80_000_000_000)
    assert estimate.needed_bytes == int(9e9 * 2 * 1.2)
    assert estimate.fits
    assert "9.00B parameters x 2 bytes (bfloat16) = 18.0 GB of weights" in estimate.describe()


def test_a_teacher_that_cannot_fit_is_refused_before_loading_with_one_line() -> None:
    estimate = estimate_memory(9_000_000_000, "float32", "cpu", available=24_000_000_000)
    with pytest.raises(JanagentError, match=r"will not fit: 9\.00B parameters") as caught:
        check_fits(estimate)
    assert "smaller --dtype" in str(caught.value) and "\n" not in str(caught.value)


def test_parameters_are_counted_from_the_config_without_loading_weights(tiny_teacher_dir: Path) -> None:
    config = teacher_config(str(tiny_teacher_dir))
    teacher = load_teacher(str(tiny_teacher_dir))
    assert count_parameters(config) == sum(p.numel() for p in teacher.model.parameters())


def test_a_hybrid_mamba_teacher_without_its_kernels_gets_one_line_naming_them() -> None:
    import importlib.util

    if importlib.util.find_spec("mamba_ssm") is not None:
        pytest.skip("mamba-ssm is installed here")
    note = missing_kernels_note(SimpleNamespace(model_type="nemotron_h"))
    assert note is not None and "mamba-ssm" in note and "works, but much slower" in note
    assert "\n" not in note
    assert missing_kernels_note(SimpleNamespace(model_type="qwen2")) is None


def test_a_dtype_is_applied_when_the_teacher_loads(tiny_teacher_dir: Path) -> None:
    import torch

    teacher = load_teacher(str(tiny_teacher_dir), dtype="bfloat16")
    assert next(teacher.model.parameters()).dtype == torch.bfloat16


def test_the_keep_only_pattern_removes_exactly_the_tokens_not_kept() -> None:
    pattern = keep_only_pattern(["ab", "abd", "x", "Ġthe", "a.b"])
    for kept in ("ab", "abd", "x", "Ġthe", "a.b"):
        assert pattern.match(kept) is None, kept
    for removed in ("a", "abc", "abdd", "xa", "Ġth", "axb", ""):
        assert pattern.match(removed) is not None, removed


def test_max_tokens_distills_only_the_first_token_ids(tiny_teacher_dir: Path) -> None:
    teacher = load_teacher(str(tiny_teacher_dir))
    # The last ids of the tiny teacher are whole words ("python" ... "paris"); its letters come first.
    kept = first_token_ids(teacher.tokenizer, 85)
    model = distill_teacher(teacher, dims=8, max_tokens=85, batch_size=7)
    assert set(model.tokens) <= set(kept)
    assert "paris" not in model.tokens and "island" in model.tokens
    assert model.encode(["the island"]).shape == (1, 8)
