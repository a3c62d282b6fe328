"""Sampling settings, apart from ``base`` so that model profiles can declare them without an import cycle."""

from __future__ import annotations

from pydantic import BaseModel


class Sampling(BaseModel):
    """Sampling settings; the defaults are Jan-nano's recommended ones (non-thinking mode)."""

    temperature: float = 0.7
    top_p: float = 0.8
    top_k: int = 20
    min_p: float = 0.0
    max_tokens: int = 1024
    seed: int | None = None
