"""Bad files: binaries named .txt, empty files, text that is not UTF-8, gzip that is not gzip, huge lines."""

from __future__ import annotations

import gzip
import io
import json
import logging
import random
import tracemalloc
from pathlib import Path

import pytest

from mcp_servers.errors import JanagentError
from mcp_servers.index import load_documents
from mcp_servers.index.file_checks import LoadReport, binary_reason
from mcp_servers.index.loaders import _read_jsonl
from mcp_servers.index.local_index import LocalIndex
from mcp_servers.index.text_parts import PART_CHARS, cut_text, read_parts

ELF_HEAD = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00\x01\x00\x00\x00"


def collected(paths: list[Path]) -> tuple[list[str], list[str]]:
    """(document ids, warning lines) of loading ``paths``."""
    lines: list[str] = []
    docs = list(load_documents(paths, report=LoadReport(warn=lines.append)))
    return [d.id for d in docs], lines


def test_an_elf_binary_named_txt_is_skipped_with_a_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "program.txt").write_bytes(ELF_HEAD + random.Random(1).randbytes(20_000))
    (tmp_path / "notes.txt").write_text("Otters hold hands while they sleep.")
    ids, lines = collected([tmp_path])
    assert [Path(i).name for i in ids] == ["notes.txt"]
    assert lines == [f"skipped {(tmp_path / 'program.txt').resolve()}: binary (NUL bytes in its first bytes)"]


def test_random_bytes_without_nul_are_skipped_by_their_share_of_non_text(tmp_path: Path) -> None:
    noise = bytes(b for b in random.Random(2).randbytes(50_000) if b)
    (tmp_path / "noise.md").write_bytes(noise)
    ids, lines = collected([tmp_path / "noise.md"])
    assert ids == []
    assert len(lines) == 1 and lines[0].startswith(f"skipped {(tmp_path / 'noise.md').resolve()}: binary (")


def test_text_in_a_legacy_encoding_is_still_read(tmp_path: Path) -> None:
    latin = ("Café crème, déjà vu, naïve façade. " * 200).encode("latin-1")
    assert binary_reason(latin) is None
    (tmp_path / "old.txt").write_bytes(latin)
    ids, lines = collected([tmp_path / "old.txt"])
    assert len(ids) == 1 and lines == []


def test_empty_and_blank_files_are_skipped_and_counted_in_one_line(tmp_path: Path) -> None:
    for name in ("a.txt", "b.md", "c.jsonl"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "d.txt").write_text("  \n\n \t\n")
    (tmp_path / "e.txt").write_text("Real words.")
    ids, lines = collected([tmp_path])
    assert [Path(i).name for i in ids] == ["e.txt"]
    assert len(lines) == 1
    assert lines[0].startswith("skipped 4 empty files: ")
    assert lines[0].endswith(" and 1 more")
    assert str((tmp_path / "a.txt").resolve()) in lines[0]


def test_skip_lines_go_to_the_janagent_index_logger_by_default(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="janagent.index"):
        assert list(load_documents([tmp_path])) == []
    assert [r.getMessage() for r in caplog.records] == [f"skipped 1 empty file: {(tmp_path / 'empty.txt').resolve()}"]


