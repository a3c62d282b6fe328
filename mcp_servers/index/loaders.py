"""Read documents from files and folders: text, markdown, HTML, PDF, JSONL (also BEIR) and Wikipedia summaries.

Every loader yields :class:`Document` lazily so that a million-record JSONL file streams through the
index without being held in memory, and a big text is cut into parts (``text_parts``) so one huge file
streams too. Each document carries ``source_path`` (the resolved file), which is how re-adding a changed
file replaces all of its chunks. Binary files named like text and empty files are skipped, and said so
(``file_checks.LoadReport``); text that is not UTF-8 where UTF-8 is required, and gzip files that are not
gzip, are one-line errors naming the file and line.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mcp_servers.errors import JanagentError
from mcp_servers.index.file_checks import LoadReport, sniff
from mcp_servers.index.text_parts import PART_CHARS, part_id, read_parts, split_document
from mcp_servers.types import Document

TEXT_SUFFIXES = (".txt", ".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, *HTML_SUFFIXES, ".pdf", ".jsonl", ".jsonl.gz", ".json", ".json.gz")

_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
# The longest JSONL line read: one record must fit in memory, a line that never ends must not be read whole.
MAX_LINE_BYTES = 64 * 1024 * 1024
_TEXT_READERS_SNIFFED = (*TEXT_SUFFIXES, *HTML_SUFFIXES)
# Files of records: a record with empty text is the user's data, kept as it is.
_RECORD_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")


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


def _read_plain(path: Path, part_chars: int = PART_CHARS) -> Iterator[Document]:
    # Read a part at a time: a 55 MB file with no line break never sits in memory whole.
    key = str(path)
    markdown = _suffix(path) in (".md", ".markdown")
    title = path.stem
    with path.open(encoding="utf-8", errors="replace") as handle:
        for ordinal, text in enumerate(read_parts(handle, part_chars)):
            if markdown:
                match = _MD_HEADING.search(text) if ordinal == 0 else None
                if match:
                    title = match.group(1)
                # Heading markers are layout, not words: "## History" is indexed and shown as "History".
                text = _MD_HEADING.sub(r"\1", text)
            if text.strip():
                yield Document(id=part_id(key, ordinal), title=title, text=text, source_path=key)


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


def _gzip_problem(exc: BaseException) -> str:
    if isinstance(exc, gzip.BadGzipFile):
        return f"not a gzip file ({exc}); name it without .gz if it is not compressed"
    if isinstance(exc, EOFError):
        return "the gzip data ends early (the file is truncated)"
    if isinstance(exc, zlib.error):
        return f"the gzip data is corrupt ({exc})"
    return f"cannot read it ({exc})"


def _lines(path: Path, max_line_bytes: int) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) of a possibly gzipped file; broken gzip and over-long lines are one-line errors."""
    compressed = path.name.lower().endswith(".gz")
    with gzip.open(path, "rb") if compressed else path.open("rb") as handle:
        line_no = 0
        while True:
            try:
                line = handle.readline(max_line_bytes + 1)
            except (OSError, EOFError, zlib.error) as exc:
                raise JanagentError(f"{path}:{line_no + 1}: {_gzip_problem(exc)}") from None
            if not line:
                return
            line_no += 1
            if len(line) > max_line_bytes:
                raise JanagentError(
                    f"{path}:{line_no}: the line is longer than {max_line_bytes:,} bytes; "
                    "a JSONL record must be one line of JSON"
                )
            yield line_no, line


def _utf8(data: bytes, where: str, line_no: int, *, first: bool) -> str:
    try:
        return data.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        raise JanagentError(
            f"{where}:{line_no}: not UTF-8 text (byte 0x{data[exc.start]:02x} at column {exc.start + 1}); "
            "save the file as UTF-8"
        ) from None


def _read_jsonl(path: Path, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Document]:
    key = str(path)
    for line_no, raw in _lines(path, max_line_bytes):
        line = _utf8(raw, key, line_no, first=line_no == 1)
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
        with gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb") as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise JanagentError(f"{path}: {_gzip_problem(exc)}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line_no = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise JanagentError(
            f"{path}:{line_no}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column}); save the file as UTF-8"
        ) from None
    del raw
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JanagentError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    yield from _summaries_documents(data, str(path), str(path))


_READERS: dict[str, Callable[[Path], Iterator[Document]]] = {
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


def load_file(path: Path, report: LoadReport | None = None, part_chars: int = PART_CHARS) -> Iterator[Document]:
    """The documents of one supported file, big texts in parts; binary and empty files yield none (see report)."""
    report = report if report is not None else LoadReport()
    suffix = _suffix(path)
    if path.stat().st_size == 0:
        report.skip_empty(path)
        return
    if suffix in _TEXT_READERS_SNIFFED:
        reason = sniff(path)
        if reason is not None:
            report.skip(path, reason)
            return
    count = 0
    # Text files are read a part at a time; the other kinds are parsed whole, then cut.
    docs = _read_plain(path, part_chars) if suffix in TEXT_SUFFIXES else _READERS[suffix](path)
    for doc in docs:
        if suffix not in _RECORD_SUFFIXES and not doc.text.strip():
            continue  # a page of markup or a scanned PDF without text: nothing to find in it
        for part in split_document(doc, part_chars):
            count += 1
            yield part
    if count == 0:
        report.skip_empty(path)


def load_documents(
    paths: Iterable[str | Path], report: LoadReport | None = None, part_chars: int = PART_CHARS
) -> Iterator[Document]:
    """Documents from files and folders of .txt/.md/.html/.pdf/.jsonl(.gz)/.json(.gz), lazily, in path order.

    Skipped files are told to ``report`` (default: warning lines on the ``janagent.index`` logger), the
    count of empty ones once at the end. Texts over ``part_chars`` characters come in parts (``text_parts``).
    """
    report = report if report is not None else LoadReport()
    for path in iter_files(paths):
        yield from load_file(path, report, part_chars)
    report.finish()


DEMO_SOURCE = "janagent:demo/wiki_vital_summaries"


def demo_documents() -> Iterator[Document]:
    """The bundled corpus: English Wikipedia summaries of the 10,033 level-4 vital articles."""
    resource = resources.files("mcp_servers.data.wiki_vital_summaries").joinpath("summaries_en.json.gz")
    with resource.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        data = json.load(handle)
    yield from _summaries_documents(data, "bundled demo corpus", DEMO_SOURCE)
