"""Every test gets its own JANAGENT_HOME and no network beyond loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run (tests are deterministic); the failing examples they find
# become plain regression tests.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def janagent_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("janagent_home")
    monkeypatch.setenv("JANAGENT_HOME", str(home))
    # Tests never reach the model hub; code that would must find things locally or fail clearly.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    for key in ("JANAGENT_BASE_URL", "JANAGENT_API_KEY", "OPENAI_API_KEY", "SERPER_API_KEY", "SEARXNG_URL"):
        monkeypatch.delenv(key, raising=False)
    yield home


@pytest.fixture
def shared_data() -> Path:
    """../shared/data beside the checkout (real corpora, pages, SimpleQA CSV)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


@pytest.fixture(scope="session")
def static_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real Model2Vec model distilled from all-MiniLM-L6-v2 once per test session (~20 s on an idle core).

    Use it where a test needs real embeddings; pass the folder to load_static_model or JANAGENT_EMBED_MODEL.
    """
    from mcp_servers.embeddings.loading import distill_minilm

    return distill_minilm(tmp_path_factory.mktemp("static_model") / "minilm-static")
