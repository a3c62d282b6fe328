"""The retrieval dev suite: five kinds of query over real data in ../shared/data, each as BEIR triples.

Every set is a ``DevSet`` (corpus, queries, qrels), the same shape as a BEIR dataset, so that any
retrieval benchmark (``bench search --suite dev``, an embedding evaluation) can run over all of them:

- ``msmarco``, ``dbpedia``: the BEIR subsets (web questions over passages; entity queries over abstracts);
- ``squad``: SQuAD v1.1 dev, a question -> the paragraph it was asked about, among all 2,067 paragraphs;
- ``hotpotqa``: HotpotQA dev (distractor, 500 questions) -> its two supporting paragraphs among the 4,858
  distinct paragraphs of all questions;
- ``known-item``: built here from Simple English Wikipedia (see ``known_item_set``);
- ``paraphrase``: a known-item set in other words: the first sentence of a Simple English Wikipedia article
  finds the English Wikipedia summary of the same title among all 10,033 (see ``paraphrase_set``). The other
  known-item set is nearly solved by BM25 (0.98 nDCG@10), so it can only show what vectors cost; here BM25
  misses half of the items, as a user who remembers the facts but not the words would see.

Queries are split in two by a hash of their id (``split_of``): fusion settings are tuned on the ``tune``
half and reported on the ``report`` half, so the reported figures are not the ones the tuning saw.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from eval.beir import Qrels, judged_queries, load_corpus, load_qrels, load_queries
from mcp_servers.errors import JanagentError
from mcp_servers.types import Document

Split = Literal["tune", "report", "all"]
DEV_SETS: tuple[str, ...] = ("msmarco", "dbpedia", "squad", "hotpotqa", "known-item", "paraphrase")
KNOWN_ITEM_DOCS = 5000
KNOWN_ITEM_SEED = 12


@dataclass
class DevSet:
    """One retrieval set in BEIR form: documents, query texts by id, and graded judgments by query id."""

    name: str
    corpus: list[Document]
    queries: dict[str, str]
    qrels: Qrels

    def limited(self, split: Split, limit: int | None, seed: int = 0) -> DevSet:
        """The judged queries of one split, at most ``limit`` of them (a seeded sample), same corpus."""
        judged = judged_queries(self.queries, self.qrels)
        ids = sorted(qid for qid in judged if split == "all" or split_of(qid) == split)
        if limit is not None and len(ids) > limit:
            ids = sorted(random.Random(seed).sample(ids, limit))
        return DevSet(self.name, self.corpus, {q: judged[q] for q in ids}, {q: self.qrels[q] for q in ids})


def split_of(query_id: str) -> Split:
    """``tune`` or ``report``, by a stable hash of the query id (about half each, the same on every run)."""
    return "tune" if hashlib.blake2b(query_id.encode(), digest_size=2).digest()[0] % 2 == 0 else "report"


def beir_set(name: str, folder: Path) -> DevSet:
    """A BEIR folder: corpus.jsonl, queries.jsonl and qrels/test.tsv."""
    return DevSet(
        name,
        list(load_corpus(folder / "corpus.jsonl")),
        load_queries(folder / "queries.jsonl"),
        load_qrels(folder / "qrels" / "test.tsv"),
    )


def squad_set(path: Path) -> DevSet:
    """SQuAD v1.1: each question's one relevant document is the paragraph it was asked about."""
    data = json.loads(path.read_text(encoding="utf-8"))
    corpus: list[Document] = []
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    for article in data["data"]:
        title = article["title"].replace("_", " ")
        for number, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{article['title']}#{number}"
            corpus.append(Document(id=doc_id, title=title, text=paragraph["context"]))
            for qa in paragraph["qas"]:
                queries[qa["id"]] = qa["question"]
                qrels[qa["id"]] = {doc_id: 1}
    return DevSet("squad", corpus, queries, qrels)


def hotpot_set(path: Path) -> DevSet:
    """HotpotQA (IRCoT's 500-question dev sample): the two supporting paragraphs of each question.

    The corpus is every question's paragraphs pooled, identical (title, text) pairs kept once.
    """
    ids: dict[tuple[str, str], str] = {}
    corpus: list[Document] = []
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            qid = record["question_id"]
            queries[qid] = record["question_text"]
            qrels[qid] = {}
            for context in record["contexts"]:
                key = (context["title"], context["paragraph_text"])
                if key not in ids:
                    ids[key] = f"p{len(ids)}"
                    corpus.append(Document(id=ids[key], title=key[0], text=key[1]))
                if context.get("is_supporting"):
                    qrels[qid][ids[key]] = 1
    return DevSet("hotpotqa", corpus, queries, qrels)


_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"\w+")


