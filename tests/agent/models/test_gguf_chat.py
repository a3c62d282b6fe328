"""A GGUF's chat template rendered as transformers renders it, and the GGUF header read without llama.cpp."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from agent.models.gguf_chat import GGUFChatTemplate
from agent.models.gguf_header import read_gguf_header
from mcp_servers.errors import JanagentError
from tests.agent.models.conftest import SEARCH_TOOL

# The shape of Qwen2.5's template: tools in the system turn, calls as <tool_call> JSON, results as user turns.
QWEN_LIKE = (
    "{%- if tools %}<|im_start|>system\n# Tools\n<tools>{% for tool in tools %}\n{{ tool | tojson }}{% endfor %}"
    "\n</tools><|im_end|>\n{% endif %}"
    "{% for m in messages %}{% if m.role == 'tool' %}<|im_start|>user\n<tool_response>\n{{ m.content }}\n"
    "</tool_response><|im_end|>\n{% else %}<|im_start|>{{ m.role }}\n{{ m.content }}"
    "{% for call in m.tool_calls or [] %}<tool_call>\n{{ call.function | tojson }}\n</tool_call>{% endfor %}"
    "<|im_end|>\n{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SMOLLM_LIKE = (
    "{% for m in messages %}{{'<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)


def test_a_template_with_a_tool_section_renders_the_tools_and_calls_itself() -> None:
    template = GGUFChatTemplate(QWEN_LIKE, template_kwargs={})
    assert template.native_tools
    messages = [
        {"role": "user", "content": "Qui a peint la Grande Jatte ?"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "name": "search", "arguments": {"q": "é"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "Seurat"},
    ]
    prompt = template.render(messages, [SEARCH_TOOL])
    assert '"name": "search"' in prompt
    assert '<tool_call>\n{"name": "search", "arguments": {"q": "é"}}\n</tool_call>' in prompt  # no \\u escapes
    assert "<|im_start|>user\n<tool_response>\nSeurat\n</tool_response><|im_end|>" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_a_template_without_tools_gets_the_hermes_block_and_none_gets_chatml() -> None:
    plain = GGUFChatTemplate(SMOLLM_LIKE, template_kwargs={})
    assert not plain.native_tools
    assert plain.render([{"role": "user", "content": "hi"}], [SEARCH_TOOL]).startswith("<|im_start|>system\n# Tools")
    chatml = GGUFChatTemplate(None, template_kwargs={})
    assert (
        chatml.render([{"role": "user", "content": "hi"}], [])
        == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    )


def test_a_template_that_does_not_parse_is_a_one_line_error() -> None:
    with pytest.raises(JanagentError, match="chat template does not parse"):
        GGUFChatTemplate("{% for %}", template_kwargs={}).render([], [])


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def test_the_header_gives_the_trained_context_and_skips_arrays(tmp_path: Path) -> None:
    entries = [
        _string("general.architecture") + struct.pack("<I", 8) + _string("qwen2"),
        _string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 2) + _string("a") + _string("b"),
        _string("tokenizer.ggml.scores") + struct.pack("<IIQ", 9, 6, 2) + struct.pack("<ff", 0.5, 0.25),
        _string("qwen2.context_length") + struct.pack("<II", 4, 32768),
    ]
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 291, len(entries)) + b"".join(entries))
    header = read_gguf_header(path)
    assert (header.version, header.tensors, header.architecture, header.context_length) == (3, 291, "qwen2", 32768)
    assert "tokenizer.ggml.tokens" not in header.metadata
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 1, 5))
    with pytest.raises(JanagentError, match="ends early"):
        read_gguf_header(path)
