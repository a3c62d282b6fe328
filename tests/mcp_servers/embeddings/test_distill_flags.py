"""`embed distill` for big teachers: device, dtype, batch size, first-N tokens, and the checks before loading."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from mcp_servers.embeddings.teacher_preflight import preflight
from mcp_servers.errors import JanagentError
from tests.mcp_servers.embeddings.cli_runner import run_cli


def _config_only_teacher(folder: Path, config: object) -> Path:
    """A teacher folder with a config and no weights: anything that tried to load it would fail."""
    folder.mkdir(parents=True)
    config.save_pretrained(folder)  # type: ignore[attr-defined]
    return folder


def test_distill_on_cpu_with_a_dtype_batch_size_and_first_tokens(
    tiny_teacher_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "static"
    code = run_cli(
        monkeypatch, "embed", "distill", str(tiny_teacher_dir), "--dims", "1024", "--out", str(out),
        "--device", "cpu", "--dtype", "float32", "--batch-size", "5", "--max-tokens", "85",
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = json.loads(captured.out)
    assert (result["device"], result["dtype"]) == ("cpu", "float32")
    assert result["dims"] == 32  # --dims 1024 on a 32-wide teacher keeps its width
    assert result["vocabulary"] < 93
    assert "memory estimate:" in captured.err and "parameters x 4 bytes (float32)" in captured.err


def test_a_teacher_too_big_for_this_machine_is_refused_before_any_weight_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from transformers import BertConfig

    # About 1.4 trillion parameters: more than any machine's RAM in float32.
    huge = BertConfig(vocab_size=1000, hidden_size=24576, num_hidden_layers=200, intermediate_size=98304)
    teacher = _config_only_teacher(tmp_path / "huge", huge)
    code = run_cli(monkeypatch, "embed", "distill", str(teacher), "--device", "cpu", "--out", str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert code == 1
    assert "error: the teacher will not fit:" in err and "smaller --dtype" in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_an_absent_gpu_is_refused_in_one_line(
    tiny_teacher_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA GPU")
    assert run_cli(monkeypatch, "embed", "distill", str(tiny_teacher_dir), "--device", "cuda") == 1
    assert "torch sees no CUDA GPU" in capsys.readouterr().err


def test_a_hybrid_mamba_teacher_names_the_missing_kernel_before_loading(tmp_path: Path) -> None:
    if importlib.util.find_spec("mamba_ssm") is not None:
        pytest.skip("mamba-ssm is installed here")
    from transformers import NemotronHConfig

    config = NemotronHConfig(
        vocab_size=256, hidden_size=64, num_hidden_layers=2, hybrid_override_pattern="M*", num_attention_heads=4,
        num_key_value_heads=2, mamba_num_heads=4, mamba_head_dim=16, ssm_state_size=16, n_groups=1,
        intermediate_size=128,
    )  # fmt: skip
    teacher = _config_only_teacher(tmp_path / "hybrid", config)
    lines: list[str] = []
    assert preflight(str(teacher), "cpu", "auto", False, lines.append) == ("cpu", "float32")
    [note] = [line for line in lines if "mamba-ssm" in line]
    assert "nemotron_h" in note and "works, but much slower" in note
    assert any(line.startswith("memory estimate:") for line in lines)


def test_an_unknown_dtype_is_one_line(tiny_teacher_dir: Path) -> None:
    with pytest.raises(JanagentError, match="--dtype must be one of"):
        preflight(str(tiny_teacher_dir), "cpu", "float8", False, print)
