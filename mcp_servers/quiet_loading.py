"""transformers' loader kept quiet: a user sees janagent's own progress lines, not the loader's report.

Loading all-MiniLM-L6-v2 prints a "LOAD REPORT" table (``embeddings.position_ids | UNEXPECTED``) and a GGUF load
prints a de-quantisation bar; both are noise to someone who asked for an answer or an index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet_transformers(*, progress_bars: bool = True) -> Iterator[None]:
    """transformers' warnings and load reports off for the block (errors still show); with
    ``progress_bars=False`` its progress bars too. The previous settings come back afterwards."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    if not progress_bars:
        hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
