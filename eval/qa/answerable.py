"""The SimpleQA questions a local Wikipedia copy can answer: the subset ``bench qa`` measures over that copy.

Offline, SimpleQA over the whole test set measures a corpus that lacks most answers. A question is kept
when one of its gold English Wikipedia articles has an article of the same title in the corpus (titles
compared as evidence recall compares them) and that article's text contains the gold answer after SQuAD
normalisation, on word boundaries. The rows are written unchanged (same columns, same order), so seeded
sampling and every ``bench qa`` metric work on the subset as on the full file.

    python -m eval.qa.answerable --corpus ../shared/data/simplewiki-2021/simplewiki.jsonl.gz --out simpleqa-simplewiki.csv
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from eval.qa.answers import normalize_answer
from eval.qa.evidence import normalize_title, title_of_url
from eval.simpleqa.dataset import load_dataset
from mcp_servers.errors import JanagentError


@dataclass(frozen=True)
class Subset:
    """What the filter kept, and why the rest went."""

    kept: list[int]  # row numbers in the SimpleQA file
    total: int
    no_article: int  # no gold article of that title in the corpus
    answer_missing: int  # the article is there but does not contain the answer


def corpus_texts(path: Path, titles: set[str]) -> Iterator[tuple[str, str]]:
    """(normalised title, text) of each record in a JSONL or JSONL.GZ corpus whose title is in ``titles``."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            title = normalize_title(str(record.get("title") or ""))
            if title in titles:
                yield title, str(record.get("text") or "")


def contains_answer(text: str, answer: str) -> bool:
    """Whether the normalised ``answer`` occurs in the normalised ``text`` as whole words."""
    needle = normalize_answer(answer)
    return bool(needle) and f" {needle} " in f" {normalize_answer(text)} "


def answerable_subset(simpleqa: Path, corpus: Path) -> Subset:
    """The rows of ``simpleqa`` whose answer is in a same-titled article of ``corpus``."""
    questions = load_dataset(simpleqa).questions
    wanted = {title for q in questions for url in q.urls if (title := title_of_url(url)) is not None}
    articles: dict[str, list[str]] = {}
    for title, text in corpus_texts(corpus, wanted):
        articles.setdefault(title, []).append(text)
    kept: list[int] = []
    no_article = answer_missing = 0
    for q in questions:
        texts = [text for url in q.urls if (title := title_of_url(url)) for text in articles.get(title, [])]
        if not texts:
            no_article += 1
        elif any(contains_answer(text, q.answer) for text in texts):
            kept.append(q.index)
        else:
            answer_missing += 1
    return Subset(kept=kept, total=len(questions), no_article=no_article, answer_missing=answer_missing)


def write_rows(simpleqa: Path, rows: list[int], out: Path) -> None:
    """The header and the given rows of ``simpleqa``, unchanged, to ``out`` (written whole, then renamed)."""
    keep = set(rows)
    with simpleqa.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        selected = [row for number, row in enumerate(reader) if number in keep]
    partial = out.with_name(out.name + ".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(selected)
    partial.replace(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simpleqa", type=Path, default=Path("../shared/data/simpleqa/simple_qa_test_set.csv"))
    parser.add_argument("--corpus", type=Path, required=True, help="JSONL(.gz) with title and text per record")
    parser.add_argument("--out", type=Path, required=True, help="the subset CSV to write")
    args = parser.parse_args(argv)
    try:
        if not args.corpus.is_file():
            raise JanagentError(f"corpus not found: {args.corpus}")
        subset = answerable_subset(args.simpleqa, args.corpus)
        write_rows(args.simpleqa, subset.kept, args.out)
    except (JanagentError, OSError, json.JSONDecodeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "total": subset.total,
                "kept": len(subset.kept),
                "no_article": subset.no_article,
                "answer_missing": subset.answer_missing,
                "out": str(args.out),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
