"""Reading a GGUF's header and metadata without loading it (no llama.cpp, no gguf package needed).

The installer checks what it assembled is a GGUF; the llama.cpp backend reads the trained context length
before it allocates a KV cache (llama.cpp does not cap ``n_ctx`` at it, and a vocabulary-only load reports 0).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from mcp_servers.errors import JanagentError

# GGUF value types -> struct format of the scalar types; 8 is a string, 9 an array.
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9


@dataclass(frozen=True)
class GGUFHeader:
    version: int
    tensors: int
    metadata: dict[str, Any] = field(default_factory=dict)  # scalar and string entries; arrays are skipped

    @property
    def architecture(self) -> str:
        return str(self.metadata.get("general.architecture", ""))

    @property
    def context_length(self) -> int | None:
        value = self.metadata.get(f"{self.architecture}.context_length")
        return int(value) if isinstance(value, int) else None


def read_gguf_header(path: Path, *, with_metadata: bool = True) -> GGUFHeader:
    """The header of the GGUF at ``path``, or a one-line error if it is not one."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(24)
            if len(raw) < 24 or raw[:4] != b"GGUF":
                raise JanagentError(f"{path} is not a GGUF file (bad magic {raw[:4]!r})")
            version, tensors, entries = struct.unpack("<IQQ", raw[4:24])
            if version not in (2, 3):
                raise JanagentError(f"{path}: unsupported GGUF version {version}")
            metadata = _read_metadata(handle, entries) if with_metadata else {}
    except (OSError, struct.error, UnicodeDecodeError) as exc:
        raise JanagentError(f"{path}: unreadable GGUF header ({exc})") from exc
    return GGUFHeader(version=version, tensors=tensors, metadata=metadata)


def _read_metadata(handle: BinaryIO, entries: int) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    for _ in range(entries):
        key = _read_string(handle)
        (kind,) = _unpack(handle, "I")
        value = _read_value(handle, kind)
        if value is not _SKIPPED:
            metadata[key] = value
    return metadata


_SKIPPED = object()


def _read_value(handle: BinaryIO, kind: int) -> Any:
    if kind in _SCALARS:
        return _unpack(handle, _SCALARS[kind])[0]
    if kind == _STRING:
        return _read_string(handle)
    if kind == _ARRAY:
        item_kind, count = _unpack(handle, "IQ")
        if item_kind in _SCALARS:
            handle.seek(struct.calcsize("<" + _SCALARS[item_kind]) * count, 1)
        else:
            for _ in range(count):
                _read_value(handle, item_kind)
        return _SKIPPED
    raise JanagentError(f"unknown GGUF metadata type {kind}")


def _read_string(handle: BinaryIO) -> str:
    (length,) = _unpack(handle, "Q")
    return handle.read(length).decode("utf-8")


def _unpack(handle: BinaryIO, fmt: str) -> tuple[Any, ...]:
    size = struct.calcsize("<" + fmt)
    raw = handle.read(size)
    if len(raw) < size:
        raise JanagentError("the GGUF header ends early")
    return struct.unpack("<" + fmt, raw)
