from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app


def test_bench_backend_prints_the_throughput_ratio_and_kv_reuse_as_json(tiny_qwen3_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["bench", "backend", "--model", str(tiny_qwen3_dir), "--max-new-tokens", "4", "--repeats", "1"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["same_greedy_output"] is True
    assert report["backend_vs_plain"] > 0
    assert report["kv_reuse_second_turn"]["same_greedy_output"] is True
    assert report["kv_reuse_second_turn"]["reused_tokens"] > 0


def test_bench_backend_refuses_a_remote_model() -> None:
    pytest.importorskip("transformers")
    result = CliRunner().invoke(app, ["bench", "backend", "--model", "openai:x"])
    assert result.exit_code != 0


def test_bench_backend_on_a_gguf_reports_llama_cpps_speed_memory_and_threads() -> None:
    pytest.importorskip("llama_cpp")
    args = [
        "bench",
        "backend",
        "--model",
        "smollm2",
        "--backends",
        "llamacpp",
        "--max-new-tokens",
        "4",
        "--repeats",
        "1",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout[result.stdout.index("{") :])["llamacpp"]
    assert run["completion_tokens"] == 4 and run["tokens_per_s"] > 0 and run["peak_rss_mb"] > 0
    assert run["threads"] >= 1  # the cores left idle when it loaded, at least one
