"""index reembed: a new generation with another model's vectors, swapped in atomically."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from mcp_servers.errors import JanagentError
from mcp_servers.index.embedder import embedder_id
from mcp_servers.index.local_index import LocalIndex
from mcp_servers.index.reembed import reembed_index
from mcp_servers.index.store import read_pointer
from mcp_servers.types import Document
from tests.fakes import HashingEmbedder
from tests.mcp_servers.index.conftest import PAINTINGS

QUERY = "pointillist painting of an island in the Seine"
REPO = Path(__file__).resolve().parents[3]


class RecordingProgress:
    def __init__(self) -> None:
        self.documents = 0
        self.chunks = 0
        self.phases: list[str] = []

    def advance(self, documents: int, chunks: int) -> None:
        self.documents += documents
        self.chunks += chunks

    def phase(self, description: str) -> None:
        self.phases.append(description)


def test_a_full_reembed_records_the_new_model_and_keeps_every_passage(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS)
    before = index.generation()
    assert before is not None
    new = HashingEmbedder(dim=48)
    progress = RecordingProgress()

    report = reembed_index("test", index.path, new, embed_spec="/models/new", progress=progress, batch_chunks=1)

    after = LocalIndex("test", index.path, new)
    generation = after.generation()
    assert generation is not None and generation.path != before.path
    assert (report.old_model, report.new_model) == (before.embed_model, embedder_id(new))
    assert generation.embed_model == embedder_id(new) and generation.meta["embed_spec"] == "/models/new"
    assert generation.dim == 48 and report.dim == 48
    assert generation.docs.ids == before.docs.ids
    assert [generation.passage(i) for i in range(generation.num_chunks)] == [
        before.passage(i) for i in range(before.num_chunks)
    ]
    assert (progress.documents, progress.chunks) == (len(PAINTINGS), before.num_chunks)
    assert after.search(QUERY, 1, mode="vector")[0].doc_id == "jatte"
    assert after.search(QUERY, 1, mode="bm25")[0].doc_id == "jatte"


def test_the_new_vectors_are_the_new_models_vectors_of_title_and_passage(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS[:1])
    new = HashingEmbedder(dim=16)
    reembed_index("test", index.path, new, embed_spec=None)
    generation = LocalIndex("test", index.path, new).generation()
    assert generation is not None
    expected = new.encode([f"{PAINTINGS[0].title}\n{PAINTINGS[0].text}"])[0]
    np.testing.assert_allclose(generation.vectors[0], expected / np.linalg.norm(expected), rtol=1e-5)


def test_after_a_reembed_the_old_model_is_refused_with_one_line(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS)
    reembed_index("test", index.path, HashingEmbedder(dim=48), embed_spec=None)
    stale = LocalIndex("test", index.path, HashingEmbedder(dim=32))
    with pytest.raises(JanagentError, match="was built with embedding model HashingEmbedder-48d") as caught:
        stale.search(QUERY, 3, mode="vector")
    assert "\n" not in str(caught.value)


def test_reembedding_a_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(JanagentError, match="no index named 'nope'"):
        reembed_index("nope", tmp_path / "nope", HashingEmbedder(), embed_spec=None)


def test_an_exception_midway_leaves_the_old_generation_live(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS)
    live = read_pointer(index.path)

    class FailingProgress(RecordingProgress):
        def advance(self, documents: int, chunks: int) -> None:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        reembed_index("test", index.path, HashingEmbedder(dim=48), embed_spec=None, progress=FailingProgress())
    assert read_pointer(index.path) == live
    assert not list(index.path.glob("tmp-*"))
    assert index.search(QUERY, 1)[0].doc_id == "jatte"


# The child re-embeds one document per batch; after the first batch its progress sink says so on stdout
# and blocks on stdin, so the test kills it at a point it chose, with no sleep and no race.
CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from mcp_servers.index.reembed import reembed_index
    from tests.fakes import HashingEmbedder

    class StopMidway:
        def advance(self, documents, chunks):
            print("midway", flush=True)
            sys.stdin.readline()
        def phase(self, description):
            pass

    reembed_index("test", Path(sys.argv[1]), HashingEmbedder(dim=48), embed_spec=None,
                  progress=StopMidway(), batch_chunks=1)
    """
)


def test_a_reembed_killed_midway_leaves_the_old_index_answering(index: LocalIndex) -> None:
    index.add_documents([*PAINTINGS, *(Document(id=f"d{i}", title=f"Doc {i}", text=f"word{i} text") for i in range(6))])
    live = read_pointer(index.path)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(index.path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        ready, _, _ = select.select([child.stdout], [], [], 120)  # a bound, not a sleep: fails if the child hangs
        assert ready and child.stdout.readline().strip() == "midway"
        assert list(index.path.glob("tmp-*")), "the new generation is being written aside"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=60) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
    assert read_pointer(index.path) == live
    reader = LocalIndex("test", index.path, HashingEmbedder(dim=32))
    assert reader.search(QUERY, 1)[0].doc_id == "jatte"
    assert reader.stats().embed_model == "HashingEmbedder-32d"

    # The next writer sweeps the killed run's folder away; a full run then swaps in the new model.
    reembed_index("test", index.path, HashingEmbedder(dim=48), embed_spec=None)
    assert not list(index.path.glob("tmp-*"))
    assert LocalIndex("test", index.path, HashingEmbedder(dim=48)).stats().embed_model == "HashingEmbedder-48d"


def test_a_reembed_keeps_the_bm25_settings_the_index_recorded(index: LocalIndex) -> None:
    index.add_documents(PAINTINGS)
    before = index.generation()
    assert before is not None
    reembed_index("test", index.path, HashingEmbedder(dim=48), embed_spec=None)
    after = LocalIndex("test", index.path, HashingEmbedder(dim=48)).generation()
    assert after is not None
    recorded = {key: value for key, value in before.meta.items() if key.startswith(("bm25", "stemmed"))}
    assert recorded and all(after.meta[key] == value for key, value in recorded.items())
