"""Re-embed a local index with another static model: a whole new generation, written aside and swapped in.

Passages, documents and BM25 text stay exactly as they are; only the vectors (and the model recorded in
the metadata) change. The new generation goes through the same ``GenerationWriter`` as every add, so it
is published by one atomic rename of CURRENT after it was completely written and fsynced: a reembed that
is killed at any point leaves the old generation live and answering searches, and the next writer sweeps
away the unfinished folder.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mcp_servers.errors import JanagentError
from mcp_servers.index.bm25 import Bm25Settings
from mcp_servers.index.embedder import embedder_id
from mcp_servers.index.progress import AddProgress, NoProgress
from mcp_servers.index.store import Generation, GenerationWriter, collect_garbage, read_pointer, writer_lock
from mcp_servers.index.vectors import Embedder, embed_texts

# Chunks embedded per encode call (as in an add): big batches for the static model, bounded memory.
REEMBED_BATCH = 4096


@dataclass(frozen=True)
class ReembedReport:
    """What a reembed did: the model before and after, and how much it re-encoded."""

    index: str
    old_model: str | None
    new_model: str
    new_spec: str | None
    documents: int
    chunks: int
    dim: int
    seconds: float


def _document_batches(generation: Generation, batch_chunks: int) -> list[tuple[int, int]]:
    """Runs of document rows (first, end) holding about ``batch_chunks`` chunks each."""
    runs: list[tuple[int, int]] = []
    first = 0
    for row in range(len(generation.docs)):
        chunks = int(generation.doc_chunk_start[row + 1] - generation.doc_chunk_start[first])
        if chunks >= batch_chunks:
            runs.append((first, row + 1))
            first = row + 1
    if first < len(generation.docs):
        runs.append((first, len(generation.docs)))
    return runs


def reembed_index(
    name: str,
    path: Path,
    embedder: Embedder,
    *,
    embed_spec: str | None,
    progress: AddProgress | None = None,
    batch_chunks: int = REEMBED_BATCH,
) -> ReembedReport:
    """Write every passage of index ``name`` (folder ``path``) again with vectors from ``embedder``.

    ``embed_spec`` is recorded so that later searches load the same model; the model's id is recorded
    so that a search with any other model is refused.
    """
    sink = progress or NoProgress()
    started = time.perf_counter()
    if read_pointer(path) is None:
        raise JanagentError(f"no index named '{name}' - build it with `janagent index add PATH --index {name}`")
    new_model = embedder_id(embedder)
    with writer_lock(path):
        collect_garbage(path)
        pointer = read_pointer(path)
        if pointer is None:
            raise JanagentError(f"index '{name}' was removed while waiting for its lock")
        old = Generation(pointer)
        # The BM25 leg is rebuilt with the settings the index recorded, as a remove does.
        writer = GenerationWriter(path, bm25=Bm25Settings.from_meta(old.meta))
        try:
            sink.phase(f"re-embedding with {new_model}")
            for first, end in _document_batches(old, batch_chunks):
                _rewrite_documents(old, first, end, writer, embedder)
                sink.advance(end - first, int(old.doc_chunk_start[end] - old.doc_chunk_start[first]))
            sink.phase("building BM25")
            writer.commit({"name": name, "embed_model": new_model, "embed_spec": embed_spec})
        except BaseException:
            writer.abort()
            raise
        collect_garbage(path)
    sink.phase("done")
    return ReembedReport(
        index=name,
        old_model=old.embed_model,
        new_model=new_model,
        new_spec=embed_spec,
        documents=len(writer.docs),
        chunks=writer.num_chunks,
        dim=writer.dim,
        seconds=time.perf_counter() - started,
    )


def _rewrite_documents(old: Generation, first: int, end: int, writer: GenerationWriter, embedder: Embedder) -> None:
    docs = old.docs
    passages: list[list[str]] = []
    texts: list[str] = []
    for row in range(first, end):
        start = int(old.doc_chunk_start[row])
        own = [old.passage(chunk) for chunk in range(start, start + docs.chunk_counts[row])]
        passages.append(own)
        # The same "title\npassage" text that an add embeds and tokenizes (Chunk.indexed_text).
        texts.extend(f"{docs.titles[row]}\n{text}" if docs.titles[row] else text for text in own)
    vectors = embed_texts(embedder, texts) if texts else np.zeros((0, 0), dtype=np.float32)
    writer.tokenize(texts)
    offset = 0
    for i, row in enumerate(range(first, end)):
        count = len(passages[i])
        writer.add_document(
            docs.ids[row],
            docs.titles[row],
            docs.urls[row],
            docs.sources[row],
            docs.fingerprints[row],
            passages[i],
            vectors[offset : offset + count],
        )
        offset += count
