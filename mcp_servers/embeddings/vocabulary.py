"""Words from a user's corpus, to distill a static model whose vocabulary fits that corpus."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from mcp_servers.errors import JanagentError

# Letters only: numbers and punctuation are covered well by the teacher's subword vocabulary already.
_WORD = re.compile(r"[^\W\d_]{2,}")


def _texts(path: Path) -> Iterator[str]:
    """Texts of a corpus file: JSONL records (``title``/``text``, BEIR's too) or lines of plain text."""
    with path.open(encoding="utf-8") as handle:
        if path.suffix == ".jsonl":
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise JanagentError(f"{path}:{line_no} is not valid JSON ({exc.msg})") from exc
                if isinstance(record, dict):
                    yield " ".join(str(record.get(key) or "") for key in ("title", "text", "contents"))
        else:
            yield from handle


def corpus_vocabulary(path: Path, max_words: int = 50_000, min_count: int = 2) -> list[str]:
    """The ``max_words`` most frequent words (seen at least ``min_count`` times) of a .jsonl/.txt/.md corpus.

    Words keep their case as written; an uncased teacher's normalizer folds them, and duplicates of
    the teacher's own tokens are dropped by Model2Vec.
    """
    if not path.is_file():
        raise JanagentError(f"vocabulary corpus {path} does not exist - pass a .jsonl or .txt file")
    if path.suffix not in {".jsonl", ".txt", ".md"}:
        raise JanagentError(f"vocabulary corpus {path} must be .jsonl (title/text records) or .txt/.md")
    counts: Counter[str] = Counter()
    for text in _texts(path):
        counts.update(_WORD.findall(text))
    words = [word for word, count in counts.most_common(max_words) if count >= min_count]
    if not words:
        raise JanagentError(f"vocabulary corpus {path} has no word seen {min_count} times or more")
    return words
