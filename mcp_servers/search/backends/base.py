"""What every search backend offers, and the HTTP and text helpers the web backends share."""

from __future__ import annotations

import html
import re
from typing import Any, Protocol

import httpx

from mcp_servers.types import SearchHit

# Wikimedia's API policy asks every client for a descriptive User-Agent; the other services accept it too.
USER_AGENT = "janagent/0.1 (research assistant; +https://github.com/janagent/janagent)"
# Per-operation bounds: a backend that hangs must not hang the model's turn.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class SearchError(Exception):
    """A search failure the model can act on; the message says what to do next."""


class SearchBackend(Protocol):
    """One place to search: the local index or a web search service."""

    name: str

    async def search(self, query: str, k: int) -> list[SearchHit]:
        """Return up to ``k`` hits, best first; raise SearchError for failures the model can act on."""
        ...


def no_results(query: str, source: str, suggestion: str | None = None) -> SearchError:
    """The error for an empty result list: empty results are a failure the model should react to."""
    hint = f"try '{suggestion}' or " if suggestion else "try "
    return SearchError(f"no results for '{query}' from {source}; {hint}fewer or different words")


def make_http_client() -> httpx.AsyncClient:
    """An httpx client with the bounded timeouts and User-Agent the web backends expect."""
    return httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, headers={"User-Agent": USER_AGENT}, follow_redirects=True)


def clean_text(text: str) -> str:
    """Strip HTML tags and entities (search APIs mark matches with <span>/<b>) and collapse whitespace."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub("", text))).strip()


def rank_score(rank: int) -> float:
    """A score for services that only give an order: 1.0 for the first hit, then 1/2, 1/3..."""
    return round(1.0 / (rank + 1), 4)


async def send(
    backend: str,
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    status_hints: dict[int, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    """Send one request, turning transport failures and HTTP errors into SearchError messages a model can act on.

    ``status_hints`` maps a status code to the message a backend knows better (a rejected key, a disabled format).
    """
    if client.headers.get("User-Agent", "").startswith("python-httpx"):
        # A caller's client without its own User-Agent still gets ours (Wikimedia rejects anonymous clients).
        kwargs["headers"] = {"User-Agent": USER_AGENT, **(kwargs.get("headers") or {})}
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise SearchError(
            f"search backend {backend} timed out ({type(exc).__name__}); try again or try source=local"
        ) from exc
    except httpx.HTTPError as exc:
        detail = str(exc) or type(exc).__name__
        raise SearchError(f"search backend {backend} unreachable: {detail}; try source=local") from exc
    if status_hints and response.status_code in status_hints:
        raise SearchError(status_hints[response.status_code])
    if response.status_code == 429:
        raise SearchError(f"rate limited by {backend}; wait or use another source")
    if response.status_code >= 400:
        raise SearchError(
            f"search backend {backend} failed with HTTP {response.status_code}; try again later or use another source"
        )
    return response


def json_body(backend: str, response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object, or a SearchError when the service sent something else."""
    try:
        body = response.json()
    except ValueError as exc:
        raise SearchError(f"search backend {backend} sent a malformed response (not JSON); use another source") from exc
    if not isinstance(body, dict):
        raise SearchError(f"search backend {backend} sent an unexpected response; use another source")
    return body
