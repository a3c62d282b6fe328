"""On-disk generations of a local index, and the atomic swap that publishes a new one.

An index is a folder::

    CURRENT            the name of the live generation (replaced atomically with os.replace)
    gen-<ns>-<pid>/    one complete, immutable generation
        meta.json          counts, embedding model id, vector dims
        docs.json          per document: id, title, url, source path, fingerprint, chunk count
        chunk_doc.npy      per chunk: its document's row in docs.json (chunks of a document are contiguous)
        passage_offsets.npy, passages.bin   the passages' UTF-8 text, memory-mapped
        vectors.f32        unit-length float32 rows (chunks x dims), memory-mapped
        bm25/              the bm25s index of "title\\npassage" per chunk
    tmp-*/             a generation being written (a crash leaves only this, removed by the next writer)
    .lock              writers hold an flock on it

A writer builds a complete generation in a tmp folder, fsyncs it, renames it to ``gen-*`` and only then
points CURRENT at it, so a reader sees the old generation or the new one, never a half-written one. All of
a generation's arrays are memory-mapped when it is opened, so a reader keeps working even after a later
writer deletes that generation.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import numpy as np

from mcp_servers.index.bm25 import Bm25Builder, Bm25Leg, Bm25Settings

FORMAT_VERSION = 1
POINTER = "CURRENT"
LOCK = ".lock"


@dataclass
class DocTable:
    """The documents of a generation, as columns (fast to load for a few hundred thousand documents)."""

    ids: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    urls: list[str | None] = field(default_factory=list)
    sources: list[str | None] = field(default_factory=list)
    fingerprints: list[str] = field(default_factory=list)
    chunk_counts: list[int] = field(default_factory=list)

    def append(
        self, doc_id: str, title: str, url: str | None, source: str | None, fingerprint: str, chunks: int
    ) -> None:
        self.ids.append(doc_id)
        self.titles.append(title)
        self.urls.append(url)
        self.sources.append(source)
        self.fingerprints.append(fingerprint)
        self.chunk_counts.append(chunks)

    def __len__(self) -> int:
        return len(self.ids)

    def to_json(self) -> dict[str, list[Any]]:
        return {
            "ids": self.ids,
            "titles": self.titles,
            "urls": self.urls,
            "sources": self.sources,
            "fingerprints": self.fingerprints,
            "chunk_counts": self.chunk_counts,
        }

    @classmethod
    def from_json(cls, data: dict[str, list[Any]]) -> DocTable:
        return cls(**{key: list(data[key]) for key in cls().to_json()})


def reference_key(url: str) -> str:
    """A URL as lookups compare it: no scheme, fragment, path escapes or trailing slash; the host lower-case.

    A model copies a result's URL with small changes (http for https, an escaped or unescaped title, a
    trailing slash), and each of them still names the same page.
    """
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return url.strip()
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.netloc.lower()}{unquote(parts.path).rstrip('/')}{query}"


def _fsync_file(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_pointer(index_dir: Path) -> Path | None:
    """The live generation's folder, or None when the index has none yet."""
    try:
        name = (index_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return index_dir / name if name else None


@contextlib.contextmanager
def writer_lock(index_dir: Path) -> Iterator[None]:
    """Serialise writers of one index (readers never lock)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / LOCK).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class Generation:
    """One published generation, opened read-only with its arrays memory-mapped."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.meta: dict[str, Any] = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        self.docs = DocTable.from_json(json.loads((path / "docs.json").read_text(encoding="utf-8")))
        self.num_chunks: int = int(self.meta["chunks"])
        self.dim: int = int(self.meta.get("dim") or 0)
        counts = np.asarray(self.docs.chunk_counts, dtype=np.int64)
        self.doc_chunk_start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        if self.num_chunks:
            self.chunk_doc: np.ndarray = np.load(path / "chunk_doc.npy", mmap_mode="r")
            self.offsets: np.ndarray = np.load(path / "passage_offsets.npy", mmap_mode="r")
            self.passages: np.ndarray = np.memmap(path / "passages.bin", dtype=np.uint8, mode="r")
            self.vectors: np.ndarray = np.memmap(
                path / "vectors.f32", dtype=np.float32, mode="r", shape=(self.num_chunks, self.dim)
            )
        else:
            self.chunk_doc = np.zeros(0, dtype=np.int32)
            self.offsets = np.zeros(1, dtype=np.int64)
            self.passages = np.zeros(0, dtype=np.uint8)
            self.vectors = np.zeros((0, self.dim), dtype=np.float32)
        self._bm25: Bm25Leg | None = None
        self._rows: dict[str, int] | None = None  # id and URL -> row, built on the first lookup

    @property
    def embed_model(self) -> str | None:
        value = self.meta.get("embed_model")
        return str(value) if value else None

    @property
    def bm25(self) -> Bm25Leg:
        if self._bm25 is None:
            self._bm25 = Bm25Leg(self.path / "bm25", stemmed=bool(self.meta.get("stemmed", False)))
        return self._bm25

    def passage(self, chunk: int) -> str:
        start, end = int(self.offsets[chunk]), int(self.offsets[chunk + 1])
        return bytes(self.passages[start:end]).decode("utf-8")

    def document_text(self, row: int) -> str:
        """The text of document ``row`` as indexed: its passages in order (they do not overlap)."""
        first, end = int(self.doc_chunk_start[row]), int(self.doc_chunk_start[row + 1])
        return "\n\n".join(self.passage(chunk) for chunk in range(first, end))

    def document_row(self, reference: str) -> int | None:
        """The row of the document whose id or URL is ``reference`` (URLs compared as ``reference_key`` does)."""
        if self._rows is None:
            rows: dict[str, int] = {}
            # URLs first and ids over them, so that an id wins over another document's URL that reads the same.
            for row, url in enumerate(self.docs.urls):
                if url:
                    rows.setdefault(reference_key(url), row)
            rows.update({doc_id: row for row, doc_id in enumerate(self.docs.ids)})
            self._rows = rows
        found = self._rows.get(reference.strip())
        return found if found is not None else self._rows.get(reference_key(reference))

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.path.rglob("*") if p.is_file())


