"""A small PNG decoder (stdlib zlib only): 8-bit grey, grey+alpha, RGB, RGBA and palette
images, non-interlaced, all five scanline filters.  Anything else is refused with a
PngError naming what is unsupported (the route turns it into a 4xx)."""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # colour type -> samples per pixel
MAX_PIXELS = 2048 * 2048  # Average/Paeth rows are decoded in a Python loop


class PngError(ValueError):
    pass


def _chunks(data: bytes):
    pos = len(SIGNATURE)
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if len(body) != length:
            raise PngError("png: truncated chunk")
        yield kind, body
        pos += 12 + length
        if kind == b"IEND":
            return
    raise PngError("png: truncated file (no IEND chunk)")


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    out = np.zeros((height, stride), dtype=np.uint8)
    prev = np.zeros(stride, dtype=np.int32)
    pos = 0
    for y in range(height):
        kind = raw[pos]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=pos + 1).astype(np.int32)
        pos += stride + 1
        if kind == 0:
            cur = line
        elif kind == 2:  # Up: vectorised, no dependence within the row
            cur = (line + prev) & 0xFF
        elif kind == 1:  # Sub: a running sum per channel along the row
            cur = np.cumsum(line.reshape(-1, bpp), axis=0).reshape(-1) & 0xFF
        elif kind in (3, 4):  # Sub/Average/Paeth depend on the pixel to the left
            cur = line.copy()
            for i in range(stride):
                a = int(cur[i - bpp]) if i >= bpp else 0
                b = int(prev[i])
                if kind == 3:
                    pred = (a + b) >> 1
                else:
                    pred = _paeth(a, b, int(prev[i - bpp]) if i >= bpp else 0)
                cur[i] = (cur[i] + pred) & 0xFF
        else:
            raise PngError(f"png: unknown filter type {kind} on row {y}")
        out[y] = cur
        prev = cur
    return out


def decode_png(data: bytes) -> np.ndarray:
    """PNG bytes -> uint8 array (H, W, 4) RGBA."""
    if not data.startswith(SIGNATURE):
        raise PngError("png: not a PNG file (bad signature)")
    header = None
    palette = None
    trns = None
    idat = []
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"PLTE":
            palette = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3)
        elif kind == b"tRNS":
            trns = body
        elif kind == b"IDAT":
            idat.append(body)
    if header is None:
        raise PngError("png: missing IHDR chunk")
    width, height, depth, ctype, _, _, interlace = header
    if ctype not in CHANNELS:
        raise PngError(f"png: unknown colour type {ctype}")
    if depth != 8:
        raise PngError(f"png: bit depth {depth} is not supported (only 8-bit)")
    if interlace:
        raise PngError("png: interlaced images are not supported")
    if width == 0 or height == 0 or width * height > MAX_PIXELS:
        raise PngError(f"png: size {width}x{height} is out of range")
    channels = CHANNELS[ctype]
    stride = width * channels
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as exc:
        raise PngError(f"png: corrupt image data ({exc})") from None
    if len(raw) < height * (stride + 1):
        raise PngError("png: image data is shorter than the header says")
    px = _unfilter(raw, height, stride, channels).reshape(height, width, channels)
    rgba = np.full((height, width, 4), 255, dtype=np.uint8)
    if ctype == 3:
        if palette is None:
            raise PngError("png: palette image without PLTE chunk")
        idx = px[..., 0]
        if int(idx.max()) >= len(palette):
            raise PngError("png: palette index out of range")
        rgba[..., :3] = palette[idx]
        if trns:
            alpha = np.full(256, 255, dtype=np.uint8)
            alpha[:len(trns)] = np.frombuffer(trns, dtype=np.uint8)[:256]
            rgba[..., 3] = alpha[idx]
    elif ctype in (0, 4):
        rgba[..., :3] = px[..., :1]
        if ctype == 4:
            rgba[..., 3] = px[..., 1]
    else:
        rgba[..., :channels] = px
    return rgba
