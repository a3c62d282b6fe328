"""The SimpleQA question sets: reading both CSV formats, simple-evals sampling, and the cached download.

Two formats exist:
- SimpleQA (OpenAI simple-evals): columns ``metadata`` (a Python-literal dict with topic, answer_type,
  urls), ``problem``, ``answer``.
- SimpleQA Verified (Google DeepMind, Kaggle ``deepmind/simpleqa-verified``): columns ``original_index``,
  ``problem``, ``answer``, ``topic``, ``answer_type``, ``multi_step``, ``requires_reasoning``, ``urls``
  (comma-separated). It has its own grader template (see ``grader_template``).
- Plain question files: columns ``question`` (or ``problem``) and ``answer``, any others kept as extras; graded
  with SimpleQA's template. Sets of answerable questions are often shared this way.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import random
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from mcp_servers.errors import JanagentError

if TYPE_CHECKING:
    import httpx

SIMPLEQA_URL = "https://openaipublic.blob.core.windows.net/simple-evals/simple_qa_test_set.csv"
# md5 of the published file (../shared/data/simpleqa/SOURCE.md); a download that differs is rejected.
SIMPLEQA_MD5 = "04aa7cb1e724076a1cb6e79d3dc36a92"

SIMPLEQA_COLUMNS = {"metadata", "problem", "answer"}
VERIFIED_COLUMNS = {"original_index", "problem", "answer", "topic", "answer_type"}
PLAIN_QUESTION_COLUMNS = {"question", "problem"}


class DatasetFormat(StrEnum):
    SIMPLEQA = "simpleqa"
    VERIFIED = "verified"
    PLAIN = "plain"


@dataclass(frozen=True)
class Question:
    """One benchmark question. ``index`` is its 0-based row in the CSV: the stable id that resume relies on."""

    index: int
    problem: str
    answer: str
    topic: str = "Unknown"
    answer_type: str = "Unknown"
    urls: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Dataset:
    """All questions of one CSV, with what identifies the file."""

    path: Path
    format: DatasetFormat
    sha256: str
    questions: list[Question]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_format(columns: set[str]) -> DatasetFormat:
    """Tell the two CSV formats apart by their columns."""
    if columns >= SIMPLEQA_COLUMNS:
        return DatasetFormat.SIMPLEQA
    if columns >= VERIFIED_COLUMNS:
        return DatasetFormat.VERIFIED
    if "answer" in columns and columns & PLAIN_QUESTION_COLUMNS:
        return DatasetFormat.PLAIN
    raise JanagentError(
        f"unrecognised SimpleQA CSV columns {sorted(columns)}: expected {sorted(SIMPLEQA_COLUMNS)} (SimpleQA), "
        f"{sorted(VERIFIED_COLUMNS)} (SimpleQA Verified) or question and answer"
    )


def _literal_eval(text: str) -> object:
    """ast.literal_eval, retried on CPython 3.11's spurious "AST constructor recursion depth mismatch".

    Before 3.11.8 (gh-106905) the AST builder kept its recursion counter in interpreter-wide state, so an
    ast.parse running in another thread at the same moment (an import, a worker) corrupts the count; the
    parse itself is fine and a retry succeeds.
    """
    for _ in range(4):
        try:
            return ast.literal_eval(text)
        except SystemError:
            continue
    return ast.literal_eval(text)


def _parse_simpleqa_row(index: int, row: dict[str, str]) -> Question:
    try:
        metadata = _literal_eval(row["metadata"]) if row.get("metadata") else {}
    except (ValueError, SyntaxError) as exc:
        raise JanagentError(f"row {index}: metadata is not a Python-literal dict ({exc})") from exc
    if not isinstance(metadata, dict):
        raise JanagentError(f"row {index}: metadata is not a dict")
    urls = metadata.get("urls") or []
    return Question(
        index=index,
        problem=row["problem"],
        answer=row["answer"],
        topic=str(metadata.get("topic") or "Unknown"),
        answer_type=str(metadata.get("answer_type") or "Unknown"),
        urls=tuple(str(url) for url in urls),
    )


def _parse_verified_row(index: int, row: dict[str, str]) -> Question:
    urls = tuple(url.strip() for url in (row.get("urls") or "").split(",") if url.strip())
    extra: dict[str, str] = {k: row[k] for k in ("original_index", "multi_step", "requires_reasoning") if k in row}
    return Question(
        index=index,
        problem=row["problem"],
        answer=row["answer"],
        topic=row.get("topic") or "Unknown",
        answer_type=row.get("answer_type") or "Unknown",
        urls=urls,
        extra=extra,
    )


def _parse_plain_row(index: int, row: dict[str, str]) -> Question:
    problem = (row.get("question") or row.get("problem") or "").strip()
    answer = (row.get("answer") or "").strip()
    if not problem or not answer:
        raise JanagentError(f"row {index}: {'the question' if not problem else 'the answer'} is empty")
    extra = {k: v for k, v in row.items() if k and k not in {"question", "problem", "answer"} and v}
    return Question(index=index, problem=problem, answer=answer, topic=row.get("topic") or "Unknown", extra=extra)


def load_dataset(path: Path, fmt: DatasetFormat | None = None) -> Dataset:
    """Read every question of a SimpleQA or SimpleQA Verified CSV, in file order (the order simple-evals
    gets from ``pandas.read_csv`` records, which is what makes seeded sampling reproduce it)."""
    if not path.is_file():
        raise JanagentError(f"dataset not found: {path} (pass --dataset PATH to a SimpleQA CSV)")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:  # a BOM is no part of a header
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or [])
            detected = detect_format(columns)
            if fmt is not None and fmt != detected:
                raise JanagentError(f"{path} is in the {detected} format, not {fmt} (drop --format or fix it)")
            parse = {
                DatasetFormat.SIMPLEQA: _parse_simpleqa_row,
                DatasetFormat.VERIFIED: _parse_verified_row,
                DatasetFormat.PLAIN: _parse_plain_row,
            }[detected]
            questions = [parse(index, row) for index, row in enumerate(reader)]
    except UnicodeDecodeError as exc:
        raise JanagentError(f"{path} is not a UTF-8 CSV ({exc.reason})") from exc
    except KeyError as exc:
        raise JanagentError(f"{path}: a row lacks the column {exc}") from exc
    if not questions:
        raise JanagentError(f"{path} holds no questions")
    return Dataset(path=path, format=detected, sha256=file_sha256(path), questions=questions)


def select_questions(
    questions: list[Question],
    *,
    limit: int | None,
    seed: int = 0,
    topics: list[str] | None = None,
    fmt: DatasetFormat = DatasetFormat.SIMPLEQA,
) -> list[Question]:
    """Filter by topic, then sample exactly as simple-evals does: ``random.Random(seed).sample(rows, limit)``.

    ``random.sample`` only looks at the population's length, so sampling our parsed rows picks the same rows
    in the same order as simple-evals sampling its pandas records. SimpleQA Verified's own script samples
    indices with the same call and then sorts them; we keep that order for that format.
    """
    pool = questions
    if topics:
        wanted = {topic.casefold() for topic in topics}
        pool = [q for q in questions if q.topic.casefold() in wanted]
        if not pool:
            known = sorted({q.topic for q in questions})
            raise JanagentError(f"no question has topic {', '.join(topics)}; topics are: {', '.join(known)}")
    if limit is None or limit >= len(pool):
        return list(pool)
    if limit < 1:
        raise JanagentError("--limit must be at least 1")
    sampled = random.Random(seed).sample(pool, limit)
    if fmt is DatasetFormat.VERIFIED:
        sampled.sort(key=lambda q: q.index)
    return sampled


def cached_dataset_path(cache_root: Path, url: str = SIMPLEQA_URL) -> Path:
    """Where the downloaded CSV lives under the cache folder."""
    return cache_root / "simpleqa" / url.rsplit("/", 1)[-1]


def download_dataset(
    cache_root: Path,
    url: str = SIMPLEQA_URL,
    *,
    timeout_s: float = 60.0,
    client: httpx.Client | None = None,
    expected_md5: str | None = SIMPLEQA_MD5,
) -> Path:
    """Return the cached CSV, downloading it once (atomically, checksum-verified) if it is not cached yet.

    Only runs when no ``--dataset`` is given (never at import or construction, unlike simple-evals).
    """
    import httpx

    target = cached_dataset_path(cache_root, url)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    owned = client is None
    http = client if client is not None else httpx.Client(timeout=timeout_s, follow_redirects=True)
    try:
        with http.stream("GET", url) as response:
            response.raise_for_status()
            digest = hashlib.md5()
            with partial.open("wb") as handle:
                for chunk in response.iter_bytes():
                    digest.update(chunk)
                    handle.write(chunk)
    except httpx.HTTPError as exc:
        partial.unlink(missing_ok=True)
        raise JanagentError(f"could not download {url} ({exc}); pass --dataset PATH to a local copy") from exc
    finally:
        if owned:
            http.close()
    if expected_md5 is not None and digest.hexdigest() != expected_md5:
        partial.unlink(missing_ok=True)
        raise JanagentError(f"{url} changed (md5 {digest.hexdigest()}, expected {expected_md5}); pass --dataset PATH")
    partial.replace(target)
    return target
