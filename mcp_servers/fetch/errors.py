"""The one error type of the fetch tool: its message is the reason, written for the model and the user."""

from __future__ import annotations


class FetchError(Exception):
    """A page could not be fetched or read; ``str(exc)`` is a one-line reason that says what to do."""
