"""What a run leaves for people: summary.json (every metric, by name), report.md (a table read at a glance) and
PNG charts of the grades per topic and per answer type."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_servers.errors import require

APPROXIMATE_BANNER = (
    "**APPROXIMATE: graded by the offline rule-based grader, not the SimpleQA grader model.** "
    "Numbers are a rough guide and are not comparable with published SimpleQA scores."
)
TOPIC_CHART = "chart_by_topic.png"
ANSWER_TYPE_CHART = "chart_by_answer_type.png"

_GRADE_COLUMNS = (
    ("correct", "correct", "#2e7d32"),
    ("incorrect", "incorrect", "#c62828"),
    ("not_attempted", "not attempted", "#9e9e9e"),
    ("errors", "errors", "#ef6c00"),
)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _metrics_row(name: str, metrics: dict[str, Any]) -> str:
    return (
        f"| {name} | {metrics['n']} | {_pct(metrics['correct'])} | {_pct(metrics['incorrect'])} | "
        f"{_pct(metrics['not_attempted'])} | {metrics['errors']} | {_pct(metrics['accuracy_given_attempted'])} | "
        f"{metrics['f1']:.3f} |"
    )


_TABLE_HEAD = (
    "| {what} | n | correct | incorrect | not attempted | errors | accuracy given attempted | F1 |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|"
)


def render_report(summary: dict[str, Any], records: list[dict[str, Any]], charts: list[str]) -> str:
    """report.md: headline, per topic and per answer type tables, costs, and the errors."""
    grader = summary["grader"]
    lines = [f"# {summary['benchmark']} results", ""]
    if summary["approximate"]:
        lines += [f"> {APPROXIMATE_BANNER}", ""]
    if not summary["complete"]:
        lines += [f"> Incomplete run: {summary['pending']} questions not yet graded (continue with --resume).", ""]
    grader_name = grader.get("name") or grader.get("spec")
    lines += [
        f"- grader: `{grader_name}`{' (approximate)' if summary['approximate'] else ''}"
        + (f", template `{grader['template']}`" if grader.get("template") else ""),
        *run_lines(summary),
        "",
        _TABLE_HEAD.format(what="all"),
        _metrics_row("**all**", summary),
        "",
        "## By topic",
        "",
        _TABLE_HEAD.format(what="topic"),
        *(_metrics_row(name, metrics) for name, metrics in summary["by_topic"].items()),
        "",
        "## By answer type",
        "",
        _TABLE_HEAD.format(what="answer type"),
        *(_metrics_row(name, metrics) for name, metrics in summary["by_answer_type"].items()),
        "",
        *cost_lines(summary),
    ]
    for chart in charts:
        lines += [f"![{chart}]({chart})", ""]
    lines += error_lines(records)
    return "\n".join(lines)


def run_lines(summary: dict[str, Any]) -> list[str]:
    """What was run: the model and tools, the dataset and selection, the duration (every report has them)."""
    model = summary["model"]
    return [
        f"- model: `{model.get('spec', model)}`, tools: `{model.get('tools', 'n/a')}`",
        f"- dataset: `{summary['dataset']['path']}` ({summary['dataset']['format']}, sha256 "
        f"`{summary['dataset']['sha256'][:12]}…`), seed {summary['seed']}, limit {summary['limit']}"
        + (f", topics {', '.join(summary['topics'])}" if summary["topics"] else ""),
        f"- duration: {summary['duration_s']:.1f} s; harness overhead "
        f"{summary['harness_overhead']['per_question_ms']['mean']:.2f} ms per question (mean)",
    ]


_COSTS = (
    ("latency_s", "latency (s)"),
    ("tool_calls", "tool calls"),
    ("steps", "agent steps"),
    ("prompt_tokens", "prompt tokens"),
    ("completion_tokens", "completion tokens"),
)


def cost_lines(summary: dict[str, Any]) -> list[str]:
    """The "Cost per question" section (every benchmark's report has it)."""
    lines = ["## Cost per question", "", "| | mean | p50 | p90 | max | total |", "|---|---:|---:|---:|---:|---:|"]
    for key, label in _COSTS:
        dist = summary["per_question"].get(key)
        if dist is None:  # a summary written before that statistic existed
            continue
        lines.append(
            f"| {label} | {dist['mean']:.2f} | {dist['p50']:.2f} | {dist['p90']:.2f} | {dist['max']:.2f} | "
            f"{dist['total']:.2f} |"
        )
    lines.append("")
    return lines


def error_lines(records: list[dict[str, Any]]) -> list[str]:
    """The "Errors" section: the first 20 errored questions, or nothing when none errored."""
    errored = [record for record in records if record.get("error")]
    if not errored:
        return []
    lines = ["## Errors", ""]
    lines += [f"- row {record['index']}: {record['error']}" for record in errored[:20]]
    if len(errored) > 20:
        lines.append(f"- … and {len(errored) - 20} more in results.jsonl")
    lines.append("")
    return lines


def write_chart(path: Path, title: str, groups: dict[str, dict[str, Any]]) -> None:
    """A horizontal stacked bar per group: the fractions correct / incorrect / not attempted / errored."""
    require("matplotlib", "bench")
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; must precede pyplot
    import matplotlib.pyplot as plt

    names = list(groups)
    fig, axis = plt.subplots(figsize=(8, 0.45 * len(names) + 1.6))
    try:
        left = [0.0] * len(names)
        for key, label, color in _GRADE_COLUMNS:
            values = [
                (groups[name]["errors"] / groups[name]["n"] if groups[name]["n"] else 0.0)
                if key == "errors"
                else groups[name][key]
                for name in names
            ]
            axis.barh(names, values, left=left, color=color, label=label)
            left = [a + b for a, b in zip(left, values, strict=True)]
        for row, name in enumerate(names):
            axis.text(1.01, row, f"n={groups[name]['n']}", va="center", fontsize=8)
        axis.set_xlim(0, 1)
        axis.invert_yaxis()
        axis.set_xlabel("fraction of questions")
        axis.set_title(title, fontsize=10)
        axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=4, fontsize=8, frameon=False)
        fig.tight_layout()
        fig.savefig(path, dpi=100)
    finally:
        plt.close(fig)


def write_charts(out_dir: Path, summary: dict[str, Any]) -> list[str]:
    """The per-topic and per-answer-type charts; returns their file names."""
    suffix = " (APPROXIMATE offline grader)" if summary["approximate"] else ""
    model = summary["model"].get("spec", "model")
    write_chart(out_dir / TOPIC_CHART, f"{summary['benchmark']} by topic: {model}{suffix}", summary["by_topic"])
    write_chart(
        out_dir / ANSWER_TYPE_CHART,
        f"{summary['benchmark']} by answer type: {model}{suffix}",
        summary["by_answer_type"],
    )
    return [TOPIC_CHART, ANSWER_TYPE_CHART]
