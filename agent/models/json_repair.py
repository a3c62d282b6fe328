"""Lenient JSON for what small models write when they mean JSON.

Small models (Qwen, Hermes and SmolLM-class) emit near-JSON: Python literals (single quotes, True/None),
trailing commas, unquoted keys, raw newlines inside strings, a missing closing brace when generation
stops, or one closing brace too many. ``loads_lenient`` accepts all of these without ever rewriting the
inside of a string (blanket quote replacement corrupts apostrophes such as "what's").

Kept instead of the ``json-repair`` package (0.64.6), measured on our cases: with its ``repair_json`` in
place of ours, the 47-case tool-call corpus (tests/agent/models/fixtures/tool_call_corpus.jsonl) passes
46/47 instead of 47/47, and 2 of the 4 hopeless inputs of test_json_repair.py are accepted instead of
refused (``{"a": : }`` becomes ``{"a": ""}``; prose after a value is dropped silently). A call we cannot
read must go back to the model as an error, not run with invented arguments. Both pass the 15 near-JSON
cases.
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"^\s*```[A-Za-z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
_LITERALS = {"True": "true", "False": "false", "None": "null", "true": "true", "false": "false", "null": "null"}
_CLOSERS = {"{": "}", "[": "]"}


class JSONRepairError(ValueError):
    """The text is not JSON even after repair; the message says why in a few words."""


def strip_code_fence(text: str) -> str:
    """Remove one Markdown code fence (```json ... ```) around ``text``, if there is one."""
    match = _FENCE.match(text)
    return match.group(1) if match else text


def loads_lenient(text: str) -> Any:
    """Parse JSON, repairing the near-JSON mistakes small models make; raise JSONRepairError if hopeless.

    Text after the first complete value is ignored when it is only stray closing brackets or commas
    (a common off-by-one brace); any other trailing text is an error, so two values glued together are
    not silently truncated to the first.
    """
    candidate = strip_code_fence(text).strip()
    if not candidate:
        raise JSONRepairError("empty")
    try:
        return json.loads(candidate)
    except ValueError:
        pass
    repaired = repair_json(candidate)
    try:
        value, end = json.JSONDecoder(strict=False).raw_decode(repaired)
    except ValueError as exc:
        raise JSONRepairError(_describe(exc)) from None
    rest = repaired[end:].strip()
    if rest and rest.strip("}], \n\t"):
        raise JSONRepairError(f"unexpected text after the JSON value: {rest[:40]!r}")
    return value


def iter_json_values(text: str) -> list[Any]:
    """Parse several JSON values written one after another (``{...}\\n{...}`` or ``{...}{...}``).

    Text after the last value that does not start another one is ignored.
    """
    values: list[Any] = []
    decoder = json.JSONDecoder(strict=False)
    rest = strip_code_fence(text).strip()
    while rest:
        try:
            value, end = decoder.raw_decode(rest)
        except ValueError:
            # Not plain JSON from here: repair the remainder and read on in the repaired text.
            rest = repair_json(rest)
            try:
                value, end = decoder.raw_decode(rest)
            except ValueError as exc:
                raise JSONRepairError(_describe(exc)) from None
        values.append(value)
        rest = rest[end:].lstrip(" \t\r\n,")
        if not rest.startswith(("{", "[")):
            break  # stray closers or prose after the values: the values are what was meant
    return values


def repair_json(text: str) -> str:
    """Rewrite near-JSON into JSON: quote keys and single-quoted strings, map Python literals,
    drop trailing commas, close unterminated strings and brackets. Strings keep their content."""
    out: list[str] = []
    stack: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in "\"'":
            _insert_missing_comma(out, stack)
            content, i = _read_string(text, i)
            out.append(json.dumps(content, ensure_ascii=False))
            continue
        if char in "{[":
            _insert_missing_comma(out, stack)
            stack.append(_CLOSERS[char])
            out.append(char)
        elif char in "}]":
            _drop_trailing_comma(out)
            if not stack:
                out.append(text[i:])  # stray closers: left for the caller to judge
                break
            # A mismatched closer means the model dropped one; close what is open up to it.
            while stack and stack[-1] != char:
                out.append(stack.pop())
            if stack:
                out.append(stack.pop())
        elif char.isdigit() or (char == "-" and text[i + 1 : i + 2].isdigit()):
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in ".+-"):
                j += 1
            _insert_missing_comma(out, stack)
            out.append(text[i:j])
            i = j
            continue
        elif char.isalpha() or char == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_-$"):
                j += 1
            word = text[i:j]
            _insert_missing_comma(out, stack)
            if word in _LITERALS:
                out.append(_LITERALS[word])
            elif _next_non_space(text, j) == ":":
                out.append(json.dumps(word))  # an unquoted key
            else:
                # An unquoted string value: it runs to the next delimiter.
                j = i
                while j < n and text[j] not in ",}]\n":
                    j += 1
                out.append(json.dumps(text[i:j].strip(), ensure_ascii=False))
            i = j
            continue
        else:
            out.append(char)
        i += 1
    _drop_trailing_comma(out)
    while stack:
        out.append(stack.pop())
    return "".join(out)


def _read_string(text: str, start: int) -> tuple[str, int]:
    """Read a quoted string starting at ``start``; return its decoded content and the index after it.

    An unterminated string runs to the end of the text (generation was cut off).
    """
    quote = text[start]
    chars: list[str] = []
    i, n = start + 1, len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "u" and i + 6 <= n and re.fullmatch(r"[0-9a-fA-F]{4}", text[i + 2 : i + 6]):
                chars.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            chars.append({"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}.get(nxt, nxt))
            i += 2
            continue
        if char == quote:
            return "".join(chars), i + 1
        chars.append(char)
        i += 1
    return "".join(chars), n


def _insert_missing_comma(out: list[str], stack: list[str]) -> None:
    """Add the comma a model left out between two values (``"a": 1 "b": 2``)."""
    if not stack:
        return
    last = _last_significant(out)
    if last and (last in '"}]' or last.isalnum()):
        out.append(",")


def _last_significant(out: list[str]) -> str:
    for piece in reversed(out):
        stripped = piece.rstrip()
        if stripped:
            return stripped[-1]
    return ""


def _next_non_space(text: str, index: int) -> str:
    while index < len(text) and text[index].isspace():
        index += 1
    return text[index] if index < len(text) else ""


def _drop_trailing_comma(out: list[str]) -> None:
    """Remove a comma (and the whitespace after it) at the end of the output so far."""
    j = len(out) - 1
    while j >= 0 and out[j].isspace():
        j -= 1
    if j >= 0 and out[j] == ",":
        del out[j:]


def _describe(exc: ValueError) -> str:
    message = getattr(exc, "msg", None) or str(exc)
    pos = getattr(exc, "pos", None)
    return f"{message} at character {pos}" if pos is not None else message
