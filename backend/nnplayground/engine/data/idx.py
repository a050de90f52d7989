"""Reading IDX files, the container format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number, one big-endian uint32 size per dimension, then the data
in C order.  The magic is ``0x00 0x00 <type> <ndim>``; MNIST images are 0x00000803 (2051: uint8,
3 dims) and labels 0x00000801 (2049: uint8, 1 dim).  Files may be gzip-compressed (the usual
``.gz`` downloads) or raw; we tell them apart by the gzip signature, not by the file name.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

__all__ = ["DatasetError", "IDX_TYPES", "parse_idx", "read_idx", "read_idx_bytes"]

# IDX type byte -> big-endian NumPy dtype (from the format's definition on the MNIST page).
IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

_GZIP_SIGNATURE = b"\x1f\x8b"


class DatasetError(ValueError):
    """A dataset file is missing, corrupt or not what it claims to be; the message names it."""


def read_idx_bytes(path: str | Path) -> bytes:
    """The decompressed bytes of an IDX file (gzip or raw)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"dataset file is missing: {path}") from None
    except OSError as exc:
        raise DatasetError(f"cannot read dataset file {path}: {exc}") from exc
    if raw[:2] != _GZIP_SIGNATURE:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        # A truncated or bit-flipped .gz fails here, before any hash check could run.
        raise DatasetError(f"dataset file {path} is not a valid gzip file ({exc})") from exc


def parse_idx(data: bytes, name: str = "<bytes>", expected_ndim: int | None = None) -> np.ndarray:
    """Decode IDX bytes into an array in native byte order.

    ``name`` only labels error messages.  The data region must hold exactly the number of
    items the header announces: fewer bytes means truncation, more means a wrong header.
    The result is read-only because it may be shared through caches.
    """
    if len(data) < 4:
        raise DatasetError(f"{name}: too short for an IDX header ({len(data)} bytes)")
    zero1, zero2, type_code, ndim = data[0], data[1], data[2], data[3]
    magic = int.from_bytes(data[:4], "big")
    if zero1 != 0 or zero2 != 0 or type_code not in IDX_TYPES:
        raise DatasetError(f"{name}: bad IDX magic number 0x{magic:08x} (not an IDX file)")
    if ndim == 0:
        raise DatasetError(f"{name}: IDX header declares 0 dimensions")
    if expected_ndim is not None and ndim != expected_ndim:
        raise DatasetError(
            f"{name}: expected a {expected_ndim}-dimensional IDX file, header says {ndim} "
            f"(magic 0x{magic:08x})"
        )
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise DatasetError(f"{name}: truncated IDX header ({len(data)} of {header_len} bytes)")
    shape = tuple(int(s) for s in np.frombuffer(data, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    actual = len(data) - header_len
    if actual < expected:
        raise DatasetError(
            f"{name}: truncated: header promises shape {shape} ({expected} data bytes), "
            f"file has {actual}"
        )
    if actual > expected:
        raise DatasetError(
            f"{name}: {actual - expected} unexpected trailing bytes after shape {shape}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(shape)
    if dtype.itemsize > 1:
        # Multi-byte IDX data is big-endian; convert once so callers get native arrays.
        array = array.astype(dtype.newbyteorder("="))
    array.flags.writeable = False
    return array


def read_idx(path: str | Path, expected_ndim: int | None = None) -> np.ndarray:
    """Read one IDX file (gzip or raw) into a read-only array."""
    return parse_idx(read_idx_bytes(path), name=str(path), expected_ndim=expected_ndim)
