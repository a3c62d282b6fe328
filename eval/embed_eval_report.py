"""`embed eval`'s report: one table a person reads at a glance, and a PNG chart (the bench extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcp_servers.errors import require


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def _ratio(value: float | None, suffix: str = "") -> str:
    return "-" if value is None else f"{value:.0%}" if not suffix else f"{value:,.0f}{suffix}"


def build_table(report: dict[str, Any]) -> Any:
    """A rich Table: per set nDCG@10 (vectors only), the means, speed, size, memory, vocabulary, dims."""
    from rich.table import Table

    sets: list[str] = report["sets"]
    table = Table(title="static models vs teacher: vectors-only retrieval, speed measured in this run")
    table.add_column("model")
    for name in sets:
        table.add_column(f"{name}\nnDCG@10", justify="right")
    for header in ("nDCG@10\nmean", "R@100\nmean", "vs teacher\nnDCG", "sent/s", "speed vs\nteacher"):
        table.add_column(header, justify="right")
    for header in ("disk", "memory", "vocab", "dims"):
        table.add_column(header, justify="right")
    for row in report["models"]:
        per_set = [f"{row['per_set'][name]['ndcg@10']:.3f}" for name in sets]
        table.add_row(
            row["name"],
            *per_set,
            f"{row['ndcg@10']:.3f}",
            f"{row['recall@100']:.3f}",
            _ratio(row.get("ndcg_vs_teacher")),
            f"{row['sentences_per_s']:,.0f}",
            _ratio(row.get("speedup_vs_teacher"), "x"),
            _mb(row["size_bytes"]),
            _mb(row["memory_bytes"]),
            f"{row['vocabulary']:,}",
            str(row["dims"]),
        )
    return table


def write_chart(report: dict[str, Any], path: Path) -> Path:
    """nDCG@10 per set and model (bars), and sentences/s per model on a log scale, in one PNG."""
    require("matplotlib", "bench")
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and in CI
    import matplotlib.pyplot as plt

    sets: list[str] = report["sets"]
    rows: list[dict[str, Any]] = report["models"]
    fig, (quality, speed) = plt.subplots(1, 2, figsize=(12, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    width = 0.8 / max(len(rows), 1)
    for i, row in enumerate(rows):
        xs = [j + i * width for j in range(len(sets))]
        quality.bar(xs, [row["per_set"][name]["ndcg@10"] for name in sets], width, label=row["name"])
    quality.set_xticks([j + width * (len(rows) - 1) / 2 for j in range(len(sets))], sets)
    quality.set_ylabel("nDCG@10 (vectors only)")
    quality.set_title("retrieval quality")
    quality.legend(fontsize=8)
    speed.barh([row["name"] for row in rows], [max(row["sentences_per_s"], 1e-3) for row in rows])
    speed.set_xscale("log")
    speed.set_xlabel("sentences/s (log scale, this machine, this run)")
    speed.set_title("encoding speed")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
