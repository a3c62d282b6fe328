"""How often the gold answer is in what one search shows the model: by hits per search and snippet length.

Evidence recall says whether a gold paragraph came back; a reader still fails when the answer sits outside
the 300-character snippet the search tool cuts around the query words (a bridge question's answer rarely
shares its words). This measures, with no model, the share of questions whose normalised gold answer (yes/no
golds left out) is in the top ``k`` hits of ``janagent search`` with snippets cut to each length, and the
characters that costs, over the dataset's own index (built as ``bench qa`` builds it, or reused):

    python -m eval.qa.reach --dataset ../shared/data/hotpotqa-dev-distractor-500/dev_subsampled.jsonl --limit 100
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.qa.answers import normalize_answer
from eval.qa.benchmark import sample_questions
from eval.qa.corpus import ensure_dataset_index
from eval.qa.datasets import QADataset, QAQuestion, load_qa_dataset
from mcp_servers.errors import JanagentError
from mcp_servers.index import open_local_index
from mcp_servers.index.local_index import LocalIndex
from mcp_servers.index.snippets import cut_snippet

SNIPPET_LIMITS = (300, 600, 1000)
HITS = (3, 5, 8)
_YES_NO = {"yes", "no"}


def answer_golds(question: QAQuestion) -> list[str]:
    """The question's normalised gold answers that a text can contain (yes/no answers are not read off text)."""
    golds = [normalize_answer(answer) for answer in (question.answers or (question.answer,))]
    return [gold for gold in golds if gold and gold not in _YES_NO]


def measure_reach(
    dataset: QADataset,
    index: LocalIndex,
    *,
    limit: int | None = 100,
    seed: int = 0,
    snippet_limits: Sequence[int] = SNIPPET_LIMITS,
    hits: Sequence[int] = HITS,
) -> list[dict[str, Any]]:
    """One row per (snippet length, hits): questions with the answer in view, out of those with a text answer."""
    questions = [q for q in sample_questions(dataset.questions, limit=limit, seed=seed) if answer_golds(q)]
    if not questions:
        raise JanagentError(f"{dataset.path}: no sampled question has an answer other than yes/no")
    passages = []
    for question in questions:  # one search per question, at the largest k; smaller k are its prefixes
        generation, found = index.search_documents(question.problem, max(hits))
        passages.append([] if generation is None else [generation.passage(chunk) for _, chunk, _ in found])
    rows = []
    for snippet_chars in snippet_limits:
        for k in hits:
            seen, chars = 0, 0
            for question, texts in zip(questions, passages, strict=True):
                shown = " ".join(cut_snippet(text, question.problem, snippet_chars) for text in texts[:k])
                chars += len(shown)
                seen += any(gold in normalize_answer(shown) for gold in answer_golds(question))
            rows.append(
                {
                    "snippet_chars": snippet_chars,
                    "hits": k,
                    "questions": len(questions),
                    "answer_in_view": round(seen / len(questions), 3),
                    "chars_per_question": round(chars / len(questions)),
                }
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.qa.reach", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", type=Path, required=True, help="HotpotQA jsonl or SQuAD v1.1 json")
    parser.add_argument("--index", help="Index to search (default: the one bench qa builds for the dataset)")
    parser.add_argument("--limit", type=int, default=100, help="Sample this many questions (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        dataset = load_qa_dataset(args.dataset)
        name = args.index or ensure_dataset_index(dataset).name  # bench qa's index of the dataset, built once
        index = open_local_index(name)
        if index.stats().documents == 0:
            raise JanagentError(
                f"index {name!r} is empty or missing; build it with `janagent index add PATH --index {name}`"
            )
        rows = measure_reach(dataset, index, limit=args.limit, seed=args.seed)
    except JanagentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
