from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcp_servers.errors import JanagentError
from mcp_servers.index.local_index import LocalIndex
from mcp_servers.types import Document
from tests.fakes import HashingEmbedder
from tests.mcp_servers.index.conftest import PAINTINGS

QUERY = "pointillist painting of an island in the Seine"


def titles(index: LocalIndex, query: str, mode: str = "hybrid", k: int = 10) -> list[str]:
    return [hit.title for hit in index.search(query, k, mode=mode)]  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "vector"])
def test_each_mode_finds_the_painting_first(index: LocalIndex, mode: str) -> None:
    index.add_documents(PAINTINGS)
    assert titles(index, QUERY, mode)[0] == "A Sunday Afternoon on the Island of La Grande Jatte"


def test_hits_carry_title_url_doc_id_passage_and_source(index: LocalIndex) -> None:
    index.add_documents([PAINTINGS[0].model_copy(update={"url": "https://en.wikipedia.org/wiki/Jatte"})])
    [hit] = index.search(QUERY, 5)
    assert hit.title == PAINTINGS[0].title
    assert hit.url == "https://en.wikipedia.org/wiki/Jatte"
    assert hit.doc_id == "jatte"
    assert hit.snippet == PAINTINGS[0].text
    assert hit.source == "local"
    assert hit.score > 0


def test_a_long_document_is_one_hit_whose_snippet_is_the_matching_passage(index: LocalIndex) -> None:
    filler = "\n".join(" ".join(f"filler{p}w{i}" for i in range(150)) for p in range(3))
    text = f"{filler}\nThe glacier calves icebergs into the fjord every summer."
    index.add_documents([Document(id="long", title="Greenland", text=text), *PAINTINGS])
    hits = index.search("glacier icebergs fjord", 3, mode="bm25")
    assert [h.doc_id for h in hits].count("long") == 1
    assert hits[0].doc_id == "long"
    assert "glacier calves icebergs" in hits[0].snippet


def test_adds_are_incremental_and_unchanged_documents_are_not_re_embedded(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS[:2])
    index.add_documents(PAINTINGS[2:])
    assert index.stats().documents == 4
    index.add_documents(PAINTINGS)
    report = index.last_report
    assert report is not None
    assert (report.added, report.updated, report.unchanged, report.chunks_embedded) == (0, 0, 4, 0)
    assert titles(index, "Picasso bombing Basque town")[0] == "Guernica"


def test_re_adding_a_changed_file_replaces_its_chunks(tmp_path: Path, index: LocalIndex) -> None:
    note = tmp_path / "docs" / "note.txt"
    note.parent.mkdir()
    note.write_text("The heron stands in the marsh.", encoding="utf-8")
    index.add_paths([note.parent])
    note.write_text("The kingfisher dives into the river.", encoding="utf-8")
    index.add_paths([note.parent])

    assert index.stats().documents == 1
    assert index.search("heron marsh", 5, mode="bm25") == []
    [hit] = index.search("kingfisher river", 5, mode="bm25")
    assert hit.doc_id == str(note.resolve())
    assert index.last_report is not None and index.last_report.updated == 1


def test_records_missing_from_a_re_added_jsonl_file_are_dropped(tmp_path: Path, index: LocalIndex) -> None:
    path = tmp_path / "records.jsonl"
    records = [{"id": str(i), "title": f"T{i}", "text": f"record number {i} about topic{i}"} for i in range(3)]
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    index.add_paths([path])
    path.write_text(json.dumps(records[0]), encoding="utf-8")
    index.add_paths([path])
    assert index.stats().documents == 1
    assert index.last_report is not None and index.last_report.dropped == 2
    assert index.search("topic2", 5, mode="bm25") == []


def test_remove_deletes_documents_by_id(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS)
    assert index.remove(["guernica", "not-there"]) == 1
    assert index.remove(["guernica"]) == 0
    assert index.stats().documents == 3
    assert "Guernica" not in titles(index, "Picasso Guernica")


def test_a_crash_mid_build_leaves_the_old_index_working(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS[:2])

    def exploding() -> Iterator[Document]:
        yield PAINTINGS[2]
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        index.add_documents(exploding())

    assert not list(index.path.glob("tmp-*")), "the unfinished generation is cleaned up"
    assert index.stats().documents == 2
    assert titles(index, QUERY)[0] == PAINTINGS[0].title
    reopened = LocalIndex("test", index.path, HashingEmbedder(dim=32))
    assert reopened.stats().documents == 2
    assert "Guernica" not in titles(reopened, "Picasso bombing")


