"""What `embed eval` compares: static models and a teacher as candidates, BEIR folders as sets (or subsets).

Sets are the dev suite's ``DevSet`` triples (``eval.dev_suite``), cut to a split and a number of queries
as `bench search --suite dev` cuts them. ``max_docs`` also cuts the corpus (judged documents first), so a
slow teacher can be scored on the same smaller set as the static models it is compared with.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from eval.dev_suite import DEV_SETS, DevSet, Split, beir_set, dev_sets
from eval.embed_eval import Candidate
from mcp_servers.errors import JanagentError


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


def _beir_folder(folder: Path) -> DevSet:
    if not folder.is_dir():
        raise JanagentError(
            f"{folder}: not a folder - give dev set names or BEIR folders (corpus.jsonl, queries.jsonl, qrels/)"
        )
    for name in ("corpus.jsonl", "queries.jsonl", "qrels/test.tsv"):
        if not (folder / name).is_file():
            raise JanagentError(
                f"{folder}: no {name} - a BEIR set folder holds corpus.jsonl, queries.jsonl, qrels/test.tsv"
            )
    return beir_set(folder.name, folder)


def load_sets(
    suite: Sequence[str],
    data_dir: Path,
    *,
    split: Split = "report",
    limit: int | None = None,
    max_docs: int | None = None,
) -> list[DevSet]:
    """``dev`` (every dev set), dev set names, or BEIR folders; each cut to the ``split`` and ``limit``
    queries exactly as `bench search --suite dev` cuts them, then (optionally) to ``max_docs`` documents."""
    sets: list[DevSet] = []
    for item in suite:
        if item == "dev":
            sets.extend(dev_sets(data_dir, split=split, limit=limit))
        elif item in DEV_SETS:
            sets.extend(dev_sets(data_dir, [item], split=split, limit=limit))
        else:
            sets.append(_beir_folder(Path(item)).limited(split, limit))
    return [cut_corpus(devset, max_docs) for devset in sets] if max_docs is not None else sets


def cut_corpus(devset: DevSet, max_docs: int) -> DevSet:
    """The set with at most ``max_docs`` documents: the judged ones of its queries first, then others in
    corpus order as distractors; named with its size, since its scores are not the full set's."""
    if len(devset.corpus) <= max_docs:
        return devset
    judged = {doc_id for grades in devset.qrels.values() for doc_id in grades}
    chosen = [doc for doc in devset.corpus if doc.id in judged][:max_docs]
    others = [doc for doc in devset.corpus if doc.id not in judged]
    docs = chosen + others[: max(max_docs - len(chosen), 0)]
    return DevSet(f"{devset.name}[{len(docs)}d]", docs, devset.queries, devset.qrels)