class GenerationWriter:
    """Writes one new generation into a tmp folder; ``commit`` publishes it, ``abort`` throws it away."""

    def __init__(self, index_dir: Path, *, bm25: Bm25Settings | None = None, stemmed: bool | None = None) -> None:
        """``bm25`` says how to build the BM25 leg; ``stemmed`` alone means those settings at k1, b's defaults."""
        self.index_dir = index_dir
        self.bm25 = bm25 or Bm25Settings(stemmed=bool(stemmed))
        bm25 = self.bm25
        self._bm25 = Bm25Builder(stemmed=bm25.stemmed, k1=bm25.k1, b=bm25.b)
        self.tmp = index_dir / f"tmp-{time.time_ns()}-{os.getpid()}"
        self.tmp.mkdir(parents=True)
        self.docs = DocTable()
        self.dim = 0
        self.num_chunks = 0
        self._passages = (self.tmp / "passages.bin").open("wb")
        self._vectors = (self.tmp / "vectors.f32").open("wb")
        self._offsets: list[int] = [0]
        self._chunk_doc: list[np.ndarray] = []
        self._bytes = 0

    def _append_chunks(self, encoded_passages: list[bytes], vectors: np.ndarray) -> None:
        if len(encoded_passages) != len(vectors):
            raise ValueError("one vector per passage")
        if len(vectors):
            if self.dim == 0:
                self.dim = int(vectors.shape[1])
            elif vectors.shape[1] != self.dim:
                raise ValueError(f"vectors have {vectors.shape[1]} dims, the index has {self.dim}")
        for data in encoded_passages:
            self._passages.write(data)
            self._bytes += len(data)
            self._offsets.append(self._bytes)
        self._vectors.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
        self._chunk_doc.append(np.full(len(encoded_passages), len(self.docs), dtype=np.int32))
        self.num_chunks += len(encoded_passages)

    def tokenize(self, indexed_texts: list[str]) -> None:
        """Tokenize the BM25 text ("title\\npassage") of the chunks that the next ``add_document`` calls
        append, in the same order (separate so that it can run while the vectors are being computed)."""
        self._bm25.add(indexed_texts)

    def add_document(
        self,
        doc_id: str,
        title: str,
        url: str | None,
        source: str | None,
        fingerprint: str,
        passages: list[str],
        vectors: np.ndarray,
    ) -> None:
        """Append one document's passages and their (unit-length) vectors; ``tokenize`` them first."""
        self._append_chunks([p.encode("utf-8") for p in passages], vectors)
        self.docs.append(doc_id, title, url, source, fingerprint, len(passages))

    def copy_documents(self, old: Generation, rows: list[int]) -> None:
        """Carry documents over from ``old`` unchanged (no re-embedding), runs of rows copied in slices."""
        rows = sorted(rows)
        i = 0
        while i < len(rows):
            j = i
            while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
                j += 1
            first_chunk = int(old.doc_chunk_start[rows[i]])
            end_chunk = int(old.doc_chunk_start[rows[j] + 1])
            if end_chunk > first_chunk:
                if self.dim == 0:
                    self.dim = old.dim
                elif old.dim != self.dim:
                    raise ValueError(f"vectors have {old.dim} dims, the index has {self.dim}")
                base = int(old.offsets[first_chunk])
                self._bm25.add(_indexed_texts(old, rows[i], rows[j] + 1))
                self._passages.write(bytes(old.passages[base : int(old.offsets[end_chunk])]))
                shifted = np.asarray(old.offsets[first_chunk + 1 : end_chunk + 1], dtype=np.int64) - base + self._bytes
                self._offsets.extend(shifted.tolist())
                self._bytes = int(shifted[-1])
                self._vectors.write(np.ascontiguousarray(old.vectors[first_chunk:end_chunk]).tobytes())
                old_docs = np.asarray(old.chunk_doc[first_chunk:end_chunk], dtype=np.int64)
                self._chunk_doc.append((old_docs - rows[i] + len(self.docs)).astype(np.int32))
                self.num_chunks += end_chunk - first_chunk
            for row in rows[i : j + 1]:
                d = old.docs
                self.docs.append(
                    d.ids[row], d.titles[row], d.urls[row], d.sources[row], d.fingerprints[row], d.chunk_counts[row]
                )
            i = j + 1

    def commit(self, meta: dict[str, Any]) -> Path:
        """Finish the files, build BM25, publish the generation atomically; returns its folder."""
        self._passages.close()
        self._vectors.close()
        np.save(self.tmp / "passage_offsets.npy", np.asarray(self._offsets, dtype=np.int64))
        chunk_doc = np.concatenate(self._chunk_doc) if self._chunk_doc else np.zeros(0, dtype=np.int32)
        np.save(self.tmp / "chunk_doc.npy", chunk_doc)
        if len(self._bm25) != self.num_chunks:
            raise ValueError(f"{len(self._bm25)} chunks tokenized for BM25 but {self.num_chunks} written")
        if self.num_chunks:
            self._bm25.save(self.tmp / "bm25")
        full_meta = {
            **meta,
            "format": FORMAT_VERSION,
            "documents": len(self.docs),
            "chunks": self.num_chunks,
            "dim": self.dim,
            "stemmed": self.bm25.stemmed,
            "bm25_k1": self.bm25.k1,
            "bm25_b": self.bm25.b,
            "created": time.time(),
        }
        (self.tmp / "docs.json").write_text(json.dumps(self.docs.to_json(), ensure_ascii=False), encoding="utf-8")
        (self.tmp / "meta.json").write_text(json.dumps(full_meta, indent=2), encoding="utf-8")
        for path in self.tmp.rglob("*"):
            if path.is_file():
                _fsync_file(path)
        final = self.index_dir / self.tmp.name.replace("tmp-", "gen-", 1)
        os.replace(self.tmp, final)
        pointer_tmp = self.index_dir / f"{POINTER}.{os.getpid()}.tmp"
        pointer_tmp.write_text(final.name, encoding="utf-8")
        _fsync_file(pointer_tmp)
        os.replace(pointer_tmp, self.index_dir / POINTER)
        _fsync_dir(self.index_dir)
        return final

    def abort(self) -> None:
        """Close and delete the unfinished generation; the published one is untouched."""
        self._passages.close()
        self._vectors.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


def _indexed_texts(generation: Generation, first_row: int, end_row: int) -> Iterator[str]:
    """ "title\\npassage" for every chunk of documents ``first_row`` up to ``end_row`` of a generation."""
    chunk = int(generation.doc_chunk_start[first_row])
    for row in range(first_row, end_row):
        title = generation.docs.titles[row]
        for _ in range(generation.docs.chunk_counts[row]):
            text = generation.passage(chunk)
            yield f"{title}\n{text}" if title else text
            chunk += 1


def collect_garbage(index_dir: Path, keep: int = 2) -> None:
    """Delete unfinished tmp folders and all but the newest ``keep`` generations (the live one always stays).

    Call it while holding the writer lock. The previous generation is kept by default so that a reader
    that read CURRENT just before the swap can still open it.
    """
    live = read_pointer(index_dir)
    for path in index_dir.glob("tmp-*"):
        shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(f"{POINTER}.*.tmp"):
        path.unlink(missing_ok=True)
    generations = sorted(index_dir.glob("gen-*"), key=lambda p: int(p.name.split("-")[1]), reverse=True)
    for path in generations[keep:]:
        if live is None or path.name != live.name:
            shutil.rmtree(path, ignore_errors=True)
