"""Writing an index: each add or remove builds a whole new generation and publishes it atomically.

Unchanged documents (same content fingerprint) are carried over from the live generation without
re-embedding; everything else is chunked, embedded and tokenized for BM25 in batches.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mcp_servers.index.bm25 import Bm25Settings
from mcp_servers.index.chunking import MAX_WORDS, chunk_document
from mcp_servers.index.embedder import LazyEmbedder, check_same_model
from mcp_servers.index.generations import LiveGeneration
from mcp_servers.index.progress import AddProgress, NoProgress
from mcp_servers.index.store import Generation, GenerationWriter, collect_garbage, writer_lock
from mcp_servers.index.vectors import embed_texts
from mcp_servers.types import Document

# Chunks embedded per encode call: large enough for the static model's batching, small enough to stream.
EMBED_BATCH = 4096
# Bump when chunking changes, so that re-adding unchanged files re-chunks them.
CHUNKER_VERSION = f"words{MAX_WORDS}-v1"


@dataclass
class AddReport:
    """What one add did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: int = 0
    duplicates: int = 0
    chunks_embedded: int = 0
    incoming_chunks: int = 0
    documents: int = 0
    chunks: int = 0
    seconds: float = 0.0


def fingerprint(doc: Document) -> str:
    """Content hash of what the index stores for a document; an unchanged document is not re-embedded."""
    digest = hashlib.blake2b(digest_size=12)
    for part in (CHUNKER_VERSION, doc.title, doc.text, doc.url or ""):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def add_documents(
    live: LiveGeneration,
    docs: Iterable[Document],
    embedder: LazyEmbedder,
    embed_spec: str | None,
    progress: AddProgress | None = None,
    bm25: Bm25Settings | None = None,
) -> AddReport:
    """Index or replace documents (by id, and every document of a re-added source file) in a new generation.

    The generation is published only when everything was read, embedded and indexed; any exception (a bad
    file, Ctrl-C) leaves the index exactly as it was. ``bm25`` defaults to ``Bm25Settings.default()``.
    """
    sink = progress or NoProgress()
    started = time.perf_counter()
    with writer_lock(live.path):
        collect_garbage(live.path)
        old = live.get()
        if old is not None and old.num_chunks:
            check_same_model(live.name, old.embed_model, embedder.id)
        writer = GenerationWriter(live.path, bm25=bm25 or Bm25Settings.default())
        try:
            report = _write_incoming(docs, old, writer, embedder, sink)
            sink.phase("building BM25")
            meta = {"name": live.name, "embed_model": embedder.id, "embed_spec": embed_spec}
            if meta["embed_spec"] is None and old is not None:
                meta["embed_spec"] = old.meta.get("embed_spec")
            writer.commit(meta)
        except BaseException:
            writer.abort()
            raise
        collect_garbage(live.path)
    report.documents, report.chunks = len(writer.docs), writer.num_chunks
    report.seconds = time.perf_counter() - started
    sink.phase("done")
    return report


def _write_incoming(
    docs: Iterable[Document],
    old: Generation | None,
    writer: GenerationWriter,
    embedder: LazyEmbedder,
    sink: AddProgress,
) -> AddReport:
    report = AddReport()
    old_rows = {doc_id: row for row, doc_id in enumerate(old.docs.ids)} if old is not None else {}
    incoming: set[str] = set()
    sources: set[str] = set()
    unchanged_rows: list[int] = []
    model = embedder.model
    # The static model embeds a batch (its Rust tokenizer releases the GIL) while this thread
    # tokenizes the same batch for BM25: on two cores that overlaps the two biggest costs.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed") as pool:
        for batch in _batches(docs, incoming, sources, report):
            texts: list[str] = []
            fresh: list[tuple[Document, str, list[str]]] = []
            counted_chunks = 0
            for doc in batch:
                fp = fingerprint(doc)
                row = old_rows.get(doc.id)
                if old is not None and row is not None and old.docs.fingerprints[row] == fp:
                    unchanged_rows.append(row)
                    report.unchanged += 1
                    counted_chunks += old.docs.chunk_counts[row]
                    continue
                chunks = chunk_document(doc)
                if row is not None:
                    report.updated += 1
                else:
                    report.added += 1
                fresh.append((doc, fp, [c.text for c in chunks]))
                texts.extend(c.indexed_text for c in chunks)
            pending = pool.submit(embed_texts, model, texts) if texts else None
            writer.tokenize(texts)
            vectors = pending.result() if pending is not None else np.zeros((0, 0), dtype=np.float32)
            start = 0
            for doc, fp, passages in fresh:
                end = start + len(passages)
                writer.add_document(doc.id, doc.title, doc.url, doc.source_path, fp, passages, vectors[start:end])
                start = end
            report.chunks_embedded += len(texts)
            report.incoming_chunks += len(texts) + counted_chunks
            sink.advance(len(batch), len(texts) + counted_chunks)
    if old is not None:
        kept = [
            row
            for row, doc_id in enumerate(old.docs.ids)
            if doc_id not in incoming and (old.docs.sources[row] is None or old.docs.sources[row] not in sources)
        ]
        report.dropped = len(old.docs) - len(kept) - report.updated - report.unchanged
        writer.copy_documents(old, sorted(kept + unchanged_rows))
    return report


def _batches(
    docs: Iterable[Document], incoming: set[str], sources: set[str], report: AddReport
) -> Iterator[list[Document]]:
    """Documents in batches of about EMBED_BATCH chunks; repeated ids after the first are skipped."""
    batch: list[Document] = []
    budget = 0
    for doc in docs:
        if doc.id in incoming:
            report.duplicates += 1
            continue
        incoming.add(doc.id)
        if doc.source_path is not None:
            sources.add(doc.source_path)
        batch.append(doc)
        budget += 1 + len(doc.text) // 1000  # about one chunk per thousand characters
        if budget >= EMBED_BATCH:
            yield batch
            batch, budget = [], 0
    if batch:
        yield batch


def remove_documents(live: LiveGeneration, doc_ids: Iterable[str]) -> int:
    """Remove documents by id in a new generation (atomically, like an add); returns how many were removed."""
    wanted = set(doc_ids)
    path: Path = live.path
    with writer_lock(path):
        old = live.get()
        if old is None:
            return 0
        kept = [row for row, doc_id in enumerate(old.docs.ids) if doc_id not in wanted]
        removed = len(old.docs) - len(kept)
        if removed == 0:
            return 0
        writer = GenerationWriter(path, bm25=Bm25Settings.from_meta(old.meta))
        try:
            writer.copy_documents(old, kept)
            meta = {"name": live.name, "embed_model": old.embed_model, "embed_spec": old.meta.get("embed_spec")}
            writer.commit(meta)
        except BaseException:
            writer.abort()
            raise
        collect_garbage(path)
    return removed
