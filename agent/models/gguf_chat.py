"""A GGUF's own chat template (``tokenizer.chat_template``) rendered the way transformers renders it.

The template decides whether a model sees its tools at all: Qwen2.5's carries the Hermes tool section, and
applying another format (llama-cpp-python's ``chatml-function-calling``) made the same 0.5B model answer
without searching. So the prompt is rendered from the model's template with transformers' Jinja settings
(sandboxed, ``trim_blocks``/``lstrip_blocks``, ``tojson`` without ASCII escaping, ``raise_exception``).
A template without a tool section (SmolLM2's) gets the Hermes tool block from ``hermes_prompt``, as the
transformers backend does.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cached_property
from typing import Any

from agent.models.base import Message, ToolSpec
from agent.models.hermes_prompt import to_hermes_messages
from agent.models.messages import normalize_messages
from mcp_servers.errors import JanagentError

# Used when a GGUF has no template at all: ChatML, the format of every model family we profile.
CHATML_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
    "'<|im_end|>\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
_PROBE_TOOL = "janagent_probe_tool"


class GGUFChatTemplate:
    """Renders conversations (OpenAI format) with a GGUF's template and special tokens."""

    def __init__(
        self, source: str | None, *, bos_token: str = "", eos_token: str = "", template_kwargs: dict[str, Any]
    ) -> None:
        self.source = source or CHATML_TEMPLATE
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.template_kwargs = dict(template_kwargs)
        self.native_tools = self._renders_tools()

    @cached_property
    def _template(self) -> Any:
        from jinja2 import TemplateError
        from jinja2.ext import loopcontrols
        from jinja2.sandbox import ImmutableSandboxedEnvironment

        def raise_exception(message: str) -> None:
            raise TemplateError(message)

        def tojson(value: Any, indent: int | None = None, **_: Any) -> str:
            return json.dumps(value, ensure_ascii=False, indent=indent)

        env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
        env.filters["tojson"] = tojson
        env.globals["raise_exception"] = raise_exception
        env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
        try:
            return env.from_string(self.source)
        except TemplateError as exc:
            raise JanagentError(f"the model's chat template does not parse: {exc}") from exc

    def render(self, messages: list[Message], tools: list[ToolSpec]) -> str:
        """The prompt text, ending with the assistant turn's opening."""
        normalized = normalize_messages(messages, arguments_as="dict")
        if not self.native_tools:
            return self._render(to_hermes_messages(normalized, tools), None)
        return self._render(normalized, tools or None)

    def _render(self, messages: list[Message], tools: list[ToolSpec] | None) -> str:
        return str(
            self._template.render(
                messages=messages,
                tools=tools,
                add_generation_prompt=True,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
                **self.template_kwargs,
            )
        )

    def _renders_tools(self) -> bool:
        """True when the template writes tool specs into the prompt (it has a tool section)."""
        probe = [{"type": "function", "function": {"name": _PROBE_TOOL, "description": "probe", "parameters": {}}}]
        try:
            text = self._render([{"role": "user", "content": "hi"}], probe)
        except Exception:  # a template that chokes on tools has no tool section
            return False
        return _PROBE_TOOL in text
