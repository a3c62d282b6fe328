"""Hermes-style tool calls in model text: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``.

This is the format Qwen2.5/Qwen3 (and so Jan-nano) are trained on. Small models get it slightly wrong
in many ways, so the parser is forgiving: several blocks per turn, an unclosed last block, code fences,
``"parameters"`` for ``"arguments"``, arguments given as a (even doubly) encoded JSON string, near-JSON
(see ``json_repair``), a bare call-shaped JSON reply without tags, OpenAI's nested ``{"function": ...}``
shape, and Qwen3-Coder's ``<function=NAME><parameter=KEY>`` form. What cannot be understood becomes a
readable entry in ``tool_call_errors`` for the model to correct — parsing never raises.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from agent.models.base import ModelResponse, ToolCall, ToolSpec
from agent.models.json_repair import JSONRepairError, iter_json_values, loads_lenient, strip_code_fence

_TAG_NAMES = r"(?:tool_call|toolcall|tool-call|function_call)"
_OPEN_TAG = re.compile(r"<\|?\s*" + _TAG_NAMES + r"\s*\|?>", re.IGNORECASE)
_CLOSE_TAG = re.compile(r"<\|?\s*/\s*" + _TAG_NAMES + r"\s*\|?>", re.IGNORECASE)
_ANY_TAG = re.compile(_OPEN_TAG.pattern + "|" + _CLOSE_TAG.pattern, re.IGNORECASE)
_THINK_BLOCK = re.compile(r"<think>(.*?)</think>", re.DOTALL)
# Stands in for "<" inside the JSON strings of a call while the reply is parsed (``_mask_call_strings``).
_MASKED_LT = "\ue000"
_UNMASK = str.maketrans({_MASKED_LT: "<"})
# A model that goes on to invent the tool's answer writes one of these; nothing after it is real.
_FABRICATED_RESULT = re.compile(r"<\|?\s*(?:tool_response|tool_result)\s*\|?>", re.IGNORECASE)
_FENCED = re.compile(r"```[A-Za-z0-9_-]*\s*\n(.*?)\n?\s*```", re.DOTALL)
_XML_FUNCTION = re.compile(r"<function=([^>\s]+)\s*>(.*?)(?:</function>|$)", re.DOTALL)
_XML_PARAMETER = re.compile(r"<parameter=([^>\s]+)\s*>(.*?)(?:</parameter>|(?=<parameter=)|$)", re.DOTALL)

_NAME_KEYS = ("name", "tool", "tool_name", "function", "function_name")
_ARGUMENT_KEYS = ("arguments", "parameters", "args", "input", "params", "tool_input")
FORMAT_HINT = 'Write each call as <tool_call>{"name": "<tool name>", "arguments": {<JSON object>}}</tool_call>.'


def new_call_id() -> str:
    """A fresh tool-call id, unique within and across runs."""
    return f"call_{uuid.uuid4().hex[:24]}"


def split_thinking(text: str) -> tuple[str, str]:
    """Split ``<think>...</think>`` reasoning from the visible text; return (visible, thinking).

    Also handles a lone ``</think>`` (the template opened the block in the prompt) and an unclosed
    ``<think>`` (generation stopped while thinking). Think tags inside a ``<tool_call>`` block are the call's
    text (a JSON key or value), not reasoning: a call with the argument key "<think>" was cut in two.
    """
    visible, thinking = _split_thinking(_mask_call_strings(text))
    return visible.translate(_UNMASK), thinking.translate(_UNMASK)


def _mask_call_strings(text: str) -> str:
    """``text`` with every "<" inside a JSON string of a tool-call block replaced by ``_MASKED_LT``.

    A tag written in a call's arguments is the call's text, not markup: the argument key "<think>" was read as
    unclosed reasoning, and the value "<tool_response>" as the start of an invented result, both cutting the call.
    Only blocks whose body opens with ``{`` or ``[`` are scanned (an XML-style call quotes freely), and a string
    ends at its closing quote or a newline (JSON strings hold none), so a stray quote masks one line at most.
    """
    chars = list(text)
    pos = 0
    while (opening := _OPEN_TAG.search(text, pos)) is not None:
        k = opening.end()
        while k < len(text) and text[k].isspace():
            k += 1
        if k >= len(text) or text[k] not in "{[":
            pos = opening.end()
            continue
        in_string = False
        while k < len(text):
            char = text[k]
            if in_string:
                if char == "\\" and k + 1 < len(text):
                    if text[k + 1] == "<":
                        chars[k + 1] = _MASKED_LT
                    k += 1
                elif char in '"\n':
                    in_string = False
                elif char == "<":
                    chars[k] = _MASKED_LT
            elif char == '"':
                in_string = True
            elif char == "<" and _ANY_TAG.match(text, k):
                break
            k += 1
        pos = max(k, opening.end())
    return "".join(chars)


def _unmask(value: Any) -> Any:
    """``value`` (a string, or JSON arguments) with ``_MASKED_LT`` back to "<"."""
    if isinstance(value, str):
        return value.translate(_UNMASK)
    if isinstance(value, dict):
        return {_unmask(key): _unmask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_unmask(item) for item in value]
    return value


def _split_thinking(text: str) -> tuple[str, str]:
    thinking: list[str] = [m.group(1) for m in _THINK_BLOCK.finditer(text)]
    visible = _THINK_BLOCK.sub("", text)
    if "</think>" in visible:
        before, _, visible = visible.rpartition("</think>")
        thinking.append(before.replace("<think>", ""))
    if "<think>" in visible:
        visible, _, after = visible.partition("<think>")
        thinking.append(after)
    return visible, "\n".join(part.strip() for part in thinking if part.strip())


def strip_thinking(text: str) -> str:
    """The visible text without any ``<think>`` reasoning."""
    return split_thinking(text)[0].strip()


def parse_tool_calls(text: str, known_tools: set[str] | None = None) -> ModelResponse:
    """Parse every tool call in ``text``; return the remaining text, the calls, and one error per bad call.

    ``known_tools``, when given, is the set of callable names: other names become errors (after fixing
    obvious slips such as a ``functions.`` prefix or a doubled name). ``<think>`` reasoning is removed
    from the text; calls written inside it are used only when the visible text has none (a model that
    forgot to close its reasoning). Never raises.
    """
    visible, thinking = _split_thinking(_mask_call_strings(text or ""))
    try:
        response = _parse_visible(visible, known_tools)
        if not response.tool_calls and not response.tool_call_errors and _OPEN_TAG.search(thinking):
            from_thinking = _parse_visible(thinking, known_tools)
            response.tool_calls, response.tool_call_errors = from_thinking.tool_calls, from_thinking.tool_call_errors
    except RecursionError:  # absurdly deep nesting: the one thing the JSON decoder gives up on
        return ModelResponse(
            text=_unmask(visible.strip()), tool_call_errors=[f"the reply nests too deeply to parse. {FORMAT_HINT}"]
        )
    return ModelResponse(
        text=_unmask(response.text),
        tool_calls=[
            call.model_copy(update={"name": _unmask(call.name), "arguments": _unmask(call.arguments)})
            for call in response.tool_calls
        ],
        tool_call_errors=[_unmask(error) for error in response.tool_call_errors],
    )


def response_from_text(text: str, tools: list[ToolSpec]) -> ModelResponse:
    """A backend's raw reply text as a response: tool calls are looked for only when tools were offered."""
    if not tools:
        return ModelResponse(text=strip_thinking(text))
    return parse_tool_calls(text, known_tools=tool_names(tools))


def tool_names(tools: list[ToolSpec]) -> set[str]:
    """The names of OpenAI-format tool specs."""
    return {str(tool.get("function", tool).get("name")) for tool in tools}


def _parse_visible(text: str, known_tools: set[str] | None) -> ModelResponse:
    fabricated = _FABRICATED_RESULT.search(text)
    if fabricated:
        text = text[: fabricated.start()]
    bodies, remaining = _split_blocks(text)
    if not bodies:
        bodies, remaining = _untagged_calls(text, known_tools)
    calls: list[ToolCall] = []
    errors: list[str] = []
    seen: set[str] = set()
    for index, body in enumerate(bodies, start=1):
        for parsed in _parse_block(body, known_tools):
            if isinstance(parsed, str):
                errors.append(f"tool call {index}: {parsed} {FORMAT_HINT}")
                continue
            # The same call written twice in one turn (a known small-model stutter) is run once.
            key = json.dumps([parsed.name, parsed.arguments], sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                calls.append(parsed)
    return ModelResponse(text=remaining.strip(), tool_calls=calls, tool_call_errors=errors)


def _split_blocks(text: str) -> tuple[list[str], str]:
    """Cut ``<tool_call>`` blocks out of ``text``; return their bodies and the text left around them.

    A block ends at its closing tag, at the next opening tag, or at the end of the text. A closing tag
    with no opening tag (the opening one was lost) closes a block that starts at the first ``{`` before it.
    """
    bodies: list[str] = []
    kept: list[str] = []
    pos = 0
    while True:
        tag = _ANY_TAG.search(text, pos)
        if tag is None:
            kept.append(text[pos:])
            break
        if _CLOSE_TAG.fullmatch(tag.group(0)):
            segment = text[pos : tag.start()]
            brace = segment.find("{")
            if brace >= 0:
                kept.append(segment[:brace])
                bodies.append(segment[brace:])
            else:
                kept.append(segment)
            pos = tag.end()
            continue
        kept.append(text[pos : tag.start()])
        nxt = _ANY_TAG.search(text, tag.end())
        if nxt is None:
            bodies.append(text[tag.end() :])
            pos = len(text)
        elif _CLOSE_TAG.fullmatch(nxt.group(0)):
            bodies.append(text[tag.end() : nxt.start()])
            pos = nxt.end()
        else:
            bodies.append(text[tag.end() : nxt.start()])
            pos = nxt.start()
    return bodies, "".join(kept)


def _untagged_calls(text: str, known_tools: set[str] | None) -> tuple[list[str], str]:
    """Tool calls written without tags: the whole reply, or a fenced block, that is a call-shaped JSON."""
    whole = strip_code_fence(text).strip()
    if whole.startswith(("{", "[")) and _looks_like_call(whole, known_tools):
        return [whole], ""
    bodies: list[str] = []
    kept = text
    for fence in _FENCED.finditer(text):
        if _looks_like_call(fence.group(1), known_tools):
            bodies.append(fence.group(1))
            kept = kept.replace(fence.group(0), "", 1)
    return bodies, kept


def _looks_like_call(candidate: str, known_tools: set[str] | None) -> bool:
    try:
        values = iter_json_values(candidate)
    except JSONRepairError:
        return False
    objects = [v for value in values for v in (value if isinstance(value, list) else [value])]
    if not objects or not all(isinstance(obj, dict) for obj in objects):
        return False
    for obj in objects:
        name = _call_name(obj)
        has_arguments = any(key in obj or key in (obj.get("function") or {}) for key in _ARGUMENT_KEYS)
        if not isinstance(name, str) or not (has_arguments or (known_tools and name in known_tools)):
            return False
        if known_tools is not None and _resolve_name(name, known_tools) is None:
            return False
    return True


def _parse_block(body: str, known_tools: set[str] | None) -> list[ToolCall | str]:
    """Parse one block body into calls, or into error strings (one per failure)."""
    snippet = _snippet(body)
    if not body.strip():
        return ["the <tool_call> block is empty."]
    if _XML_FUNCTION.search(body):
        return [_call_from_xml(match, known_tools) for match in _XML_FUNCTION.finditer(body)]
    try:
        values = iter_json_values(body)
    except JSONRepairError as exc:
        return [f"could not parse the call as JSON ({exc}): {snippet}."]
    objects = [v for value in values for v in (value if isinstance(value, list) else [value])]
    if not objects:
        return [f"no JSON object in {snippet}."]
    return [_call_from_object(obj, known_tools, snippet) for obj in objects]


def _call_from_object(obj: Any, known_tools: set[str] | None, snippet: str) -> ToolCall | str:
    if not isinstance(obj, dict):
        return f"expected a JSON object with name and arguments, got {type(obj).__name__}: {snippet}."
    function = obj.get("function")
    if isinstance(function, dict):  # OpenAI's {"type": "function", "function": {...}} shape
        obj = {**obj, **function}
    name = _call_name(obj)
    if not isinstance(name, str) or not name.strip():
        return f'the call has no "name": {snippet}.'
    arguments = _call_arguments(obj)
    if isinstance(arguments, str):
        return f"the arguments of {name!r} {arguments}: {snippet}."
    return _make_call(name.strip(), arguments, known_tools)


def call_from_native(
    name: str, arguments: Any, known_tools: set[str] | None, call_id: str | None = None
) -> ToolCall | str:
    """A call a server returned as structured ``tool_calls`` (arguments usually a JSON string), or an error."""
    described = _snippet(f"{name}({arguments})")
    if not name.strip():
        return f"a tool call came back without a name: {described}."
    parsed = _call_arguments({"arguments": arguments})
    if isinstance(parsed, str):
        return f"the arguments of {name!r} {parsed}: {described}."
    made = _make_call(name.strip(), parsed, known_tools)
    if isinstance(made, ToolCall) and call_id:
        made.id = call_id
    return made


def _call_from_xml(match: re.Match[str], known_tools: set[str] | None) -> ToolCall | str:
    arguments: dict[str, Any] = {}
    for parameter in _XML_PARAMETER.finditer(match.group(2)):
        raw = parameter.group(2).strip("\n")
        value: Any = raw
        if raw.strip()[:1] in ("{", "[") or raw.strip() in ("true", "false", "null"):
            try:
                value = loads_lenient(raw)
            except JSONRepairError:
                value = raw
        arguments[parameter.group(1)] = value
    return _make_call(match.group(1), arguments, known_tools)


def _make_call(name: str, arguments: dict[str, Any], known_tools: set[str] | None) -> ToolCall | str:
    resolved = name if known_tools is None else _resolve_name(name, known_tools)
    if resolved is None:
        available = ", ".join(sorted(known_tools or ())) or "none"
        return f"there is no tool named {name!r}; available tools: {available}."
    return ToolCall(id=new_call_id(), name=resolved, arguments=arguments)


def _call_name(obj: dict[str, Any]) -> Any:
    for key in _NAME_KEYS:
        value = obj.get(key)
        if isinstance(value, str):
            return value
    return None


def _call_arguments(obj: dict[str, Any]) -> dict[str, Any] | str:
    """The call's arguments as a dict, or a short description of why they are not usable."""
    value: Any = None
    for key in _ARGUMENT_KEYS:
        if key in obj:
            value = obj[key]
            break
    # Arguments sent as a JSON string, sometimes encoded twice or three times over.
    for _ in range(3):
        if not isinstance(value, str):
            break
        if not value.strip():
            return {}
        try:
            value = loads_lenient(value)
        except JSONRepairError as exc:
            return f"are a string that is not a JSON object ({exc})"
    if value is None:
        return {}
    if not isinstance(value, dict):
        return f"must be a JSON object, not {type(value).__name__}"
    return value


def _resolve_name(name: str, known_tools: set[str]) -> str | None:
    """Map a slightly wrong tool name onto a known one, or return None."""
    if name in known_tools:
        return name
    candidates = [name.rsplit(".", 1)[-1], name.strip("`'\" ")]
    half = len(name) // 2
    if len(name) % 2 == 0 and name[:half] == name[half:]:
        candidates.append(name[:half])  # a doubled name, e.g. "searchsearch"
    lowered = {tool.lower(): tool for tool in known_tools}
    for candidate in candidates:
        if candidate in known_tools:
            return candidate
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    return None


def _snippet(body: str, limit: int = 200) -> str:
    flat = " ".join(body.split())
    return repr(flat if len(flat) <= limit else flat[:limit] + "...")
