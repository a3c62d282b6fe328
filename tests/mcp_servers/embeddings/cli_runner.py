"""Running `janagent` through its real entry point (agent.cli.main) with given arguments."""

from __future__ import annotations

import sys

import pytest

from agent.cli import main


def run_cli(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """The exit code of ``janagent ARGS...``."""
    monkeypatch.setattr(sys, "argv", ["janagent", *args])
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0
