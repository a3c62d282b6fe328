"""Streaming from a generation worker thread to the event loop, visible text only.

Both in-process backends decode on a worker thread (so the event loop stays responsive) and hand each
text piece to the caller's ``on_text`` on the loop, through ``VisibleTextFilter`` so reasoning and raw
``<tool_call>`` JSON are never shown.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import anyio.from_thread

from agent.models.stream_filter import VisibleTextFilter


def threadsafe_emitter(on_text: Callable[[str], None], stop: threading.Event) -> Callable[[str], None]:
    """A callback for the worker thread that runs ``on_text`` on the event loop; ``""`` flushes the tail."""
    visible = VisibleTextFilter()

    def emit(piece: str) -> None:
        shown = visible.feed(piece) if piece else visible.flush()
        if shown and not stop.is_set():
            # The caller may go away meanwhile (cancelled); generation then ends at the next token.
            with contextlib.suppress(Exception):
                anyio.from_thread.run_sync(on_text, shown)

    return emit