def known_item_set(path: Path, docs: int = KNOWN_ITEM_DOCS, seed: int = KNOWN_ITEM_SEED) -> DevSet:
    """A known-item set from Simple English Wikipedia (simplewiki.jsonl.gz), the same on every run.

    Corpus: a ``random.Random(seed)`` sample of ``docs`` articles among those whose text has at least three
    sentences, each cut to its first 1,500 characters. Query, one per article: a sentence of that text
    other than the first (chosen with the same generator), with the words of the title removed, at most
    twelve words; it is kept when six or more words remain. Its one relevant document is the article.
    """
    articles: list[tuple[str, str, list[str]]] = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            text = " ".join(_body_lines(record)).strip()[:1500]
            sentences = _sentences(text)
            if len(sentences) >= 3:
                articles.append((str(record["id"]), str(record["title"]), sentences))
    rng = random.Random(seed)
    chosen = rng.sample(articles, min(docs, len(articles)))
    corpus: list[Document] = []
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    for doc_id, title, sentences in chosen:
        corpus.append(Document(id=doc_id, title=title, text=" ".join(sentences)))
        words = _words_without_title(sentences[rng.randrange(1, len(sentences))], title)
        if len(words) >= 6:
            queries[f"k{doc_id}"] = " ".join(words)
            qrels[f"k{doc_id}"] = {doc_id: 1}
    return DevSet("known-item", corpus, queries, qrels)


def paraphrase_set(summaries_path: Path, simplewiki_path: Path) -> DevSet:
    """Known items in other words: Simple English Wikipedia's first sentence -> the English summary, same title.

    Corpus: every summary (summaries_en.json, ``{title: {title, extract}}``). Query, one per summary whose title
    has a Simple English Wikipedia article: that article's first sentence of six or more words (its leading
    title line dropped), without the words of the title, at most twelve words; kept when five or more remain.
    Its one relevant document is the summary. Both texts describe the same thing, written apart.
    """
    summaries = json.loads(summaries_path.read_text(encoding="utf-8"))
    corpus: list[Document] = []
    ids: dict[str, str] = {}  # title -> document id (the first summary of a title, should two share one)
    for number, (_, entry) in enumerate(sorted(summaries.items())):
        corpus.append(Document(id=f"s{number}", title=entry["title"], text=entry["extract"]))
        ids.setdefault(entry["title"], f"s{number}")
    queries: dict[str, str] = {}
    qrels: Qrels = {}
    with gzip.open(simplewiki_path, "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            title = str(record["title"])
            if title not in ids:
                continue
            sentences = _sentences(" ".join(_body_lines(record)))
            if not sentences:
                continue
            words = _words_without_title(sentences[0], title)
            if len(words) >= 5:
                queries[f"p{ids[title]}"] = " ".join(words)
                qrels[f"p{ids[title]}"] = {ids[title]: 1}
    return DevSet("paraphrase", corpus, queries, qrels)


def _sentences(text: str) -> list[str]:
    """The sentences of ``text`` with six or more words (the only ones a known-item query is cut from)."""
    return [s for s in _SENTENCE.split(text) if len(s.split()) >= 6]


def _words_without_title(sentence: str, title: str) -> list[str]:
    """A known-item query's words: the sentence's, without the title's, at most twelve."""
    title_words = {w.lower() for w in _WORD.findall(title)}
    return [w for w in _WORD.findall(sentence) if w.lower() not in title_words][:12]


def _body_lines(record: dict[str, str]) -> list[str]:
    """A Simple English Wikipedia record's text lines, without the leading title line some records carry."""
    lines = record["text"].split("\n")
    return lines[1:] if lines and lines[0] == record["title"] else lines


def load_dev_set(name: str, data_dir: Path) -> DevSet:
    """One dev set by name, from its folder under ``data_dir`` (../shared/data)."""
    if name == "msmarco":
        return beir_set(name, data_dir / "beir-msmarco-subset")
    if name == "dbpedia":
        return beir_set(name, data_dir / "beir-dbpedia-subset")
    if name == "squad":
        return squad_set(data_dir / "squad-v1.1-dev" / "dev-v1.1.json")
    if name == "hotpotqa":
        return hotpot_set(data_dir / "hotpotqa-dev-distractor-500" / "dev_subsampled.jsonl")
    if name == "known-item":
        return known_item_set(data_dir / "simplewiki-2021" / "simplewiki.jsonl.gz")
    if name == "paraphrase":
        return paraphrase_set(
            data_dir / "wiki-vital-summaries" / "summaries_en.json",
            data_dir / "simplewiki-2021" / "simplewiki.jsonl.gz",
        )
    raise JanagentError(f"unknown dev set {name!r}: use one of {', '.join(DEV_SETS)}")


def dev_sets(
    data_dir: Path, names: Sequence[str] = DEV_SETS, *, split: Split = "report", limit: int | None = None
) -> Iterator[DevSet]:
    """The named dev sets, one at a time, each limited to one split and at most ``limit`` queries."""
    for name in names:
        try:
            full = load_dev_set(name, data_dir)
        except FileNotFoundError as exc:
            raise JanagentError(f"dev set {name}: {exc.filename} is missing (the suite reads {data_dir})") from exc
        yield full.limited(split, limit)
