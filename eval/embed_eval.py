"""`embed eval`: static models (and their teacher) side by side on a retrieval suite, in one run.

For each model and set, retrieval is scored by ``eval.suite_bench.suite_row``, the very function behind
`janagent bench search --suite dev`, on the same ``DevSet`` triples, so the vectors-only nDCG@10 here is
the number `bench search` prints for the same model and set. Speed is measured in the same run on the same machine (sentences/s over the set's
queries and passages), and the teacher is scored like a static model, which makes "quality relative to
the teacher" a measured ratio instead of a claim.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eval.dev_suite import DevSet
from eval.search_bench import RepeatCachingEmbedder
from eval.suite_bench import suite_row
from mcp_servers.index.embedder import embedder_id
from mcp_servers.index.vectors import Embedder, encode

# Sentences timed per model: enough for a stable rate, few enough that a 0.5B teacher finishes.
SPEED_SENTENCES = 2000
TEACHER_SPEED_SENTENCES = 200


@dataclass
class Candidate:
    """A model under test: a static model or the teacher, with what is known about it before the run."""

    name: str
    kind: str  # "static" or "teacher"
    embedder: Embedder
    size_bytes: int
    memory_bytes: int
    vocabulary: int
    dims: int
    folder: str = ""
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    sentences_per_s: float = 0.0
    speed_sample: int = 0


def speed_sample(sets: Sequence[DevSet], count: int) -> list[str]:
    """Queries, then passages' text, from every set in turn, up to ``count`` sentences."""
    texts: list[str] = []
    for devset in sets:
        texts.extend(devset.queries.values())
    for devset in sets:
        for doc in devset.corpus:
            if len(texts) >= count:
                break
            texts.append(f"{doc.title}\n{doc.text}" if doc.title else doc.text)
    return texts[:count]


def sentences_per_second(embedder: Embedder, texts: list[str], repeats: int = 3) -> float:
    """The median rate of ``repeats`` timed passes (after one warm-up) through the index's encode path."""
    encode(embedder, texts[: min(len(texts), 32)])
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        encode(embedder, texts)
        rates.append(len(texts) / max(time.perf_counter() - started, 1e-9))
    return float(statistics.median(rates))


def score_candidate(candidate: Candidate, sets: Sequence[DevSet]) -> None:
    """Vectors-only nDCG@10 / recall@100 on every set (plus BM25 and hybrid, which come with suite_row)."""
    # The teacher encodes every distinct text once (each query is asked in three modes, at two depths);
    # static models go through suite_row exactly as `bench search --suite dev` calls it.
    embedder = RepeatCachingEmbedder(candidate.embedder) if candidate.kind == "teacher" else candidate.embedder
    for devset in sets:
        row = suite_row(devset, embedder)
        candidate.scores[devset.name] = {
            "ndcg@10": row["vector"]["ndcg@10"],
            "recall@100": row["vector"]["recall@100"],
            "hybrid_ndcg@10": row["hybrid"]["ndcg@10"],
            "bm25_ndcg@10": row["bm25"]["ndcg@10"],
            "queries": row["queries"],
            "documents": row["documents"],
        }
        if isinstance(embedder, RepeatCachingEmbedder):
            embedder.forget()


def mean_score(candidate: Candidate, metric: str) -> float:
    values = [scores[metric] for scores in candidate.scores.values()]
    return round(statistics.fmean(values), 4) if values else 0.0


def run_embed_eval(
    candidates: Sequence[Candidate],
    sets: Sequence[DevSet],
    *,
    on_progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Score and time every candidate on ``sets``; return one JSON-ready report (see ``report_rows``)."""
    say = on_progress or (lambda _line: None)
    for candidate in candidates:
        say(f"scoring {candidate.name} on {', '.join(s.name for s in sets)}")
        score_candidate(candidate, sets)
        count = TEACHER_SPEED_SENTENCES if candidate.kind == "teacher" else SPEED_SENTENCES
        sample = speed_sample(sets, count)
        say(f"timing {candidate.name} on {len(sample)} sentences")
        candidate.sentences_per_s = round(sentences_per_second(candidate.embedder, sample), 1)
        candidate.speed_sample = len(sample)
    return {"sets": [s.name for s in sets], "models": report_rows(candidates)}


def report_rows(candidates: Sequence[Candidate]) -> list[dict[str, Any]]:
    """One row per model; with a teacher, quality and speed relative to it (static / teacher)."""
    teacher = next((c for c in candidates if c.kind == "teacher"), None)
    rows: list[dict[str, Any]] = []
    for c in candidates:
        row: dict[str, Any] = {
            "name": c.name,
            "kind": c.kind,
            "folder": c.folder,
            "model_id": embedder_id(c.embedder),
            "per_set": c.scores,
            "ndcg@10": mean_score(c, "ndcg@10"),
            "recall@100": mean_score(c, "recall@100"),
            "sentences_per_s": c.sentences_per_s,
            "speed_sample": c.speed_sample,
            "size_bytes": c.size_bytes,
            "memory_bytes": c.memory_bytes,
            "vocabulary": c.vocabulary,
            "dims": c.dims,
        }
        if teacher is not None and c is not teacher:
            t_ndcg, t_recall = mean_score(teacher, "ndcg@10"), mean_score(teacher, "recall@100")
            row["ndcg_vs_teacher"] = round(row["ndcg@10"] / t_ndcg, 4) if t_ndcg else None
            row["recall_vs_teacher"] = round(row["recall@100"] / t_recall, 4) if t_recall else None
            row["speedup_vs_teacher"] = (
                round(c.sentences_per_s / teacher.sentences_per_s, 1) if teacher.sentences_per_s else None
            )
        rows.append(row)
    return rows
