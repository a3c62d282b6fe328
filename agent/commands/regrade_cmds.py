"""`janagent bench regrade`: grade answers again (offline or with a model grader) and measure agreement."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from agent.cli_options import GraderApiKeyOpt, GraderBaseUrlOpt
from eval.simpleqa.grader_choice import TemplateChoice

err_console = Console(stderr=True)


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("regrade")(regrade)


def regrade(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            help="JSONL with question (or problem), gold, predicted, optional answer_type and a reference label",
        ),
    ],
    grader: Annotated[
        str, typer.Option(help="offline (approximate, rule-based) or a model spec, e.g. openai:gpt-4o")
    ] = "offline",
    grader_base_url: GraderBaseUrlOpt = None,
    grader_api_key: GraderApiKeyOpt = None,
    grader_template: Annotated[
        TemplateChoice, typer.Option(help="Grader prompt for a model grader")
    ] = TemplateChoice.simple_evals,
    reference_field: Annotated[
        str, typer.Option(help="Field holding the reference grade (A/B/C or the grade word)")
    ] = "label",
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Answers graded at once")] = 4,
    retries: Annotated[int, typer.Option(min=0, max=10, help="Retries after a grader failure")] = 2,
    timeout: Annotated[float, typer.Option(min=1.0, help="Seconds per grading call")] = 120.0,
    out: Annotated[
        Path | None, typer.Option(help="Folder for grades.jsonl and summary.json (default: JANAGENT_HOME/runs/)")
    ] = None,
) -> None:
    """Grade answers again without re-running the agent; print a JSON summary (agreement where labelled)."""
    from eval.simpleqa.grader_choice import build_grader
    from eval.simpleqa.regrade import GRADES_FILE, prepare_out_dir, read_regrade_input, regrade_to_dir
    from mcp_servers.home import runs_dir

    data = read_regrade_input(input_path, reference_field=reference_field)
    out_dir = prepare_out_dir(out if out is not None else runs_dir() / time.strftime("regrade-%Y%m%d-%H%M%S"))
    grader_impl = build_grader(
        grader, base_url=grader_base_url, api_key=grader_api_key, template_name=grader_template.value
    )
    approximate = bool(grader_impl.identity.get("approximate"))
    if approximate:
        err_console.print("[yellow]offline rule-based grader: its grades are APPROXIMATE[/]")
    err_console.print(f"{len(data.items)} answers from {input_path} -> {out_dir}", highlight=False)
    records: list[dict[str, Any]] = []
    try:
        summary = asyncio.run(
            regrade_to_dir(
                data.items, grader_impl, out_dir, records, concurrency=concurrency, retries=retries, timeout_s=timeout
            )
        )
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted: {len(records)} graded answers are kept in {out_dir / GRADES_FILE}", highlight=False
        )
        raise SystemExit(130) from None
    summary["skipped_errored"] = data.skipped
    typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    err_console.print(_one_line(summary), highlight=False)


def _one_line(summary: dict[str, Any]) -> str:
    grades = summary["grades"]
    text = (
        f"graded {summary['graded']} of {summary['n']} (errors {summary['errors']}): "
        f"CORRECT {grades['CORRECT']} · INCORRECT {grades['INCORRECT']} · NOT_ATTEMPTED {grades['NOT_ATTEMPTED']}"
    )
    if summary["agreement"] is not None:
        precision = summary["correct_precision"]
        text += f" · agreement {100 * summary['agreement']:.1f}% on {summary['with_reference']} labelled"
        text += f" · CORRECT precision {precision:.3f}" if precision is not None else ""
    if summary["approximate"]:
        text += " · APPROXIMATE grader"
    if summary["errors"]:
        text += " · see grades.jsonl for the grader errors"
    return text + f"\nwritten: {summary['out']}/grades.jsonl, summary.json"
