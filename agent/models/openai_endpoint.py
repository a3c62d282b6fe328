"""Which server a model talks to, and which key it sends there.

The key comes from ``api_key`` or JANAGENT_API_KEY; OPENAI_API_KEY is sent only to OpenAI's own URL, so a
custom server never receives an OpenAI key it was not given.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from mcp_servers.errors import JanagentError

DEFAULT_BASE_URL = "https://api.openai.com/v1"
BASE_URL_ENV = "JANAGENT_BASE_URL"
API_KEY_ENV = "JANAGENT_API_KEY"
OPENAI_KEY_ENV = "OPENAI_API_KEY"


def resolve_endpoint(base_url: str | None, api_key: str | None) -> tuple[str, str | None]:
    """The base URL and API key to use (see the module docstring for the key rule)."""
    url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise JanagentError(f"base URL {url!r} must start with http:// or https:// (set --base-url or {BASE_URL_ENV})")
    # An explicit "" means "no key": the env fallback is for the model's own server only.
    key = (api_key if api_key is not None else os.environ.get(API_KEY_ENV)) or None
    if key is None and is_openai_url(url):
        key = os.environ.get(OPENAI_KEY_ENV) or None
    return url, key


def is_openai_url(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() == "api.openai.com"


def require_key_for_openai(base_url: str, api_key: str | None) -> None:
    """OpenAI itself without a key is a setup mistake: say which variable to set."""
    if api_key is None and is_openai_url(base_url):
        raise JanagentError(
            f"no API key for {base_url}; set {API_KEY_ENV} (or {OPENAI_KEY_ENV}), "
            f"or point --base-url / {BASE_URL_ENV} at your own server"
        )
