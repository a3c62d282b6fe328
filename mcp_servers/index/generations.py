"""Reading an index: the published generation, followed across the atomic swaps that writers make."""

from __future__ import annotations

from pathlib import Path

from mcp_servers.errors import JanagentError
from mcp_servers.index.store import Generation, read_pointer


class LiveGeneration:
    """The generation that CURRENT points to, kept open and reopened when a writer publishes a newer one."""

    def __init__(self, name: str, path: Path) -> None:
        self.name = name
        self.path = path
        self._generation: Generation | None = None

    def exists(self) -> bool:
        return read_pointer(self.path) is not None

    def get(self) -> Generation | None:
        """The published generation (None before the first add)."""
        for _ in range(3):
            pointer = read_pointer(self.path)
            if pointer is None:
                return None
            if self._generation is not None and self._generation.path == pointer:
                return self._generation
            try:
                self._generation = Generation(pointer)
                return self._generation
            except FileNotFoundError:
                continue  # swapped and collected between reading the pointer and opening: read it again
        raise JanagentError(f"index '{self.name}' changed while being opened; try again")

    def forget(self) -> None:
        """Drop the open generation, so that the next ``get`` opens the live one afresh."""
        self._generation = None
