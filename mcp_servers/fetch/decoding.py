"""Content-Encoding decoding whose output is bounded while it is produced, layer by layer.

httpx decodes each network chunk whole before a caller can count it, so a 1,827-byte body sent as
``Content-Encoding: gzip, gzip`` grows to a gigabyte before any byte cap sees it. Here every layer is a
``zlib.decompressobj`` asked for at most ``STEP`` bytes at a time (``max_length``), and its unread input
waits in ``unconsumed_tail``: whatever the ratio, no layer ever holds more than one step of output, so
the caller's cap on decoded bytes trips after at most one step past it.

Stacked encodings are decoded (some servers really do send ``gzip, gzip``), up to ``MAX_LAYERS``; more
layers than that, or a coding other than gzip/deflate/identity, are refused with a one-line reason.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from mcp_servers.fetch.errors import FetchError

# The most bytes one layer hands on per call: small enough to bound memory, big enough to stay fast.
STEP = 64 * 1024
# No real server stacks more than two; each layer costs a zlib window (32 KiB) plus one step.
MAX_LAYERS = 3
# What fetch asks for (httpx would also offer br/zstd when those packages happen to be installed).
ACCEPT_ENCODING = "gzip, deflate"
_GZIP_MAGIC = b"\x1f\x8b"
_IDENTITY = frozenset({"", "identity"})
_GZIP = frozenset({"gzip", "x-gzip"})


def _looks_like_zlib(head: bytes) -> bool:
    """True when ``head`` starts with a zlib (RFC 1950) header; "deflate" bodies are often raw RFC 1951."""
    return len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] << 8 | head[1]) % 31 == 0


class _Layer:
    """One gzip or deflate layer, fed input piece by piece, giving output at most STEP bytes at a time."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._gzip = coding in _GZIP
        self._z: zlib._Decompress | None = None
        self._carry = b""  # the first byte of a next gzip member whose second byte has not come yet
        self._finished = False  # the stream ended; anything after it is trailing bytes, ignored as httpx does

    def feed(self, data: bytes) -> Iterator[bytes]:
        pending = self._carry + data
        self._carry = b""
        more = False  # zlib filled a whole step, so it may hold more output for input it has consumed
        while (pending or more) and not self._finished:
            if self._z is None:
                if not self._gzip and len(pending) < 2:
                    self._carry = pending  # a zlib header is two bytes: wait for the second
                    return
                wbits = zlib.MAX_WBITS | 16 if self._gzip else zlib.MAX_WBITS if _looks_like_zlib(pending) else -15
                self._z = zlib.decompressobj(wbits)
            out = self._z.decompress(pending, STEP)
            pending = self._z.unconsumed_tail
            more = len(out) == STEP
            if out:
                yield out
            if self._z.eof:
                # A gzip body may be several members one after another (RFC 1952 2.2); deflate ends here.
                # At the end of a stream zlib puts the input after it in unused_data (and the same bytes
                # in unconsumed_tail), so unused_data alone is the rest.
                rest, self._z, more = self._z.unused_data, None, False
                if self._gzip and len(rest) < 2 and _GZIP_MAGIC.startswith(rest):
                    self._carry, pending = rest, b""
                elif self._gzip and rest.startswith(_GZIP_MAGIC):
                    pending = rest
                else:
                    self._finished = True


class BodyDecoder:
    """Decodes a body sent with ``content_encoding``; ``decode`` yields pieces of at most STEP bytes each."""

    def __init__(self, content_encoding: str, url: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c not in _IDENTITY]
        unknown = sorted({c for c in codings if c not in _GZIP and c != "deflate"})
        if unknown:
            raise FetchError(
                f"refused: {url} is sent with Content-Encoding {', '.join(unknown)}, "
                "which fetch cannot decode (gzip and deflate are)"
            )
        if len(codings) > MAX_LAYERS:
            raise FetchError(
                f"refused: {url} is sent with {len(codings)} stacked content encodings "
                f"({content_encoding.strip()}); fetch decodes at most {MAX_LAYERS}"
            )
        self.url = url
        # Codings are listed in the order they were applied, so the last one comes off first.
        self._layers = [_Layer(c) for c in reversed(codings)]

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The decoded bytes of the next piece of the body; raises FetchError when the body is not what it says."""
        if not self._layers:
            for start in range(0, len(data), STEP):
                yield data[start : start + STEP]
            return
        try:
            yield from self._through(0, data)
        except zlib.error as exc:
            codings = ", ".join(layer.coding for layer in reversed(self._layers))
            raise FetchError(f"could not decode {self.url}: its {codings} body is corrupt ({exc})") from None

    def _through(self, index: int, data: bytes) -> Iterator[bytes]:
        if index == len(self._layers):
            yield data
            return
        for piece in self._layers[index].feed(data):
            yield from self._through(index + 1, piece)
