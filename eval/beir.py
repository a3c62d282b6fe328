"""BEIR-format retrieval data (corpus.jsonl, queries.jsonl, qrels .tsv) and the metrics to score a run.

nDCG uses graded gains as trec_eval and BEIR do (gain = the judgment's grade, discount log2(rank + 1));
the ideal ranking is built from every judgment of the query, so unretrieved relevant documents count.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

from mcp_servers.errors import JanagentError
from mcp_servers.index.loaders import load_file
from mcp_servers.types import Document

Qrels = dict[str, dict[str, int]]


def load_corpus(path: Path) -> Iterator[Document]:
    """The corpus documents (``_id``/``id``, ``title``, ``text``), streamed."""
    if not path.is_file():
        raise JanagentError(f"{path}: no such corpus file")
    return load_file(path)


def load_queries(path: Path) -> dict[str, str]:
    """Query id -> query text."""
    if not path.is_file():
        raise JanagentError(f"{path}: no such queries file")
    queries: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                queries[str(record.get("_id", record.get("id")))] = str(record["text"])
            except (json.JSONDecodeError, KeyError, AttributeError) as exc:
                raise JanagentError(f"{path}:{line_no}: expected {{'_id': ..., 'text': ...}}") from exc
    return queries


def load_qrels(path: Path) -> Qrels:
    """query id -> {doc id: grade} from a TREC/BEIR tsv, with or without the ``query-id corpus-id score`` header."""
    if not path.is_file():
        raise JanagentError(f"{path}: no such qrels file")
    qrels: Qrels = {}
    with path.open(encoding="utf-8") as handle:
        for line_no, line in enumerate(handle, start=1):
            fields = line.rstrip("\n").split("\t")
            if not line.strip():
                continue
            if len(fields) == 4:  # TREC layout: query-id, iteration, doc-id, grade
                fields = [fields[0], fields[2], fields[3]]
            if len(fields) != 3:
                raise JanagentError(f"{path}:{line_no}: expected query-id<TAB>corpus-id<TAB>score")
            query_id, doc_id, grade = fields
            try:
                value = int(float(grade))
            except ValueError:
                if line_no == 1:
                    continue  # the BEIR header line
                raise JanagentError(f"{path}:{line_no}: score {grade!r} is not a number") from None
            qrels.setdefault(query_id, {})[doc_id] = value
    return qrels


def dcg(gains: Sequence[float]) -> float:
    """Discounted cumulative gain of gains in rank order (rank 1 first)."""
    return sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))


def ndcg_at_k(ranking: Sequence[str], judgments: dict[str, int], k: int = 10) -> float:
    """nDCG@k of one ranked list of doc ids against graded judgments (0 when nothing is relevant)."""
    ideal = dcg(sorted((g for g in judgments.values() if g > 0), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    gains = [max(judgments.get(doc_id, 0), 0) for doc_id in ranking[:k]]
    return dcg(gains) / ideal


def recall_at_k(ranking: Sequence[str], judgments: dict[str, int], k: int = 100) -> float:
    """Share of the relevant (grade > 0) documents found in the top k."""
    relevant = {doc_id for doc_id, grade in judgments.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranking[:k])) / len(relevant)


def judged_queries(queries: dict[str, str], qrels: Qrels) -> dict[str, str]:
    """The queries that have at least one relevant judgment (the others cannot be scored)."""
    return {qid: text for qid, text in queries.items() if any(g > 0 for g in qrels.get(qid, {}).values())}