def test_a_leftover_tmp_folder_from_a_killed_writer_is_ignored_then_removed(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS[:1])
    leftover = index.path / "tmp-1-999"
    leftover.mkdir()
    (leftover / "passages.bin").write_bytes(b"half a generation")
    assert index.stats().documents == 1
    index.add_documents(PAINTINGS[1:2])
    assert not leftover.exists()
    assert index.stats().documents == 2


def test_an_open_reader_keeps_its_generation_and_new_readers_see_the_new_one(index: LocalIndex, tmp_path: Path) -> None:
    index.add_documents(PAINTINGS[:1])
    reader = LocalIndex("test", index.path, HashingEmbedder(dim=32))
    generation, _, _ = reader.rank_chunks(QUERY, 10, "bm25")
    assert generation is not None
    index.add_documents(PAINTINGS[1:])
    index.add_documents([PAINTINGS[3].model_copy(update={"text": "Etna erupts often."})])
    # The old generation's folder may be gone; its memory-mapped arrays still answer.
    assert generation.passage(0) == PAINTINGS[0].text
    assert reader.stats().documents == 4
    assert len(list(index.path.glob("gen-*"))) <= 2


def test_an_index_built_with_one_model_refuses_another(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS)
    other = LocalIndex("test", index.path, HashingEmbedder(dim=16))
    with pytest.raises(JanagentError, match="was built with embedding model HashingEmbedder-32d"):
        other.search(QUERY, 3)
    with pytest.raises(JanagentError, match="rebuild it"):
        other.add_documents(PAINTINGS[:1])
    assert [h.doc_id for h in other.search("Seurat", 3, mode="bm25")] == ["jatte"]


def test_an_empty_or_new_index_answers_with_no_hits(index: LocalIndex) -> None:
    assert index.search(QUERY, 5) == []
    assert index.stats().chunks == 0
    index.add_documents(PAINTINGS)
    assert index.search("   ", 5) == []


def test_a_query_without_known_words_still_gets_vector_hits_in_hybrid_mode(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS)
    assert index.search("zzzunknown", 3, mode="bm25") == []
    assert len(index.search("zzzunknown", 3, mode="hybrid")) == 3


def test_repeated_ids_in_one_add_keep_the_first(index: LocalIndex) -> None:
    index.add_documents([PAINTINGS[0], PAINTINGS[0].model_copy(update={"text": "a different text"})])
    assert index.last_report is not None and index.last_report.duplicates == 1
    assert index.search("Seurat", 1, mode="bm25")[0].snippet == PAINTINGS[0].text


def test_stats_count_documents_chunks_and_name_the_model(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS)
    stats = index.stats()
    assert (stats.name, stats.backend, stats.documents, stats.chunks) == ("test", "local", 4, 4)
    assert stats.embed_model == "HashingEmbedder-32d"
    assert stats.size_bytes > 0


def test_a_document_is_found_by_id_or_by_its_url_as_a_model_copies_it(index: LocalIndex) -> None:
    long_text = "\n".join(" ".join(f"part{p}word{i}" for i in range(150)) for p in range(3))
    jatte = PAINTINGS[0].model_copy(update={"url": "https://en.wikipedia.org/wiki/La_Grande_Jatte", "text": long_text})
    index.add_documents([jatte, *PAINTINGS[1:]])
    found = index.find_document("jatte")
    assert found is not None
    assert (found.id, found.title, found.url) == ("jatte", jatte.title, jatte.url)
    assert found.text.split() == long_text.split()  # every passage, in order
    for copied in (
        "http://en.wikipedia.org/wiki/La_Grande_Jatte",
        "https://EN.wikipedia.org/wiki/La_Grande_Jatte/",
        "https://en.wikipedia.org/wiki/La%5FGrande%5FJatte",
        " https://en.wikipedia.org/wiki/La_Grande_Jatte#Style ",
    ):
        assert getattr(index.find_document(copied), "id", None) == "jatte", copied
    assert index.find_document("https://en.wikipedia.org/wiki/Other") is None
    assert index.find_document("missing") is None


def test_an_id_wins_over_another_documents_url_that_reads_the_same(index: LocalIndex) -> None:
    index.add_documents([PAINTINGS[1].model_copy(update={"url": "guernica"}), PAINTINGS[2]])
    assert getattr(index.find_document("guernica"), "title", None) == "Guernica"
