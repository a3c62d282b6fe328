"""The CLI loads every command group registered under the ``janagent.commands`` entry points."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import typer

from agent.cli import COMMAND_GROUP, register_commands

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"


def _fake_distribution(root: Path, entry: str) -> None:
    """A dist-info folder on sys.path that registers one command group, as a plugin package would."""
    info = root / "janagent_fake_plugin-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: janagent-fake-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{COMMAND_GROUP}]\n{entry}\n")


def test_every_group_in_pyproject_is_registered() -> None:
    declared = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["entry-points"][COMMAND_GROUP]
    assert set(register_commands(typer.Typer(), typer.Typer())) >= set(declared)


def test_a_group_from_another_package_adds_its_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "fake_plugin_cmds.py").write_text(
        "def register(app, bench):\n    bench.command('fake')(lambda: None)\n", encoding="utf-8"
    )
    _fake_distribution(tmp_path, "fake = fake_plugin_cmds:register")
    monkeypatch.syspath_prepend(str(tmp_path))
    bench = typer.Typer()
    assert "fake" in register_commands(typer.Typer(), bench)
    assert "fake" in [command.name for command in bench.registered_commands]


def test_a_group_that_cannot_be_imported_is_an_error_not_a_missing_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_distribution(tmp_path, "typo = agent.commands.no_such_cmds:register")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match=r"agent\.commands\.no_such_cmds"):
        register_commands(typer.Typer(), typer.Typer())


@pytest.mark.slow
def test_an_unknown_option_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "agent", "ask", "--bogus", "x"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "JANAGENT_HOME": str(tmp_path), "COLUMNS": "200"},
        check=False,
    )
    assert proc.returncode == 2
    assert "No such option: --bogus" in proc.stderr
    assert "Traceback" not in proc.stderr