def test_a_jsonl_that_is_not_utf8_is_one_line_naming_file_line_and_byte(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    good = json.dumps({"id": "1", "text": "fine"}).encode()
    path.write_bytes(good + b"\n" + b'{"id": "2", "text": "caf\xe9"}\n')
    with pytest.raises(JanagentError) as info:
        list(load_documents([path]))
    assert str(info.value) == (f"{path.resolve()}:2: not UTF-8 text (byte 0xe9 at column 25); save the file as UTF-8")


def test_a_json_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "summaries.json"
    path.write_bytes(b'{\n  "A": {"title": "A", "extract": "ok"},\n  "B": {"title": "B", "extract": "\xff"}\n}\n')
    with pytest.raises(JanagentError, match=r"summaries\.json:3: not UTF-8 text \(byte 0xff at column 35\)"):
        list(load_documents([path]))


@pytest.mark.parametrize("name", ["records.jsonl.gz", "summaries.json.gz"])
def test_a_gz_file_that_is_not_gzip_is_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text('{"id": "1", "text": "plain, not compressed"}\n')
    with pytest.raises(JanagentError) as info:
        list(load_documents([path]))
    message = str(info.value)
    assert message.startswith(str(path.resolve()))
    assert "not a gzip file" in message and "without .gz" in message
    assert "\n" not in message


def test_a_truncated_gzip_is_one_line_naming_the_line_it_reached(tmp_path: Path) -> None:
    lines = b"".join(json.dumps({"id": str(i), "text": f"record {i} " * 20}).encode() + b"\n" for i in range(2000))
    whole = gzip.compress(lines)
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(JanagentError, match=r"cut\.jsonl\.gz:\d+: the gzip data ends early \(the file is truncated\)"):
        list(load_documents([path]))


def test_a_jsonl_line_over_the_cap_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    path.write_text(json.dumps({"id": "1", "text": "x" * 1000}) + "\n")
    with pytest.raises(JanagentError, match=r"long\.jsonl:1: the line is longer than 100 bytes"):
        list(_read_jsonl(path, max_line_bytes=100))


def test_texts_are_cut_at_breaks_into_parts_of_bounded_size() -> None:
    text = " ".join(f"word{i}" for i in range(5000))
    parts = list(read_parts(io.StringIO(text), part_chars=1000))
    assert "".join(parts) == text
    assert all(len(p) <= 1000 for p in parts)
    assert all(p.endswith(" ") for p in parts[:-1])  # cut between words, never inside one
    assert list(cut_text(text, 1000)) == parts
    unbroken = "x" * 2500
    assert [len(p) for p in cut_text(unbroken, 1000)] == [1000, 1000, 500]


def test_a_big_single_line_file_becomes_parts_with_one_source(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    text = " ".join(f"token{i % 997}" for i in range(int(PART_CHARS * 2.5) // 9))
    path.write_text(text)
    docs = list(load_documents([path]))
    key = str(path.resolve())
    assert [d.id for d in docs] == [key, f"{key}#part2", f"{key}#part3"]
    assert {d.source_path for d in docs} == {key}
    assert {d.title for d in docs} == {"big"}
    assert "".join(d.text for d in docs) == text


def test_a_big_single_line_file_streams_in_memory_of_a_few_parts(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("w") as handle:
        for i in range(20):
            handle.write(" ".join(f"w{(i * 7 + n) % 5000}" for n in range(180_000)) + " ")
    size = path.stat().st_size
    assert size > 15_000_000
    tracemalloc.start()
    try:
        parts = 0
        for doc in load_documents([path]):
            parts += 1
            assert len(doc.text) <= PART_CHARS
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parts >= 15
    # A part is at most PART_CHARS characters (1 byte each here); reading one holds a few copies of it
    # (bytes read, decoded text, the carry, the slice handed on) whatever the size of the file.
    assert peak < 8 * PART_CHARS, (peak, size)


def test_a_big_jsonl_record_is_cut_into_parts_too(tmp_path: Path) -> None:
    path = tmp_path / "one.jsonl"
    text = "lorem ipsum " * (PART_CHARS // 5)
    path.write_text(json.dumps({"id": "r1", "title": "Long", "text": text}) + "\n")
    docs = list(load_documents([path]))
    assert [d.id for d in docs] == ["r1", "r1#part2", "r1#part3"]
    assert "".join(d.text for d in docs) == text


def test_a_bad_file_in_an_add_leaves_the_index_as_it_was(tmp_path: Path, index: LocalIndex) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Otters hold hands while they sleep.")
    index.add_paths([corpus])
    before = index.stats()
    (corpus / "b.txt").write_text("Sea lions bark.")
    (corpus / "c.jsonl").write_bytes(b'{"id": "x", "text": "caf\xe9"}\n')
    with pytest.raises(JanagentError, match=r"c\.jsonl:1: not UTF-8 text"):
        index.add_paths([corpus])
    assert index.stats() == before
    assert [hit.doc_id for hit in index.search("otters", k=3)] == [str((corpus / "a.txt").resolve())]


def test_re_adding_a_big_file_replaces_all_of_its_parts(tmp_path: Path, index: LocalIndex) -> None:
    path = tmp_path / "big.txt"
    path.write_text("alpha beta gamma " * 170)  # about 2,900 characters: 3 parts of at most 1,000
    index.add_documents(load_documents([path], part_chars=1000))
    assert index.stats().documents == 3
    path.write_text("delta epsilon " * 100)  # 1,400 characters: 2 parts now
    index.add_documents(load_documents([path], part_chars=1000))
    assert index.stats().documents == 2
    assert index.search("alpha beta", k=3, mode="bm25") == []
