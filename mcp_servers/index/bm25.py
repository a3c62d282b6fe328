"""The BM25 leg: bm25s builds the index (Lucene BM25); queries are scored straight from its sparse matrix.

bm25s precomputes every (document, term) BM25 weight into a CSC matrix. Its own query path sums a
term's postings with ``np.add.at``, which is slow; here a query gathers the postings of its terms and
sums them with ``np.bincount`` over only the documents that contain a query term, which keeps a query
over a million passages in the low milliseconds. The weights themselves are bm25s's.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

K1 = 1.2
B = 0.75
_TOKEN_PATTERN = r"(?u)\b\w\w+\b"


def _stemmer() -> Callable[[str], str] | None:
    """An English Snowball stemmer when PyStemmer is installed; BM25 works (slightly worse) without."""
    try:
        import Stemmer
    except ImportError:
        return None
    stem: Callable[[str], str] = Stemmer.Stemmer("english").stemWord
    return stem


def make_tokenizer(stemmed: bool) -> Any:
    """A bm25s tokenizer: lowercase words of two or more characters, English stopwords removed."""
    from bm25s.tokenization import Tokenizer

    return Tokenizer(lower=True, splitter=_TOKEN_PATTERN, stopwords="en", stemmer=_stemmer() if stemmed else None)


def stemming_available() -> bool:
    return _stemmer() is not None


@dataclass(frozen=True)
class Bm25Settings:
    """How an index's BM25 leg is built; recorded in the generation's metadata, since queries must be
    tokenized the way the chunks were (an index without the record was built unstemmed, at K1 and B)."""

    stemmed: bool
    k1: float = K1
    b: float = B

    @classmethod
    def default(cls) -> Bm25Settings:
        """English stemming (when PyStemmer is installed) at the default k1 and b."""
        return cls(stemmed=stemming_available())

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Bm25Settings:
        """The settings a generation was built with (old generations: unstemmed, K1, B)."""
        return cls(
            stemmed=bool(meta.get("stemmed", False)), k1=float(meta.get("bm25_k1", K1)), b=float(meta.get("bm25_b", B))
        )


class Bm25Builder:
    """Tokenizes chunks as they arrive (so that tokenizing overlaps embedding) and saves a bm25s index."""

    def __init__(self, *, stemmed: bool, k1: float = K1, b: float = B) -> None:
        self._tokenizer = make_tokenizer(stemmed)
        self._ids: list[list[int]] = []
        self.k1, self.b = k1, b

    def add(self, texts: Iterable[str]) -> None:
        """Tokenize the indexed texts of the next chunks, in chunk order."""
        self._ids.extend(self._tokenizer.streaming_tokenize(texts, update_vocab=True, allow_empty=True))

    def __len__(self) -> int:
        return len(self._ids)

    def save(self, out_dir: Path) -> None:
        """Compute the BM25 weights of every chunk added so far and save them into ``out_dir``."""
        import bm25s
        from bm25s.tokenization import Tokenized

        model = bm25s.BM25(k1=self.k1, b=self.b, method="lucene")
        # bm25s logs at INFO about empty corpora and the like; the index reports its own progress.
        logging.getLogger("bm25s").setLevel(logging.WARNING)
        model.index(Tokenized(ids=self._ids, vocab=self._tokenizer.get_vocab_dict()), show_progress=False)
        model.save(str(out_dir), show_progress=False)
        self._ids = []


def build_bm25(texts: Iterable[str], out_dir: Path, *, stemmed: bool, k1: float = K1, b: float = B) -> None:
    """Tokenize ``texts`` (one per chunk, in chunk order) and save a bm25s index into ``out_dir``."""
    builder = Bm25Builder(stemmed=stemmed, k1=k1, b=b)
    builder.add(texts)
    builder.save(out_dir)


class Bm25Leg:
    """A saved bm25s index, memory-mapped, with a fast scorer for one query at a time."""

    def __init__(self, index_dir: Path, *, stemmed: bool) -> None:
        import bm25s

        model = bm25s.BM25.load(str(index_dir), mmap=True, show_progress=False)
        self._vocab: dict[str, int] = model.vocab_dict
        self._data: np.ndarray = model.scores["data"]
        self._indices: np.ndarray = model.scores["indices"]
        self._indptr: np.ndarray = model.scores["indptr"]
        self.num_docs = int(model.scores["num_docs"])
        self._tokenizer = make_tokenizer(stemmed)
        self._stopwords = frozenset(self._tokenizer.stopwords or ())

    def query_terms(self, query: str) -> list[int]:
        """Vocabulary ids of the query's terms (unknown terms and stopwords dropped, repeats kept)."""
        tok = self._tokenizer
        terms: list[int] = []
        for word in tok.splitter(query.lower()):
            if word in self._stopwords:
                continue
            key = tok.stemmer(word) if tok.stemmer is not None else word
            term = self._vocab.get(key)
            if term is not None and key:
                terms.append(term)
        return terms

    def candidate_scores(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Every chunk that contains a query term, with its BM25 score (unordered)."""
        terms = self.query_terms(query)
        if not terms:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        spans = [(int(self._indptr[t]), int(self._indptr[t + 1])) for t in terms]
        postings = sum(end - start for start, end in spans)
        docs = np.concatenate([self._indices[s:e] for s, e in spans])
        weights = np.concatenate([self._data[s:e] for s, e in spans])
        if postings * 8 < self.num_docs:
            # Few postings: sum per distinct document instead of over an array the size of the corpus.
            unique, inverse = np.unique(docs, return_inverse=True)
            return unique.astype(np.int64), np.bincount(inverse, weights=weights).astype(np.float32)
        dense = np.bincount(docs, weights=weights, minlength=self.num_docs)
        nonzero = np.flatnonzero(dense)
        return nonzero, dense[nonzero].astype(np.float32)

    def top(self, query: str, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``depth`` best chunks for ``query``, best first: (chunk indices, scores)."""
        ids, scores = self.candidate_scores(query)
        return top_k(ids, scores, depth)


def top_k(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` highest-scoring (id, score) pairs, best first; ties broken by smaller id for determinism."""
    if len(ids) > k:
        keep = np.argpartition(-scores, k - 1)[:k]
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order]
