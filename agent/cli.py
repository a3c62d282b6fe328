"""The `janagent` console script: a thin typer app that each command module registers into."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

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

# Every module registers its own commands so that each stays small and owns its imports.
COMMAND_MODULES = (
    "index_cmds",
    "embed_cmds",
    "fetch_cmds",
    "ask_cmds",
    "serve_cmds",
    "simpleqa_cmds",
    "models_cmds",
)

err_console = Console(stderr=True)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"agent.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"agent.commands.{name}":
                continue  # a command group not built yet
            raise
        module.register(app, bench_app)


_register_all()


def main() -> None:
    """Entry point: run the app, turning JanagentError into a one-line message and exit code 1."""
    try:
        # In non-standalone mode click returns the exit code of typer.Exit instead of exiting.
        rv = app(standalone_mode=False)
        sys.exit(rv if isinstance(rv, int) else 0)
    except JanagentError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
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
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
