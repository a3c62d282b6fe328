"""`janagent embed distill|info` through the real entry point (agent.cli.main)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mcp_servers.embeddings.cli_runner import run_cli


def test_distill_with_a_missing_teacher_path_prints_one_line_and_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = run_cli(monkeypatch, "embed", "distill", str(tmp_path / "no-such-teacher"))
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: teacher") and "does not exist" in err
    assert "Traceback" not in err


def test_distill_writes_a_model_and_prints_its_size_and_vocabulary(
    tiny_teacher_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("xylophone xylophone marimba marimba\n")
    out = tmp_path / "static"
    code = run_cli(
        monkeypatch, "embed", "distill", str(tiny_teacher_dir), "--dims", "8", "--out", str(out),
        "--vocabulary-from", str(corpus),
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    result = json.loads(captured.out)
    assert result["dims"] == 8 and result["out"] == str(out)
    assert result["vocabulary"] == 90 + 2  # the teacher's tokens plus the two corpus words
    assert result["size_bytes"] > 0 and (out / "model.safetensors").is_file()
    assert "MB on" in captured.err


def test_distill_refuses_an_unknown_pooling(
    tiny_teacher_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(monkeypatch, "embed", "distill", str(tiny_teacher_dir), "--pooling", "max") == 1
    assert "--pooling must be one of" in capsys.readouterr().err


def test_info_shows_what_a_spec_resolves_to(
    tiny_static_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(monkeypatch, "embed", "info", str(tiny_static_dir)) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["folder"] == str(tiny_static_dir.resolve())
    assert info["dims"] == 16 and info["model_id"].startswith("m2v-16d-")
