"""Extraction benchmark for the fetch tool: our extraction vs mcp-server-fetch's vs plain trafilatura.

Two data sets, both saved pages with hand-checked main text:
- the scrapinghub article-extraction benchmark (news and blog articles): word-4-gram shingle F1 computed as its
  evaluate.py does (per-page TP/FP/FN normalised to sum to 1; precision and recall averaged over pages; F1 their
  harmonic mean);
- WCXB (seven page types): word-level F1 (bag of lowercase words, per page, averaged), per page type, plus the
  share of its "with" snippets found and "without" (boilerplate) snippets wrongly kept.
Speed is milliseconds of extraction per page (median and p95), parse included.

mcp-server-fetch pins mcp 1.x, so it runs in its own interpreter (``peer_python``) through a subprocess.
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PEER_NAME = "mcp-server-fetch"
PEER_SETUP = (
    "python3 -m venv /work/venvs/peer-fetch && /work/venvs/peer-fetch/bin/pip install mcp-server-fetch, "
    "then pass --peer-python /work/venvs/peer-fetch/bin/python"
)
_SHINGLE_TOKEN = re.compile(r"\w+", re.UNICODE)
_SPACES = re.compile(r"\s+")

# Runs inside the peer's interpreter: reads JSON lines {"id", "path"} on stdin, writes {"id", "text", "ms"}.
# The page is decoded as UTF-8 (with replacement), as its httpx response.text would for a page without charset.
PEER_SCRIPT = r"""
import gzip, json, sys, time
from mcp_server_fetch.server import extract_content_from_html
for line in sys.stdin:
    item = json.loads(line)
    html = gzip.open(item["path"]).read().decode("utf-8", "replace")
    t0 = time.perf_counter()
    try:
        text, error = extract_content_from_html(html), None
    except Exception as exc:
        text, error = "", f"{type(exc).__name__}: {exc}"
    ms = (time.perf_counter() - t0) * 1000
    print(json.dumps({"id": item["id"], "text": text, "ms": ms, "error": error}), flush=True)
