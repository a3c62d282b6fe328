"""The index interface over Qdrant: sparse BM25 vectors (IDF on the server) plus dense Model2Vec vectors.

Selected by an index URL:

    qdrant://HOST[:PORT]/COLLECTION      a Qdrant server over http (port 6333 by default)
    qdrants://HOST[:PORT]/COLLECTION     over https, with the API key from $QDRANT_API_KEY
    qdrant+memory:///COLLECTION          qdrant-client's in-process mode (tests, demos)
    qdrant+local:///ABS/PATH/COLLECTION  qdrant-client's on-disk local mode, in folder /ABS/PATH

Documents are chunked like the local index (title kept with every passage). Each passage becomes one
point with two named vectors: ``bm25``, term frequencies saturated as in BM25 with the server applying
IDF (``Modifier.IDF``), and ``dense``, the embedder's vector. A query runs both legs as prefetches and
fuses them on the server with reciprocal rank fusion, so a cluster does the whole search.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from mcp_servers.embeddings.naming import model_id
from mcp_servers.errors import JanagentError, require
from mcp_servers.index.chunking import Chunk, chunk_document
from mcp_servers.index.fusion import one_per_document
from mcp_servers.index.snippets import cut_snippet
from mcp_servers.index.vectors import Embedder, encode
from mcp_servers.types import Document, IndexStats, SearchHit

DENSE = "dense"
SPARSE = "bm25"
API_KEY_ENV = "QDRANT_API_KEY"
DEFAULT_PORT = 6333

# BM25's document-length saturation, computed on the client against a fixed average passage length
# (the chunker caps passages at a few hundred words, so lengths vary little).
K1 = 1.2
B = 0.75
AVG_PASSAGE_WORDS = 120.0

UPSERT_BATCH = 256
# Each leg fetches this many candidates per requested hit before fusion; deeper lists help RRF.
PREFETCH_FACTOR = 5
_NAMESPACE = uuid.UUID("6f1c1b8e-7a0e-4d55-9a59-6f0d3c2b9a10")
_TERM = re.compile(r"\w+")
_COLLECTION_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")


@dataclass(frozen=True)
class QdrantTarget:
    """A parsed index URL: how to reach Qdrant and which collection to use."""

    collection: str
    mode: str  # "server", "memory" or "local"
    host: str | None = None
    port: int | None = None
    https: bool = False
    path: str | None = None


def parse_qdrant_url(url: str) -> QdrantTarget:
    """Parse an index URL (see the module docstring) or raise a one-line error that shows the right form."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    forms = "qdrant://HOST:PORT/COLLECTION, qdrants://..., qdrant+memory:///COLLECTION or qdrant+local:///ABS/PATH/COLLECTION"
    if scheme not in {"qdrant", "qdrants", "qdrant+memory", "qdrant+local"}:
        raise JanagentError(f"unsupported index URL {url!r} - use {forms}")
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        raise JanagentError(f"index URL {url!r} names no collection - use {forms}")
    collection = segments[-1]
    if not _COLLECTION_NAME.match(collection):
        raise JanagentError(f"collection name {collection!r} in {url!r} may only use letters, digits, _ . -")

    if scheme in {"qdrant", "qdrants"}:
        if not parts.hostname:
            raise JanagentError(f"index URL {url!r} has no host - use qdrant://HOST:PORT/COLLECTION")
        if len(segments) != 1:
            raise JanagentError(f"index URL {url!r} has extra path segments - use qdrant://HOST:PORT/COLLECTION")
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError as exc:
            raise JanagentError(f"index URL {url!r} has an invalid port") from exc
        return QdrantTarget(collection, "server", host=parts.hostname, port=port, https=scheme == "qdrants")

    if parts.netloc:
        raise JanagentError(f"index URL {url!r} must have three slashes: {scheme}:///...")
    if scheme == "qdrant+memory":
        if len(segments) != 1:
            raise JanagentError(f"index URL {url!r} must be {scheme}:///COLLECTION")
        return QdrantTarget(collection, "memory")
    if len(segments) < 2:
        raise JanagentError(f"index URL {url!r} must be qdrant+local:///ABS/PATH/COLLECTION (a folder, then a name)")
    return QdrantTarget(collection, "local", path="/" + "/".join(segments[:-1]))


def _term_index(term: str) -> int:
    # A stable 32-bit id per term (Python's hash() changes between runs); collisions are rare and harmless.
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "little")


def _terms(text: str) -> list[str]:
    return _TERM.findall(text.lower())


def sparse_document_vector(text: str) -> tuple[list[int], list[float]]:
    """BM25 term weights without IDF (the server multiplies IDF in): saturated, length-normalised tf."""
    terms = _terms(text)
    if not terms:
        return [], []
    norm = K1 * (1 - B + B * len(terms) / AVG_PASSAGE_WORDS)
    weights: dict[int, float] = {}
    for term, tf in Counter(terms).items():
        index = _term_index(term)
        weights[index] = weights.get(index, 0.0) + tf * (K1 + 1) / (tf + norm)
    return list(weights), list(weights.values())


