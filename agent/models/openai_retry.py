"""Bounded retries with backoff for the OpenAI-compatible backend (the loop itself is tenacity's).

Retried: 429, 5xx, 408/409, timeouts and connection errors (``Retryable``), honouring Retry-After; the
number of attempts and the total time spent waiting are both capped.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from time import time
from typing import TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type

from agent.models.openai_errors import ModelServerError, Retryable

T = TypeVar("T")


@dataclass
class RetryPolicy:
    """Bounded retries with exponential backoff (jittered) and a cap on the total time spent waiting."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 20.0
    max_total_wait: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        backoff = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return backoff * (0.5 + self.rng.random() / 2)  # jitter so many agents do not retry in lockstep


async def with_retries(
    send: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    base_url: str,
    sleep: Callable[[float], Awaitable[None]],
) -> T:
    """``send()`` until it succeeds or the policy gives up; then the last failure as a ModelServerError."""

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome is not None else None
        retry_after = failure.retry_after if isinstance(failure, Retryable) else None
        return policy.delay(state.attempt_number, retry_after)

    def stop(state: RetryCallState) -> bool:
        return state.attempt_number >= policy.attempts or state.idle_for + state.upcoming_sleep > policy.max_total_wait

    def give_up(state: RetryCallState) -> T:
        failure = state.outcome.exception() if state.outcome is not None else None
        assert isinstance(failure, Retryable)
        raise failure.final_error(base_url, state.attempt_number) from failure

    retrying = AsyncRetrying(
        sleep=sleep, wait=wait, stop=stop, retry=retry_if_exception_type(Retryable), retry_error_callback=give_up
    )

    async def attempt() -> T:  # a coroutine function: tenacity awaits only those
        return await send()

    result: T = await retrying(attempt)
    return result


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """A Retry-After header in seconds (it may be a number or an HTTP date)."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None


__all__ = ["ModelServerError", "RetryPolicy", "retry_after_seconds", "with_retries"]
