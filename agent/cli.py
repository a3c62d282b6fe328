"""The `janagent` console script: a thin typer app that each registered command group adds to."""

from __future__ import annotations

import sys
from importlib.metadata import entry_points

import typer
from rich.console import Console
from rich.markup import escape

from mcp_servers.errors import JanagentError

app = typer.Typer(
    name="janagent",
    help="A research assistant that answers questions by calling search and fetch tools over MCP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
bench_app = typer.Typer(
    help="Benchmarks that print numbers: search, fetch, loop, simpleqa, load.", no_args_is_help=True
)
app.add_typer(bench_app, name="bench")

err_console = Console(stderr=True)
COMMAND_GROUP = "janagent.commands"


def register_commands(typer_app: typer.Typer, bench: typer.Typer) -> list[str]:
    """Load every command group registered under the ``janagent.commands`` entry points (as simonw/llm's
    plugins do) and let each add its commands; return their names.

    The CLI imports no command module by name, so a package registers its commands without the CLI
    knowing it. A group that fails to import is an error, never skipped: a typo must not look like a
    command that was never built.
    """
    found = sorted(entry_points(group=COMMAND_GROUP), key=lambda entry: entry.name)
    if not found:
        raise RuntimeError(
            f"no {COMMAND_GROUP!r} entry points: janagent's package metadata is missing or stale; "
            "reinstall it (pip install -e .)"
        )
    for entry in found:
        entry.load()(typer_app, bench)
    return [entry.name for entry in found]


register_commands(app, bench_app)


def main() -> None:
    """Entry point: run the app, turning JanagentError into a one-line message and exit code 1."""
    try:
        # In non-standalone mode click returns the exit code of typer.Exit instead of exiting.
        rv = app(standalone_mode=False)
        sys.exit(rv if isinstance(rv, int) else 0)
    except JanagentError as exc:
        # escape: messages name extras like `janagent[distill]`, which rich would read as markup and drop
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err_console.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        # Typer 0.29 vendors click (typer._click), whose ClickException is not click's, and exports neither:
        # a usage error is told by what every ClickException has, so `--bogus` stays one line, not a traceback.
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise
