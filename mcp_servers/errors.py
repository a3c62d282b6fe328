"""User-facing errors: one line that says what went wrong and how to fix it."""

from __future__ import annotations

import importlib
from types import ModuleType


class JanagentError(Exception):
    """An error the CLI prints as one line (``error: ...``) and exits 1, without a traceback."""


class MissingExtraError(JanagentError):
    """An optional dependency is missing; the message names the extra that installs it."""

    def __init__(self, module: str, extra: str) -> None:
        super().__init__(
            f"{module} is not installed - install it with `pip install 'janagent[{extra}]'`"
            + (" (on CPU-only machines run `pip install torch==2.13.0` first)" if extra in {"local", "distill"} else "")
        )
        self.module = module
        self.extra = extra


def require(module: str, extra: str) -> ModuleType:
    """Import an optional module, or raise MissingExtraError naming the extra to install."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        if exc.name is not None and exc.name.split(".")[0] != top:
            # The module exists but one of *its* imports failed: that is a real bug, not a missing extra.
            raise
        raise MissingExtraError(top, extra) from exc
