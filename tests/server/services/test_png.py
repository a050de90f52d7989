"""The PNG decoder against PNGs encoded here (zlib + struct), every filter and colour type."""

from __future__ import annotations

import struct
import tracemalloc
import zlib

import numpy as np
import pytest

from nnplayground.server.services.png import PngError, decode_png

CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filter_row(kind: int, row: bytes, prev: bytes, bpp: int) -> bytes:
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = [0, a, b, (a + b) // 2, _paeth(a, b, c)][kind]
        out.append((x - pred) & 0xFF)
    return bytes([kind]) + bytes(out)


def encode(px: np.ndarray, ctype: int, filters: list[int], extra: bytes = b"",
           depth: int = 8, interlace: int = 0) -> bytes:
    h, w = px.shape[:2]
    bpp = CHANNELS[ctype]
    rows = px.reshape(h, w * bpp).astype(np.uint8)
    raw, prev = b"", bytes(w * bpp)
    for y in range(h):
        raw += _filter_row(filters[y % len(filters)], rows[y].tobytes(), prev, bpp)
        prev = rows[y].tobytes()
    head = struct.pack(">IIBBBBB", w, h, depth, ctype, 0, 0, interlace)
    data = zlib.compress(raw)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", head) + extra
            + _chunk(b"IDAT", data[:10]) + _chunk(b"IDAT", data[10:]) + _chunk(b"IEND", b""))


RNG = np.random.default_rng(0)


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("ctype", [0, 2, 4, 6])
def test_each_filter_and_colour_type(kind: int, ctype: int) -> None:
    px = RNG.integers(0, 256, (7, 9, CHANNELS[ctype]), dtype=np.uint8)
    rgba = decode_png(encode(px, ctype, [kind]))
    assert rgba.shape == (7, 9, 4)
    if ctype in (0, 4):
        assert (rgba[..., 0] == px[..., 0]).all() and (rgba[..., 2] == px[..., 0]).all()
        assert (rgba[..., 3] == (px[..., 1] if ctype == 4 else 255)).all()
    else:
        assert (rgba[..., :CHANNELS[ctype]] == px).all()


def test_mixed_filters_per_row() -> None:
    px = RNG.integers(0, 256, (10, 5, 4), dtype=np.uint8)
    assert (decode_png(encode(px, 6, [0, 1, 2, 3, 4])) == px).all()


def test_palette_with_transparency() -> None:
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 255, 0]], np.uint8)
    idx = RNG.integers(0, 3, (4, 6, 1), dtype=np.uint8)
    extra = _chunk(b"PLTE", palette.tobytes()) + _chunk(b"tRNS", bytes([0, 128]))
    rgba = decode_png(encode(idx, 3, [4], extra))
    assert (rgba[..., :3] == palette[idx[..., 0]]).all()
    assert (rgba[..., 3] == np.array([0, 128, 255])[idx[..., 0]]).all()


@pytest.mark.parametrize(("data", "words"), [
    (b"GIF89a", "signature"),
    (encode(np.zeros((2, 2, 1)), 0, [0], depth=16), "bit depth 16"),
    (encode(np.zeros((2, 2, 1)), 0, [0], interlace=1), "interlaced"),
    (encode(np.zeros((2, 2, 1)), 3, [0]), "PLTE"),
    (encode(np.zeros((2, 2, 1)), 0, [0])[:40], "truncated"),
])
def test_refuses_unsupported(data: bytes, words: str) -> None:
    with pytest.raises(PngError, match=words):
        decode_png(data)


def _png(head: bytes, idat: bytes) -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", head) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


@pytest.mark.parametrize("length", [0, 12, 14, 100])
def test_ihdr_of_the_wrong_length_is_refused(length: int) -> None:
    head = (struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0) + bytes(100))[:length]
    with pytest.raises(PngError, match="IHDR") as info:  # was struct.error -> a 500
        decode_png(_png(head, zlib.compress(bytes(6))))
    assert info.value.status == 422


def test_bomb_is_refused_while_inflating() -> None:
    """28x28 grey declared (812 bytes of scanlines); the data inflates to 256 MiB."""
    bomb = zlib.compress(bytes(256 << 20), 9)
    data = _png(struct.pack(">IIBBBBB", 28, 28, 8, 0, 0, 0, 0), bomb)
    assert len(data) < 300_000
    tracemalloc.start()
    with pytest.raises(PngError, match="inflates to more") as info:
        decode_png(data)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert info.value.status == 413
    assert peak < 8 * 2**20  # one bounded inflate step, not the 256 MiB


@pytest.mark.parametrize(("w", "h"), [(4096, 1), (1, 5000), (2048, 2049), (0, 5)])
def test_dimensions_are_capped_before_inflating(w: int, h: int) -> None:
    with pytest.raises(PngError, match="out of range"):
        decode_png(_png(struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0), b""))


def test_short_data_and_bad_filters_are_refused() -> None:
    head = struct.pack(">IIBBBBB", 3, 2, 8, 0, 0, 0, 0)
    with pytest.raises(PngError, match="shorter"):
        decode_png(_png(head, zlib.compress(bytes(5))))
    with pytest.raises(PngError, match="corrupt"):
        decode_png(_png(head, zlib.compress(b"\x07" + bytes(3) + b"\x00" + bytes(3))))
    with pytest.raises(PngError, match="corrupt"):
        decode_png(_png(head, b"not zlib at all"))


def test_large_paeth_image_is_decoded_exactly() -> None:
    """A Paeth-filtered 256x256 RGBA image (a Python loop cost ~20 s per 9 KB of these)."""
    px = RNG.integers(0, 256, (256, 256, 4), dtype=np.uint8)
    px[:, :128] = 200  # some runs, so the rows differ in how they compress
    assert (decode_png(encode(px, 6, [4, 3, 4, 1])) == px).all()
