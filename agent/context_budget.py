"""Fitting a conversation into the model's context: the oldest tool results are shortened first, then removed.

Tokens are counted with the model's own ``count_tokens`` (its tokenizer where it has one), cached per text
because the same messages are counted again before every turn.
"""

from __future__ import annotations

import json

from agent.models.base import Message, Model, ToolSpec
from mcp_servers.index.snippets import SNIPPET_CHARS, cut_snippet

SHORTENED_MARKER = "[... shortened to fit the context: {dropped} characters dropped ...]"
REMOVED_MARKER = "[tool result removed to fit the context]"
# Role markers and separators a chat template adds around each message.
MESSAGE_OVERHEAD_TOKENS = 4


class ContextBudget:
    """Keeps ``context_tokens`` minus room for the reply (``reply_tokens``, at most half) for the messages."""

    def __init__(self, model: Model, context_tokens: int, reply_tokens: int) -> None:
        self.model = model
        self.context_tokens = context_tokens
        self.reserve = min(reply_tokens, context_tokens // 2)
        self._cache: dict[str, int] = {}

    def tokens(self, text: str) -> int:
        count = self._cache.get(text)
        if count is None:
            count = self._cache[text] = self.model.count_tokens(text) if text else 0
        return count

    def message_tokens(self, message: Message) -> int:
        tokens = MESSAGE_OVERHEAD_TOKENS + self.tokens(str(message.get("content") or ""))
        if message.get("tool_calls"):
            tokens += self.tokens(json.dumps(message["tool_calls"], ensure_ascii=False))
        return tokens

    def fit(self, messages: list[Message], tools: list[ToolSpec]) -> str | None:
        """Shorten old tool results in place until ``messages`` fit; return a warning line when it had to."""
        budget = self.context_tokens - self.reserve - (self.tokens(json.dumps(tools)) if tools else 0)
        total = before = sum(self.message_tokens(m) for m in messages)
        if total <= budget:
            return None
        shortened = 0
        tool_messages = [m for m in messages if m["role"] == "tool"]
        for replacement in (shorten, lambda _: REMOVED_MARKER):
            for message in tool_messages:
                if total <= budget:
                    break
                old = str(message["content"])
                new = replacement(old)
                if new == old:
                    continue
                total += self.tokens(new) - self.tokens(old)
                message["content"] = new
                shortened += 1
        return f"context over budget ({before} > {budget} tokens): shortened {shortened} old tool results" + (
            "" if total <= budget else f"; still {total} tokens"
        )


def shorten(content: str) -> str:
    """An old tool result cut to a snippet (the project's one snippet rule) with a marker of what was dropped."""
    if len(content) <= SNIPPET_CHARS + len(SHORTENED_MARKER) + 8 or content == REMOVED_MARKER:
        return content  # short already, or shortened before
    snippet = cut_snippet(content, limit=SNIPPET_CHARS)
    return snippet + "\n" + SHORTENED_MARKER.format(dropped=len(content) - len(snippet))
