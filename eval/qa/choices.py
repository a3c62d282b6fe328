"""The HotpotQA questions the loop decides from sub-questions, over the whole file's paragraphs: choices by time
or count (``--kind choice``, agent/comparison.py) or whether two things share an attribute (``--kind same``,
agent/sameness.py).

``bench qa`` indexes the paragraphs of the file it is given, so a file of only the choice questions would be
searched over their own few hundred paragraphs. This writes the questions ``agent.comparison`` parses, in the
file's order, and adds every other distinct paragraph of the whole file to the first question's contexts,
marked non-supporting: the index is the whole corpus, and evidence recall is what it would be on the full file.

    python -m eval.qa.choices --dataset ../shared/data/hotpotqa-dev-distractor-500/dev_subsampled.jsonl \\
        --out cmp70full.jsonl  # --kind same: the 18 "same" questions
    janagent bench qa --dataset cmp70full.jsonl --format hotpotqa --index qa-cmp70full --limit 70 --seed 0 ...
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent.comparison import parse_comparison
from agent.sameness import parse_sameness

KINDS: dict[str, Callable[[str], object]] = {"choice": parse_comparison, "same": parse_sameness}


def choice_rows(rows: list[dict[str, Any]], kind: str = "choice") -> list[dict[str, Any]]:
    """The rows whose question is of ``kind`` (a choice by time or count, or a sameness question), the first
    holding every paragraph of ``rows``."""
    parse = KINDS[kind]
    chosen = [row for row in rows if parse(str(row.get("question_text", ""))) is not None]
    if not chosen:
        return []
    first = dict(chosen[0])
    contexts = list(first.get("contexts", []))
    seen = {(c["title"], c["paragraph_text"]) for c in contexts}
    for row in rows:
        for context in row.get("contexts", []):
            key = (context["title"], context["paragraph_text"])
            if key not in seen:
                seen.add(key)
                contexts.append({**context, "is_supporting": False})
    first["contexts"] = [{**context, "id": str(i)} for i, context in enumerate(contexts)]
    return [first, *chosen[1:]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", type=Path, required=True, help="a HotpotQA file in the IRCoT jsonl format")
    parser.add_argument("--out", type=Path, required=True, help="the jsonl to write")
    parser.add_argument("--kind", choices=sorted(KINDS), default="choice", help="which questions (default: choice)")
    args = parser.parse_args(argv)
    try:
        with args.dataset.open(encoding="utf-8") as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        chosen = choice_rows(rows, args.kind)
        partial = args.out.with_name(args.out.name + ".partial")
        with partial.open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in chosen)
        partial.replace(args.out)
    except (OSError, json.JSONDecodeError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    paragraphs = len(chosen[0]["contexts"]) + sum(len(row["contexts"]) for row in chosen[1:]) if chosen else 0
    print(json.dumps({"rows": len(rows), "choices": len(chosen), "contexts": paragraphs, "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
