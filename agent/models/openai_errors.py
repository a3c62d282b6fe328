"""The one-line errors of the OpenAI-compatible backend, and the failures worth another attempt."""

from __future__ import annotations

import json
from typing import Any

from agent.models.openai_endpoint import API_KEY_ENV, BASE_URL_ENV
from mcp_servers.errors import JanagentError

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})


class ModelServerError(JanagentError):
    """The model server failed, refused or answered with something else; one line that says what to do."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Retryable(Exception):
    """A failure worth retrying; turned into a ModelServerError when the retries run out."""

    def __init__(self, detail: str, *, kind: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(detail)
        self.detail, self.kind, self.status, self.retry_after = detail, kind, status, retry_after

    def final_error(self, base_url: str, attempts: int) -> ModelServerError:
        tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if self.kind == "connect":
            return ModelServerError(
                f"could not reach the model server at {base_url} after {tries} ({self.detail}); "
                f"start it or fix --base-url / {BASE_URL_ENV}"
            )
        if self.kind == "timeout":
            return ModelServerError(f"the model server at {base_url} {self.detail} ({tries}); try again later")
        if self.status == 429:
            return ModelServerError(
                f"the server at {base_url} is rate-limiting requests (429 after {tries}); try later", 429
            )
        return ModelServerError(f"the server at {base_url} kept failing ({self.detail}; {tries})", self.status)


def status_error(base_url: str, model: str, status: int, text: str, retry_after: float | None) -> Exception:
    """The error for a non-200 answer: Retryable for statuses worth another attempt, else a ModelServerError."""
    detail = error_detail(text)
    if status in RETRY_STATUSES:
        return Retryable(f"HTTP {status}: {detail}", kind="status", status=status, retry_after=retry_after)
    if status == 401:
        return ModelServerError(f"the server at {base_url} rejected the API key (set {API_KEY_ENV})", status)
    if status == 403:
        return ModelServerError(f"the server at {base_url} refused the request (403): {detail}", status)
    if status == 404:
        return ModelServerError(
            f"the server at {base_url} has no model {model!r} or no /chat/completions (404): {detail}", status
        )
    return ModelServerError(f"the server at {base_url} rejected the request ({status}): {detail}", status)


def not_openai(base_url: str, what: str, status: int, content_type: str, head: bytes) -> ModelServerError:
    """A server that answered with something other than an OpenAI response: what came back, in one line."""
    return ModelServerError(
        f"the server at {base_url} {what}: HTTP {status}, content type {content_type or 'none'!r}, "
        f"first bytes {first_bytes(head)}",
        status,
    )


def first_bytes(head: bytes, limit: int = 80) -> str:
    """The start of a body, printable on one line."""
    text = head[:limit].decode("utf-8", "replace")
    flat = " ".join(text.split())
    return repr(flat + ("..." if len(head) > limit else "")) if flat else "(empty body)"


def error_detail(text: str, limit: int = 200) -> str:
    """The server's error message in one short line."""
    message: Any = text
    try:
        payload = json.loads(text)
        error = payload.get("error", payload) if isinstance(payload, dict) else payload
        message = error.get("message", error) if isinstance(error, dict) else error
    except ValueError:
        pass
    flat = " ".join(str(message).split()) or "no details"
    return flat if len(flat) <= limit else flat[:limit] + "..."
