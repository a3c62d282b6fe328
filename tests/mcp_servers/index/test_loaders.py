from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from mcp_servers.errors import JanagentError
from mcp_servers.index import demo_documents, load_documents
from mcp_servers.index.loaders import wikipedia_url


def minimal_pdf(text: str) -> bytes:
    """A one-page PDF with one line of text (Helvetica), with a correct cross-reference table."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


ARTICLE_HTML = """<html><head><title>Seurat's island</title></head><body>
<nav>Home | About | Contact</nav>
<article><h1>Seurat's island</h1>
<p>A Sunday Afternoon on the Island of La Grande Jatte is a painting by Georges Seurat, made from 1884 to 1886.</p>
<p>It shows Parisians at leisure on an island in the Seine, painted with small dots of colour in the pointillist manner.</p>
<p>The painting hangs in the Art Institute of Chicago, which bought it in 1924.</p>
</article><footer>Copyright 2024</footer></body></html>"""


def test_a_folder_yields_its_text_markdown_html_and_pdf_files_in_path_order(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("plain text about rivers", encoding="utf-8")
    (tmp_path / "b.md").write_text("intro line\n# Notes on Seurat\nbody", encoding="utf-8")
    (tmp_path / "c.html").write_text(ARTICLE_HTML, encoding="utf-8")
    (tmp_path / "d.pdf").write_bytes(minimal_pdf("Pointillism in a PDF"))
    (tmp_path / "skip.bin").write_bytes(b"\x00")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "secret.txt").write_text("not indexed", encoding="utf-8")

    docs = list(load_documents([tmp_path]))

    assert [Path(d.id).name for d in docs] == ["a.txt", "b.md", "c.html", "d.pdf"]
    assert all(d.source_path == d.id and Path(d.id).is_absolute() for d in docs)
    assert docs[0].title == "a" and docs[0].text == "plain text about rivers"
    assert docs[1].title == "Notes on Seurat"
    assert docs[1].text == "intro line\nNotes on Seurat\nbody"
    assert docs[2].title == "Seurat's island"
    assert "pointillist manner" in docs[2].text and "Home | About" not in docs[2].text
    assert "Pointillism in a PDF" in docs[3].text


def test_jsonl_records_keep_their_ids_titles_and_urls_and_beir_ids_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "docs.jsonl"
    path.write_text(
        json.dumps({"id": 1, "title": "One", "text": "first", "url": "https://example.org/1"})
        + "\n\n"
        + json.dumps({"_id": "b2", "title": "", "text": "second"})
        + "\n",
        encoding="utf-8",
    )
    docs = list(load_documents([path]))
    assert [(d.id, d.title, d.text, d.url) for d in docs] == [
        ("1", "One", "first", "https://example.org/1"),
        ("b2", "", "second", None),
    ]
    assert {d.source_path for d in docs} == {str(path.resolve())}


def test_gzipped_jsonl_and_the_wikipedia_summaries_shape_are_read(tmp_path: Path) -> None:
    with gzip.open(tmp_path / "wiki.jsonl.gz", "wt", encoding="utf-8") as handle:
        handle.write(json.dumps({"id": "7", "title": "April", "text": "April is a month."}) + "\n")
    summaries = {"Grande Jatte": {"title": "A Sunday Afternoon", "extract": "A painting."}}
    with gzip.open(tmp_path / "summaries.json.gz", "wt", encoding="utf-8") as handle:
        json.dump(summaries, handle)
    docs = list(load_documents([tmp_path / "wiki.jsonl.gz", tmp_path / "summaries.json.gz"]))
    assert [(d.id, d.title, d.text) for d in docs] == [
        ("7", "April", "April is a month."),
        ("A Sunday Afternoon", "A Sunday Afternoon", "A painting."),
    ]
    assert docs[1].url == "https://en.wikipedia.org/wiki/A_Sunday_Afternoon"


def test_wikipedia_urls_use_underscores_and_escape_only_what_breaks_a_url() -> None:
    assert wikipedia_url("2001: A Space Odyssey") == "https://en.wikipedia.org/wiki/2001:_A_Space_Odyssey"
    assert wikipedia_url("C (programming language)") == "https://en.wikipedia.org/wiki/C_(programming_language)"
    assert wikipedia_url("What? #1") == "https://en.wikipedia.org/wiki/What%3F_%231"


def test_the_bundled_demo_corpus_has_the_10033_vital_article_summaries() -> None:
    docs = list(demo_documents())
    assert len(docs) == 10033
    jatte = next(d for d in docs if d.title == "A Sunday Afternoon on the Island of La Grande Jatte")
    assert jatte.url == "https://en.wikipedia.org/wiki/A_Sunday_Afternoon_on_the_Island_of_La_Grande_Jatte"
    assert "pointillist" in jatte.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"id": 1, "text": "ok"}\n{not json\n', "bad.jsonl:2: not valid JSON"),
        ("noid.jsonl", '{"text": "no id"}\n', "noid.jsonl:1: a record needs `id`"),
        ("shape.json", '{"x": {"title": "no extract"}}', "has no `extract`"),
        ("notes.docx", "binary", "unsupported file type"),
    ],
)
def test_bad_input_is_a_one_line_error_naming_the_file(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(JanagentError, match=re.escape(message)) as info:
        list(load_documents([path]))
    assert "\n" not in str(info.value)


def test_a_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="no such file or folder"):
        list(load_documents([tmp_path / "nope"]))
