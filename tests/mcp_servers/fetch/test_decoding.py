"""Content-Encoding decoding: every coding fetch offers, stacked, in any piece size, bounded while it decodes."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib

import pytest

from mcp_servers.fetch import FetchError
from mcp_servers.fetch.decoding import MAX_LAYERS, STEP, BodyDecoder

TEXT = b"<p>Otters hold hands while they sleep.</p>\n" * 5000


def zeros_gzip(size: int) -> bytes:
    """One gzip member of ``size`` zero bytes, compressed a block at a time."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join([*parts, packer.flush()])


def decode_all(decoder: BodyDecoder, body: bytes, piece: int) -> bytes:
    out: list[bytes] = []
    for start in range(0, len(body), piece):
        for part in decoder.decode(body[start : start + piece]):
            assert len(part) <= STEP
            out.append(part)
    return b"".join(out)


BODIES = {
    "identity": TEXT,
    "gzip": gzip.compress(TEXT),
    "x-gzip": gzip.compress(TEXT),
    "deflate": zlib.compress(TEXT),
    "gzip, gzip": gzip.compress(gzip.compress(TEXT)),
    "deflate, gzip": gzip.compress(zlib.compress(TEXT)),
    "GZIP , identity": gzip.compress(TEXT),
}


@pytest.mark.parametrize("piece", [1, 7, 4096, 1 << 20])
@pytest.mark.parametrize("encoding", sorted(BODIES))
def test_every_offered_coding_decodes_to_the_text_in_any_piece_size(encoding: str, piece: int) -> None:
    assert decode_all(BodyDecoder(encoding, "http://x/"), BODIES[encoding], piece) == TEXT


@pytest.mark.parametrize("piece", [1, 3, 1 << 20])
def test_raw_deflate_and_several_gzip_members_decode_too(piece: int) -> None:
    raw_deflate = zlib.compress(TEXT)[2:-4]  # what some servers send as "deflate": no zlib header
    assert decode_all(BodyDecoder("deflate", "http://x/"), raw_deflate, piece) == TEXT
    members = gzip.compress(TEXT[:1000]) + gzip.compress(TEXT[1000:])
    assert decode_all(BodyDecoder("gzip", "http://x/"), members, piece) == TEXT


def test_bytes_after_the_end_of_the_stream_are_ignored() -> None:
    body = gzip.compress(TEXT) + b"trailing junk"
    assert decode_all(BodyDecoder("gzip", "http://x/"), body, 1 << 20) == TEXT


def test_a_stacked_bomb_is_decoded_one_step_at_a_time() -> None:
    # 64 MiB of zeros in two gzip layers is about 300 bytes: httpx would inflate a chunk of it whole.
    bomb = gzip.compress(zeros_gzip(64 << 20))
    assert len(bomb) < 1000
    decoder = BodyDecoder("gzip, gzip", "http://x/")
    cap = 1 << 20
    tracemalloc.start()
    try:
        decoded = 0
        for part in decoder.decode(bomb):
            assert len(part) <= STEP
            decoded += len(part)
            if decoded > cap:
                break
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert cap < decoded <= cap + STEP
    # Stopping at the cap stops the decoding: nothing near the 64 MiB was ever held.
    assert peak < 4 * STEP + 512 * 1024, peak


def test_a_corrupt_body_is_a_one_line_fetch_error() -> None:
    decoder = BodyDecoder("gzip", "http://x/page")
    with pytest.raises(FetchError) as info:
        list(decoder.decode(b"\x1f\x8b\x08\x00" + b"not gzip at all" * 10))
    message = str(info.value)
    assert message.startswith("could not decode http://x/page: its gzip body is corrupt")
    assert "\n" not in message


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, compress"])
def test_codings_fetch_does_not_offer_are_refused(encoding: str) -> None:
    with pytest.raises(FetchError, match=r"refused: http://x/ is sent with Content-Encoding .*gzip and deflate are"):
        BodyDecoder(encoding, "http://x/")


def test_more_stacked_layers_than_the_limit_are_refused() -> None:
    too_many = ", ".join(["gzip"] * (MAX_LAYERS + 1))
    with pytest.raises(FetchError, match=rf"{MAX_LAYERS + 1} stacked content encodings .* at most {MAX_LAYERS}"):
        BodyDecoder(too_many, "http://x/")
