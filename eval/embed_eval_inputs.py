"""What `embed eval` compares: static models and a teacher as candidates, BEIR folders as sets (or subsets).

A subset keeps the first ``limit`` judged queries and a corpus of at most ``max_docs`` documents: every
document judged for those queries first, then others in file order as distractors, so a slow teacher can
be scored on the same (smaller) set as the static models it is compared with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from eval.beir import judged_queries, load_corpus, load_qrels, load_queries
from eval.embed_eval import Candidate, RetrievalSet
from mcp_servers.errors import JanagentError
from mcp_servers.types import Document


def static_candidate(spec: str) -> Candidate:
    """A Model2Vec model named by folder or cached hub id (never the offline stand-in in its place)."""
    from mcp_servers.embeddings import load_static_model
    from mcp_servers.embeddings.default_model import resolve_named_model
    from mcp_servers.embeddings.distilling import folder_size

    folder, _ = resolve_named_model(spec)
    model = load_static_model(str(folder))
    weights = getattr(model, "weights", None)
    memory = int(model.embedding.nbytes) + (int(weights.nbytes) if weights is not None else 0)
    return Candidate(
        name=folder.name,
        kind="static",
        embedder=model,
        size_bytes=folder_size(folder),
        memory_bytes=memory,
        vocabulary=len(model.tokens),
        dims=int(model.dim),
        folder=str(folder),
    )


def teacher_candidate(spec: str, *, pooling: str = "mean", device: str = "cpu", batch_size: int = 32) -> Candidate:
    """The teacher as a sentence encoder (see ``eval.teacher_encoder``)."""
    from eval.teacher_encoder import TeacherEncoder

    if pooling not in ("mean", "last"):
        raise JanagentError(f"--teacher-pooling must be mean or last (got {pooling!r})")
    encoder = TeacherEncoder(spec, pooling=pooling, device=device, batch_size=batch_size)  # type: ignore[arg-type]
    return Candidate(
        name=f"{encoder.name} (teacher)",
        kind="teacher",
        embedder=encoder,
        size_bytes=encoder.disk_bytes(),
        memory_bytes=encoder.memory_bytes(),
        vocabulary=encoder.vocabulary_size,
        dims=encoder.dim,
        folder=spec,
    )


def _find_qrels(folder: Path) -> Path:
    for candidate in (folder / "qrels" / "test.tsv", folder / "qrels.tsv", folder / "test.tsv"):
        if candidate.is_file():
            return candidate
    raise JanagentError(f"{folder}: no qrels/test.tsv - a BEIR set folder holds corpus.jsonl, queries.jsonl, qrels/")


def beir_folder_set(folder: Path, *, limit: int | None = None, max_docs: int | None = None) -> RetrievalSet:
    """A BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) as a set, optionally cut to a subset."""
    if not folder.is_dir():
        raise JanagentError(f"{folder}: not a folder - give BEIR set folders (corpus.jsonl, queries.jsonl, qrels/)")
    qrels = load_qrels(_find_qrels(folder))
    queries = judged_queries(load_queries(folder / "queries.jsonl"), qrels)
    corpus_path = folder / "corpus.jsonl"
    if not corpus_path.is_file():
        raise JanagentError(f"{folder}: no corpus.jsonl")
    return subset(folder.name, lambda: load_corpus(corpus_path), queries, qrels, limit=limit, max_docs=max_docs)


def subset(
    name: str,
    corpus: Callable[[], Iterable[Document]],
    queries: dict[str, str],
    qrels: dict[str, dict[str, int]],
    *,
    limit: int | None = None,
    max_docs: int | None = None,
) -> RetrievalSet:
    """The set ``name`` cut to ``limit`` judged queries and ``max_docs`` documents (None: no cut)."""
    corpus_factory = corpus
    kept_queries = judged_queries(queries, qrels)
    if limit is not None:
        kept_queries = dict(list(kept_queries.items())[:limit])
    kept_qrels = {qid: qrels[qid] for qid in kept_queries}
    if max_docs is None and limit is None:
        return RetrievalSet(name, corpus_factory, kept_queries, kept_qrels)
    judged = {doc_id for grades in kept_qrels.values() for doc_id in grades}
    all_docs = list(corpus_factory())
    chosen = [doc for doc in all_docs if doc.id in judged]
    if max_docs is not None and len(chosen) > max_docs:
        chosen = chosen[:max_docs]
    others = [doc for doc in all_docs if doc.id not in judged]
    room = len(all_docs) if max_docs is None else max(max_docs - len(chosen), 0)
    docs = chosen + others[:room]
    label = f"{name}[{len(kept_queries)}q/{len(docs)}d]"
    return RetrievalSet(label, lambda: iter(docs), kept_queries, kept_qrels)


def dev_suite_sets(*, limit: int | None = None, max_docs: int | None = None) -> list[RetrievalSet]:
    """The retrieval dev suite shared with `bench search` (issue 12's suite module)."""
    raise JanagentError("the retrieval dev suite is not available yet - pass BEIR set folders with --suite PATH")
