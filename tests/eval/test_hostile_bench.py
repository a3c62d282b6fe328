"""The hostile-input benchmark: its bombs are what they claim, and `janagent fetch` refuses one in little memory."""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import pytest

from eval.hostile_bench import fetch_cases, gzip_of_zeros


def test_the_gzip_member_decodes_to_the_size_asked_for() -> None:
    member = gzip_of_zeros((3 << 20) + 5)
    decoded = gzip.decompress(member)
    assert len(decoded) == (3 << 20) + 5 and not decoded.strip(b"\x00")
    assert len(member) < 10_000


def test_the_stacked_bomb_is_two_gzip_layers() -> None:
    inner = gzip.decompress(gzip.compress(gzip_of_zeros(1 << 20) * 2))
    unpacker = zlib.decompressobj(zlib.MAX_WBITS | 16)
    assert len(unpacker.decompress(inner)) == 1 << 20  # the first of two 1 MiB members
    assert unpacker.unused_data[:2] == b"\x1f\x8b"


@pytest.mark.slow
def test_janagent_fetch_refuses_the_1_gib_stacked_bomb_under_200_mb(janagent_home: Path) -> None:
    env = {**os.environ, "JANAGENT_HOME": str(janagent_home), "COLUMNS": "300"}
    (result,) = fetch_cases(["gzip1g"], env)
    # The figure the issue asks for, in the test log (pytest -rA or -s shows it).
    print(f"peak RSS of `{result.command}`: {result.peak_rss_mb:.1f} MB ({result.note}); {result.last_line}")
    assert result.exit_code == 1
    assert result.last_line.startswith("error: refused: ") and "byte limit (after decoding)" in result.last_line
    assert "1,827 bytes on the wire" in result.note
    assert result.peak_rss_mb < 200, result