def sparse_query_vector(text: str) -> tuple[list[int], list[float]]:
    """Each distinct query term once: with the IDF modifier the score is BM25's sum of idf * tf-weight."""
    indices = sorted({_term_index(term) for term in _terms(text)})
    return indices, [1.0] * len(indices)


def _point_id(doc_id: str, ordinal: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{doc_id}\x00{ordinal}"))


def _batched(items: Sequence[Chunk], size: int) -> Iterator[Sequence[Chunk]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class QdrantIndex:
    """A SearchIndex stored in one Qdrant collection (server, cluster, or qdrant-client local mode)."""

    backend = "qdrant"

    def __init__(
        self, client: Any, collection: str, embedder: Embedder, name: str | None = None, *, server: bool = True
    ) -> None:
        self.client = client
        # Payload indexes speed up the filters (replace, remove, stats) on a server; local mode has none.
        self._server = server
        self.collection = collection
        self.name = name or collection
        self.embedder = embedder
        self.embed_model = model_id(embedder)
        self.dims = int(np.asarray(encode(embedder, ["dimension probe"])).shape[-1])
        self._models = require("qdrant_client.models", "qdrant")
        self._ensure_collection()

    # -- collection lifecycle -------------------------------------------------------------------------

    def _ensure_collection(self) -> None:
        m = self._models
        if not self.client.collection_exists(self.collection):
            self.client.create_collection(
                self.collection,
                vectors_config={DENSE: m.VectorParams(size=self.dims, distance=m.Distance.COSINE)},
                sparse_vectors_config={SPARSE: m.SparseVectorParams(modifier=m.Modifier.IDF)},
                metadata={"embed_model": self.embed_model, "created_by": "janagent"},
            )
            if self._server:
                for field, schema in (
                    ("doc_id", m.PayloadSchemaType.KEYWORD),
                    ("source_path", m.PayloadSchemaType.KEYWORD),
                    ("ordinal", m.PayloadSchemaType.INTEGER),
                ):
                    self.client.create_payload_index(self.collection, field_name=field, field_schema=schema)
            return
        info = self.client.get_collection(self.collection)
        stored = (info.config.metadata or {}).get("embed_model")
        if stored is not None and stored != self.embed_model:
            raise JanagentError(
                f"collection {self.collection} was built with embedding model {stored}, not {self.embed_model} - "
                "search it with the same --embed-model or index into a new collection"
            )
        vectors = info.config.params.vectors
        size = vectors[DENSE].size if isinstance(vectors, dict) and DENSE in vectors else None
        if size != self.dims:
            raise JanagentError(
                f"collection {self.collection} is not a janagent index with {self.dims}-d vectors "
                "(choose another collection name)"
            )

    def close(self) -> None:
        """Release the client (local mode holds a lock on its folder until closed)."""
        self.client.close()

    def __enter__(self) -> QdrantIndex:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------------------

    def _doc_filter(self, doc_ids: Sequence[str] = (), source_paths: Sequence[str] = ()) -> Any:
        m = self._models
        should = []
        if doc_ids:
            should.append(m.FieldCondition(key="doc_id", match=m.MatchAny(any=list(doc_ids))))
        if source_paths:
            should.append(m.FieldCondition(key="source_path", match=m.MatchAny(any=list(source_paths))))
        return m.Filter(should=should)

    def _matching_doc_ids(self, flt: Any) -> set[str]:
        found: set[str] = set()
        offset = None
        while True:
            points, offset = self.client.scroll(
                self.collection,
                scroll_filter=flt,
                limit=1024,
                offset=offset,
                with_payload=["doc_id"],
                with_vectors=False,
            )
            found.update(str(p.payload["doc_id"]) for p in points)
            if offset is None:
                return found

    def add_documents(self, docs: Iterable[Document]) -> int:
        """Index documents; a document whose id or source file is already indexed has its chunks replaced."""
        m = self._models
        batch = list({doc.id: doc for doc in docs}.values())  # the last version of a repeated id wins
        if not batch:
            return 0
        old = self._doc_filter(
            [d.id for d in batch], sorted({d.source_path for d in batch if d.source_path is not None})
        )
        self.client.delete(self.collection, points_selector=m.FilterSelector(filter=old), wait=True)

        by_id = {doc.id: doc for doc in batch}
        chunks = [chunk for doc in batch for chunk in chunk_document(doc)]
        for group in _batched(chunks, UPSERT_BATCH):
            texts = [c.indexed_text for c in group]
            dense = np.asarray(encode(self.embedder, texts), dtype=np.float32)
            points = []
            for chunk, text, vector in zip(group, texts, dense, strict=True):
                doc = by_id[chunk.doc_id]
                indices, values = sparse_document_vector(text)
                points.append(
                    m.PointStruct(
                        id=_point_id(chunk.doc_id, chunk.ordinal),
                        vector={DENSE: vector.tolist(), SPARSE: m.SparseVector(indices=indices, values=values)},
                        payload={
                            "doc_id": chunk.doc_id,
                            "ordinal": chunk.ordinal,
                            "title": chunk.title,
                            "text": chunk.text,
                            "url": doc.url,
                            "source_path": doc.source_path,
                        },
                    )
                )
            self.client.upsert(self.collection, points=points, wait=True)
        return len(chunks)

    def remove(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many of them were in the index."""
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return 0
        flt = self._doc_filter(ids)
        present = self._matching_doc_ids(flt)
        if present:
            self.client.delete(self.collection, points_selector=self._models.FilterSelector(filter=flt), wait=True)
        return len(present)

    # -- reading ---------------------------------------------------------------------------------------

    def search(self, query: str, k: int = 10) -> list[SearchHit]:
        """Hybrid search fused on the server (RRF of BM25 and dense legs); one hit per document."""
        m = self._models
        if k <= 0 or not query.strip():
            return []
        depth = max(k * PREFETCH_FACTOR, 50)
        dense = np.asarray(encode(self.embedder, [query]), dtype=np.float32)[0]
        prefetch = [m.Prefetch(query=dense.tolist(), using=DENSE, limit=depth)]
        indices, values = sparse_query_vector(query)
        if indices:
            prefetch.append(m.Prefetch(query=m.SparseVector(indices=indices, values=values), using=SPARSE, limit=depth))
        response = self.client.query_points(
            self.collection,
            prefetch=prefetch,
            query=m.FusionQuery(fusion=m.Fusion.RRF),
            limit=depth,
            with_payload=True,
        )
        points = response.points
        payloads = [point.payload or {} for point in points]
        return [
            SearchHit(
                title=str(payloads[i].get("title", "")),
                url=payloads[i].get("url"),
                doc_id=str(payloads[i].get("doc_id")),
                snippet=cut_snippet(str(payloads[i].get("text", "")), query),
                score=float(points[i].score),
                source="qdrant",
            )
            for i in one_per_document((str(p.get("doc_id")) for p in payloads), k)
        ]

    def stats(self) -> IndexStats:
        """Documents (counted by their first passage), passages, and the embedding model of the collection."""
        m = self._models
        chunks = self.client.count(self.collection, exact=True).count
        first = m.Filter(must=[m.FieldCondition(key="ordinal", match=m.MatchValue(value=0))])
        documents = self.client.count(self.collection, count_filter=first, exact=True).count
        return IndexStats(
            name=self.name, backend=self.backend, documents=documents, chunks=chunks, embed_model=self.embed_model
        )


def open_qdrant_index(url: str, embedder: Embedder) -> QdrantIndex:
    """Open (creating if needed) the collection named by an index URL, embedding with ``embedder``.

    Refuses a collection built with a different embedding model, so vectors are never mixed.
    """
    target = parse_qdrant_url(url)
    qdrant_client = require("qdrant_client", "qdrant")
    if target.mode == "memory":
        client = qdrant_client.QdrantClient(location=":memory:")
    elif target.mode == "local":
        assert target.path is not None
        os.makedirs(target.path, exist_ok=True)
        try:
            client = qdrant_client.QdrantClient(path=target.path)
        except RuntimeError as exc:  # the folder is locked by another client
            raise JanagentError(f"cannot open {target.path}: {exc}".splitlines()[0]) from exc
    else:
        client = qdrant_client.QdrantClient(
            host=target.host,
            port=target.port,
            https=target.https,
            api_key=os.environ.get(API_KEY_ENV) or None,
            # The version check is one more round trip and a warning on every open; errors surface anyway.
            check_compatibility=False,
        )
    try:
        return QdrantIndex(client, target.collection, embedder, name=url, server=target.mode == "server")
    except JanagentError:
        client.close()
        raise
    except Exception as exc:
        client.close()
        if target.mode == "server" and _is_connection_error(exc):
            scheme = "https" if target.https else "http"
            raise JanagentError(
                f"cannot reach Qdrant at {scheme}://{target.host}:{target.port} ({type(exc).__name__}) - "
                f"start it (docker run -p 6333:6333 qdrant/qdrant) or fix the index URL"
            ) from exc
        raise


def _is_connection_error(exc: BaseException) -> bool:
    """True for the ways qdrant-client reports an unreachable or refusing server."""
    from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

    return isinstance(exc, ResponseHandlingException | UnexpectedResponse | ConnectionError | OSError)
