"""``bench qa``'s report.md and chart, in the layout of ``bench simpleqa``'s (shared sections come from there)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eval.simpleqa.report import APPROXIMATE_BANNER, cost_lines, error_lines, run_lines
from mcp_servers.errors import require

SCORES_CHART = "chart_scores.png"
QUESTIONS_LISTED = 50


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _cell(text: Any, limit: int = 80) -> str:
    value = " ".join(str(text if text is not None else "").split()).replace("|", "\\|")
    return value if len(value) <= limit else value[: limit - 1] + "…"


def render_qa_report(summary: dict[str, Any], records: list[dict[str, Any]], charts: list[str]) -> str:
    """report.md: the headline table, the SimpleQA grades when graded, costs, each question, the errors."""
    lines = [f"# {summary['benchmark']} results", ""]
    if summary.get("approximate"):
        lines += [f"> {APPROXIMATE_BANNER}", ""]
    if not summary["complete"]:
        lines += [f"> Incomplete run: {summary['pending']} questions not yet done (continue with --resume).", ""]
    lines += [
        f"- metrics: `{summary['grader'].get('spec')}` (official EM / token F1 on the short answer)",
        *run_lines(summary),
        "",
        "| n | EM | F1 | evidence recall | empty answers | errors | tool calls / q | steps / q | latency median / p90 |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {summary['n']} | {summary['exact_match']:.3f} | {summary['f1']:.3f} | "
        f"{_pct(summary['evidence_recall'])} | {summary['empty_answers']} | {summary['errors']} | "
        f"{summary['tool_calls_per_question']:.2f} | {summary['steps_per_question']:.2f} | "
        f"{summary['latency_s_median']:.1f} / {summary['latency_s_p90']:.1f} s |",
        "",
    ]
    if "simpleqa" in summary:
        grades = summary["simpleqa"]
        lines += [
            "## SimpleQA grade",
            "",
            "| correct | incorrect | not attempted | accuracy given attempted | SimpleQA F1 |",
            "|---:|---:|---:|---:|---:|",
            f"| {_pct(grades['correct'])} | {_pct(grades['incorrect'])} | {_pct(grades['not_attempted'])} | "
            f"{_pct(grades['accuracy_given_attempted'])} | {grades['f1']:.3f} |",
            "",
        ]
    lines += cost_lines(summary)
    for chart in charts:
        lines += [f"![{chart}]({chart})", ""]
    lines += _question_lines(records)
    lines += error_lines(records)
    return "\n".join(lines)


def _question_lines(records: list[dict[str, Any]]) -> list[str]:
    ordered = sorted(records, key=lambda record: record["index"])
    lines = [
        "## Questions",
        "",
        "| row | question | gold | short answer | F1 | evidence | tool calls |",
        "|---:|---|---|---|---:|---:|---:|",
    ]
    for record in ordered[:QUESTIONS_LISTED]:
        f1 = record.get("f1")
        lines.append(
            f"| {record['index']} | {_cell(record['problem'])} | {_cell(' / '.join(record.get('golds') or []), 40)} "
            f"| {_cell(record.get('short_answer') if not record.get('error') else '(error)', 60)} | "
            f"{f1:.2f} | {record.get('evidence_hits', 0)}/{record.get('evidence_total', 0)} | "
            f"{record.get('tool_calls', 0)} |"
            if f1 is not None
            else f"| {record['index']} | {_cell(record['problem'])} | | (error) | | | |"
        )
    if len(ordered) > QUESTIONS_LISTED:
        lines.append(f"\n… and {len(ordered) - QUESTIONS_LISTED} more in results.jsonl")
    lines.append("")
    return lines


def write_qa_charts(out_dir: Path, summary: dict[str, Any]) -> list[str]:
    """One PNG: the headline fractions (EM, F1, evidence recall, SimpleQA correct) and the F1 distribution."""
    require("matplotlib", "bench")
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; must precede pyplot
    import matplotlib.pyplot as plt

    headline = {"EM": summary["exact_match"], "F1": summary["f1"], "evidence recall": summary["evidence_recall"]}
    if "correct" in summary:
        headline["SimpleQA correct"] = summary["correct"]
    bins = summary["f1_bins"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2))
    try:
        left.bar(list(headline), list(headline.values()), color="#1565c0")
        left.set_ylim(0, 1)
        left.set_title("headline (fraction of questions)", fontsize=10)
        for x, value in enumerate(headline.values()):
            left.text(x, value + 0.02, f"{value:.2f}", ha="center", fontsize=8)
        right.bar(list(bins), list(bins.values()), color="#6a1b9a")
        right.set_title("questions by token F1", fontsize=10)
        fig.suptitle(f"{summary['benchmark']}: {summary['model'].get('spec', 'model')}", fontsize=10)
        fig.tight_layout()
        fig.savefig(out_dir / SCORES_CHART, dpi=100)
    finally:
        plt.close(fig)
    return [SCORES_CHART]