"""


@dataclass(frozen=True)
class BenchPage:
    """One saved page and its ground truth."""

    id: str
    path: Path  # gzipped HTML
    url: str | None
    truth: str
    page_type: str = "article"
    with_snippets: tuple[str, ...] = ()
    without_snippets: tuple[str, ...] = ()


@dataclass(frozen=True)
class Extraction:
    text: str
    ms: float  # wall-clock
    error: str | None = None
    # CPU time of the extracting thread: on a shared, loaded machine it tracks the work better than wall time.
    cpu_ms: float | None = None


# ---------- metrics ----------


def shingle_counts(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Word n-gram shingles of a text (\\w+ words, case kept), as the article-extraction benchmark counts them."""
    tokens = _SHINGLE_TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_tp_fp_fn(truth: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """TP, FP, FN over word-n-gram shingles, normalised to sum to 1 so that long pages weigh no more."""
    true_c, pred_c = shingle_counts(truth, n), shingle_counts(pred, n)
    tp = fp = fn = 0.0
    for key in true_c.keys() | pred_c.keys():
        t, p = true_c.get(key, 0), pred_c.get(key, 0)
        tp += min(t, p)
        fp += max(0, p - t)
        fn += max(0, t - p)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total > 0 else (tp, fp, fn)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


def shingle_metrics(tp_fp_fns: list[tuple[float, float, float]]) -> dict[str, float]:
    """Precision and recall averaged over pages (pages where they are undefined skipped), F1 their harmonic mean."""
    precisions = [_precision(*x) for x in tp_fp_fns if x[0] + x[1] > 0]
    recalls = [_recall(*x) for x in tp_fp_fns if x[0] + x[2] > 0]
    precision = statistics.mean(precisions) if precisions else 0.0
    recall = statistics.mean(recalls) if recalls else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return {"f1": f1, "precision": precision, "recall": recall}


def word_prf(truth: str, pred: str) -> tuple[float, float, float]:
    """Word-level precision, recall and F1 of one page: bags of lowercase \\w+ words, overlap counted with multiplicity."""
    true_c = Counter(_SHINGLE_TOKEN.findall(truth.lower()))
    pred_c = Counter(_SHINGLE_TOKEN.findall(pred.lower()))
    overlap = sum((true_c & pred_c).values())
    if not true_c and not pred_c:
        return 1.0, 1.0, 1.0
    precision = overlap / sum(pred_c.values()) if pred_c else 0.0
    recall = overlap / sum(true_c.values()) if true_c else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return precision, recall, f1


def _normalise(text: str) -> str:
    return _SPACES.sub(" ", text).strip().lower()


def snippet_rate(snippets: Iterable[str], text: str) -> tuple[int, int]:
    """(found, total): how many snippets appear in the text, comparing with spaces collapsed and lowercase."""
    haystack = _normalise(text)
    items = [_normalise(s) for s in snippets if s and s.strip()]
    return sum(1 for s in items if s in haystack), len(items)


def timing(ms: list[float], prefix: str = "ms") -> dict[str, float]:
    """Median and 95th percentile of per-page milliseconds."""
    if not ms:
        return {}
    ordered = sorted(ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {f"{prefix}_median": round(statistics.median(ordered), 2), f"{prefix}_p95": round(p95, 2)}


def _timings(pages: list[BenchPage], results: dict[str, Extraction]) -> dict[str, float]:
    found = [results[p.id] for p in pages if p.id in results]
    out = timing([r.ms for r in found])
    out.update(timing([r.cpu_ms for r in found if r.cpu_ms is not None], "cpu_ms"))
    return out


# ---------- data ----------


def load_article_pages(directory: Path, limit: int | None = None) -> list[BenchPage]:
    """The article-extraction pages: html/<id>.html.gz and ground-truth.json {id: {articleBody, url}}."""
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [
        BenchPage(id=pid, path=directory / "html" / f"{pid}.html.gz", url=item.get("url"), truth=item["articleBody"])
        for pid, item in sorted(truth.items())
        if (directory / "html" / f"{pid}.html.gz").is_file()
    ]
    return pages[:limit] if limit else pages


def load_wcxb_pages(directory: Path, limit: int | None = None) -> tuple[list[BenchPage], int]:
    """WCXB test pages with non-empty main content, and how many were skipped for having none."""
    meta = json.loads((directory / "metadata.json").read_text(encoding="utf-8")).get("files", {})
    pages: list[BenchPage] = []
    skipped = 0
    for gt_path in sorted((directory / "test" / "ground-truth").glob("*.json")):
        record = json.loads(gt_path.read_text(encoding="utf-8"))
        gt = record.get("ground_truth") or {}
        main = gt.get("main_content")
        html_path = directory / "test" / "html" / f"{gt_path.stem}.html.gz"
        if not main or not main.strip() or not html_path.is_file():
            skipped += 1
            continue
        pages.append(
            BenchPage(
                id=gt_path.stem,
                path=html_path,
                url=record.get("url"),
                truth=main,
                page_type=meta.get(gt_path.stem, {}).get("page_type", "unknown"),
                with_snippets=tuple(gt.get("with") or ()),
                without_snippets=tuple(gt.get("without") or ()),
            )
        )
    return (pages[:limit] if limit else pages), skipped


# ---------- extractors ----------


def _timed(fn: Callable[[bytes, BenchPage], str], pages: list[BenchPage]) -> dict[str, Extraction]:
    out: dict[str, Extraction] = {}
    for page in pages:
        with gzip.open(page.path) as fh:
            html = fh.read()
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            text, error = fn(html, page), None
        except Exception as exc:  # a benchmark records a crash as an empty extraction, and goes on
            text, error = "", f"{type(exc).__name__}: {exc}"
        wall, cpu = (time.perf_counter() - t0) * 1000, (time.thread_time() - c0) * 1000
        out[page.id] = Extraction(text, wall, error, cpu)
    return out


def run_ours(pages: list[BenchPage]) -> dict[str, Extraction]:
    """janagent's extraction exactly as the fetch tool runs it (markdown, bytes in, as served without a charset)."""
    from mcp_servers.fetch.extract import extract_html

    return _timed(lambda html, page: extract_html(html, url=page.url, fmt="markdown").text, pages)


def run_trafilatura(pages: list[BenchPage]) -> dict[str, Extraction]:
    """Plain ``trafilatura.extract`` with its defaults, the reference."""
    import trafilatura

    return _timed(lambda html, page: trafilatura.extract(html, url=page.url) or "", pages)


def run_peer(pages: list[BenchPage], peer_python: Path, timeout_s: float = 1800) -> dict[str, Extraction]:
    """mcp-server-fetch's ``extract_content_from_html`` in its own interpreter, one subprocess for all pages."""
    request = "".join(json.dumps({"id": p.id, "path": str(p.path)}) + "\n" for p in pages)
    proc = subprocess.run(
        [str(peer_python), "-c", PEER_SCRIPT],
        input=request,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    out: dict[str, Extraction] = {}
    for line in proc.stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue  # a stray print from a dependency
        text = item["text"] or ""
        if text.startswith("<error>"):
            text = ""  # its "page failed to be simplified" marker is no extracted text
        out[item["id"]] = Extraction(text, float(item["ms"]), item.get("error"))
    if not out and proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{PEER_NAME} failed in {peer_python}: {tail[0]}")
    return out


# ---------- scoring ----------


def score_articles(pages: list[BenchPage], results: dict[str, Extraction]) -> dict[str, Any]:
    """Shingle F1 (the article-extraction benchmark's metric) and timing of one extractor."""
    tp_fp_fns = [shingle_tp_fp_fn(p.truth, results[p.id].text if p.id in results else "") for p in pages]
    metrics = {k: round(v, 4) for k, v in shingle_metrics(tp_fp_fns).items()}
    metrics.update(_timings(pages, results))
    metrics["empty"] = sum(1 for p in pages if not (results.get(p.id) and results[p.id].text.strip()))
    metrics["errors"] = sum(1 for p in pages if results.get(p.id) and results[p.id].error)
    return metrics


def score_wcxb(pages: list[BenchPage], results: dict[str, Extraction]) -> dict[str, Any]:
    """Word-level F1 (mean over pages) overall and per page type, snippet checks, and timing of one extractor."""
    per_type: dict[str, list[float]] = {}
    prfs = []
    with_found = with_total = without_found = without_total = 0
    for page in pages:
        text = results[page.id].text if page.id in results else ""
        prf = word_prf(page.truth, text)
        prfs.append(prf)
        per_type.setdefault(page.page_type, []).append(prf[2])
        found, total = snippet_rate(page.with_snippets, text)
        with_found, with_total = with_found + found, with_total + total
        found, total = snippet_rate(page.without_snippets, text)
        without_found, without_total = without_found + found, without_total + total
    metrics: dict[str, Any] = {
        "word_f1": round(statistics.mean(x[2] for x in prfs), 4) if prfs else 0.0,
        "precision": round(statistics.mean(x[0] for x in prfs), 4) if prfs else 0.0,
        "recall": round(statistics.mean(x[1] for x in prfs), 4) if prfs else 0.0,
        "with_snippets_found": round(with_found / with_total, 4) if with_total else None,
        "without_snippets_kept": round(without_found / without_total, 4) if without_total else None,
    }
    metrics.update(_timings(pages, results))
    metrics["by_page_type"] = {
        kind: {"pages": len(f1s), "word_f1": round(statistics.mean(f1s), 4)} for kind, f1s in sorted(per_type.items())
    }
    return metrics


def run_benchmark(
    *,
    article_dir: Path | None,
    wcxb_dir: Path | None,
    peer_python: Path | None,
    limit: int | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> dict[str, Any]:
    """Run every extractor on every data set given; returns the report (JSON-ready)."""
    extractors: dict[str, Callable[[list[BenchPage]], dict[str, Extraction]]] = {
        "janagent": run_ours,
        "trafilatura": run_trafilatura,
    }
    report: dict[str, Any] = {}
    if peer_python is not None and peer_python.is_file():
        extractors[PEER_NAME] = lambda pages: run_peer(pages, peer_python)
    else:
        report["peer"] = f"{PEER_NAME} not measured: to add it, {PEER_SETUP}"
    if article_dir is not None:
        pages = load_article_pages(article_dir, limit)
        section: dict[str, Any] = {"pages": len(pages), "metric": "word-4-gram shingle F1", "extractors": {}}
        for name, run in extractors.items():
            progress(f"article-extraction: {name} on {len(pages)} pages")
            section["extractors"][name] = score_articles(pages, run(pages))
        report["article_extraction"] = section
    if wcxb_dir is not None:
        pages, skipped = load_wcxb_pages(wcxb_dir, limit)
        section = {
            "pages": len(pages),
            "skipped_without_main_content": skipped,
            "metric": "word-level F1 (mean over pages)",
            "extractors": {},
        }
        for name, run in extractors.items():
            progress(f"wcxb: {name} on {len(pages)} pages")
            section["extractors"][name] = score_wcxb(pages, run(pages))
        report["wcxb"] = section
    return report
