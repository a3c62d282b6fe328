"""Read documents from files and folders: text, markdown, HTML, PDF, JSONL (also BEIR) and Wikipedia summaries.

Every loader yields :class:`Document` lazily so that a million-record JSONL file streams through the
index without being held in memory. Each document carries ``source_path`` (the resolved file), which is
how re-adding a changed file replaces all of its chunks.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote

from mcp_servers.errors import JanagentError
from mcp_servers.types import Document

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".pdf", ".jsonl", ".jsonl.gz", ".json", ".json.gz")

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def wikipedia_url(title: str, lang: str = "en") -> str:
    """The article URL for a Wikipedia title (spaces become underscores, as Wikipedia writes them)."""
    # Keep the characters Wikipedia leaves readable in its own links; encode only what breaks a URL.
    return f"https://{lang}.wikipedia.org/wiki/" + quote(title.replace(" ", "_"), safe="_()',:;!*@$&+=/-.~")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".jsonl.gz", ".json.gz"):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _open_text(path: Path) -> IO[str]:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def _read_plain(path: Path) -> Iterator[Document]:
    text = path.read_text(encoding="utf-8", errors="replace")
    title = path.stem
    if _suffix(path) in (".md", ".markdown"):
        match = _MD_HEADING.search(text)
        if match:
            title = match.group(1)
        # Heading markers are layout, not words: "## History" is indexed and shown as "History".
        text = _MD_HEADING.sub(r"\1", text)
    key = str(path)
    yield Document(id=key, title=title, text=text, source_path=key)


def _read_html(path: Path) -> Iterator[Document]:
    import trafilatura  # heavy: imported only when an HTML file is indexed

    html = path.read_text(encoding="utf-8", errors="replace")
    text = trafilatura.extract(html, output_format="txt", include_comments=False) or ""
    metadata = trafilatura.extract_metadata(html)
    title = (metadata.title if metadata is not None else None) or path.stem
    url = metadata.url if metadata is not None else None
    key = str(path)
    yield Document(id=key, title=title, text=text, url=url, source_path=key)


def _read_pdf(path: Path) -> Iterator[Document]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        text = "\n\n".join(page.extract_text() or "" for page in reader.pages)
        info_title = reader.metadata.title if reader.metadata is not None else None
    except (PdfReadError, OSError, ValueError) as exc:
        raise JanagentError(f"cannot read PDF {path}: {exc}") from exc
    key = str(path)
    yield Document(id=key, title=info_title or path.stem, text=text, source_path=key)


def _record_document(record: dict[str, Any], where: str, source: str) -> Document:
    doc_id = record.get("id", record.get("_id"))
    text = record.get("text", record.get("extract"))
    if doc_id is None or text is None:
        raise JanagentError(f"{where}: a record needs `id` (or `_id`) and `text`")
    title = str(record.get("title") or "")
    url = record.get("url")
    return Document(id=str(doc_id), title=title, text=str(text), url=str(url) if url else None, source_path=source)


def _read_jsonl(path: Path) -> Iterator[Document]:
    key = str(path)
    with _open_text(path) as handle:
        for line_no, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise JanagentError(f"{path}:{line_no}: not valid JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise JanagentError(f"{path}:{line_no}: expected a JSON object per line")
            yield _record_document(record, f"{path}:{line_no}", key)


def _summaries_documents(data: object, where: str, source: str | None) -> Iterator[Document]:
    """The Wikipedia-summaries shape ``{title: {title, extract}}``, or a list of ``{id, title, text}``."""
    if isinstance(data, list):
        for i, record in enumerate(data):
            if not isinstance(record, dict):
                raise JanagentError(f"{where}: item {i} is not a JSON object")
            yield _record_document(record, f"{where} item {i}", source or where)
        return
    if not isinstance(data, dict):
        raise JanagentError(f"{where}: expected an object of {{title: {{title, extract}}}} or a list of records")
    for key, entry in data.items():
        if not isinstance(entry, dict) or "extract" not in entry:
            raise JanagentError(f"{where}: entry {key!r} has no `extract` (expected the Wikipedia-summaries shape)")
        title = str(entry.get("title") or key)
        yield Document(
            id=title, title=title, text=str(entry["extract"]), url=wikipedia_url(title), source_path=source or where
        )


def _read_json(path: Path) -> Iterator[Document]:
    try:
        with _open_text(path) as handle:
            data = json.load(handle)
    except json.JSONDecodeError as exc:
        raise JanagentError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    yield from _summaries_documents(data, str(path), str(path))


_READERS = {
    ".txt": _read_plain,
    ".md": _read_plain,
    ".markdown": _read_plain,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".jsonl": _read_jsonl,
    ".jsonl.gz": _read_jsonl,
    ".json": _read_json,
    ".json.gz": _read_json,
}


def _files_under(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
        if path.is_file() and _suffix(path) in _READERS and not hidden:
            yield path


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The supported files named by ``paths`` (folders are walked, hidden entries skipped), resolved."""
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            yield from (p.resolve() for p in _files_under(path))
        elif path.is_file():
            if _suffix(path) not in _READERS:
                raise JanagentError(f"{path}: unsupported file type; use one of {', '.join(SUPPORTED_SUFFIXES)}")
            yield path.resolve()
        else:
            raise JanagentError(f"{path}: no such file or folder")


def load_file(path: Path) -> Iterator[Document]:
    """The documents of one supported file."""
    return _READERS[_suffix(path)](path)


def load_documents(paths: Iterable[str | Path]) -> Iterator[Document]:
    """Documents from files and folders of .txt/.md/.html/.pdf/.jsonl(.gz)/.json(.gz), lazily, in path order."""
    for path in iter_files(paths):
        yield from load_file(path)


DEMO_SOURCE = "janagent:demo/wiki_vital_summaries"


def demo_documents() -> Iterator[Document]:
    """The bundled corpus: English Wikipedia summaries of the 10,033 level-4 vital articles."""
    resource = resources.files("mcp_servers.data.wiki_vital_summaries").joinpath("summaries_en.json.gz")
    with resource.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    yield from _summaries_documents(data, "bundled demo corpus", DEMO_SOURCE)
