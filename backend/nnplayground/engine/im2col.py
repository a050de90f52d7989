"""im2col / col2im: turn a convolution into one matrix multiply (pooling shares the
padding and output-size helpers but needs no columns, see layers/pooling.py).

Layout choice (why it is fast): columns are ``(C*kh*kw, N*OH*OW)``.
* Building it is one strided-view reshape copy whose innermost loop runs along an image
  row, which is contiguous in both source and destination.
* ``W (F, C*kh*kw) @ cols`` is then ONE large GEMM for the whole batch (measured ~3x faster
  than N small per-sample GEMMs), and so are the two backward products.
* The result is (F, N, OH, OW) in memory; Conv2D hands it on as an (N, F, OH, OW)
  transposed view, so activations after a conv are stored channel-major ("CNHW") and the
  next conv's im2col reads them in memory order.  No transpose copy is ever made.
* col2im loops over the kh*kw kernel offsets (25 for a 5x5 kernel), each a vectorised
  slice-add over the whole batch, instead of over output pixels.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


class Workspace:
    """Scratch arrays a layer reuses from step to step.

    A fresh 30-50 MB array is mmap-ed by the allocator and page-faulted in on every step;
    measured, that costs several times the copy itself.  Only internal temporaries live
    here (columns, padded copies), never arrays handed to another layer.
    """

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(
        self, name: str, shape: tuple[int, ...], dtype: np.dtype, fill: float | None = None
    ) -> np.ndarray:
        """A reused array; ``fill`` is written only when the array is (re)created."""
        arr = self._arrays.get(name)
        if arr is None or arr.shape != shape or arr.dtype != dtype:
            arr = np.empty(shape, dtype) if fill is None else np.full(shape, fill, dtype)
            self._arrays[name] = arr
        return arr


def memory_order(a: np.ndarray) -> tuple[int, ...]:
    """a's axes from outermost to innermost in memory, when a has no gaps (then
    ``a.transpose(order)`` is C-contiguous); a's own order otherwise.  A conv's output is
    (1, 0, 2, 3), channel-major; the one-channel first conv's (2, 3, 0, 1), pixel-major."""
    order = tuple(sorted(range(a.ndim), key=lambda k: (-a.strides[k], k)))
    if a.transpose(order).flags.c_contiguous:
        return order
    return tuple(range(a.ndim))


def empty_in_order(shape: tuple[int, ...], order: tuple[int, ...], dtype: np.dtype
                   ) -> np.ndarray:
    """An empty array of logical ``shape`` stored with its axes in ``order``."""
    stored = np.empty([shape[k] for k in order], dtype)
    return stored.transpose(np.argsort(order))


def in_order(a: np.ndarray, order: tuple[int, ...]) -> np.ndarray:
    """a itself when stored in ``order``, else a copy that is: a layer whose state is in
    its input's order then streams over matching layouts."""
    if a.transpose(order).flags.c_contiguous:
        return a
    return np.ascontiguousarray(a.transpose(order)).transpose(np.argsort(order))


def out_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """Output length of a window sliding over ``size + 2*padding`` cells."""
    return (size + 2 * padding - kernel) // stride + 1


def pad_images(
    x: np.ndarray, padding: int, value: float = 0.0, ws: Workspace | None = None
) -> np.ndarray:
    """Pad H and W of an (N, C, H, W) batch (faster than np.pad).  With a workspace the
    border is filled once and reused: later calls only copy the interior."""
    if padding == 0:
        return x
    n, c, h, w = x.shape
    # Keep x's memory order (channel-major after a conv) so the copy streams.
    order = memory_order(x)
    shape = (n, c, h + 2 * padding, w + 2 * padding)
    stored = tuple(shape[k] for k in order)
    if ws is None:
        buf = np.zeros(stored, x.dtype) if value == 0 else np.full(stored, value, x.dtype)
    else:
        buf = ws.get(f"pad{value}{order}", stored, x.dtype, fill=value)
    out = buf.transpose(np.argsort(order))
    out[:, :, padding : padding + h, padding : padding + w] = x
    return out


def windows(x: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """Zero-copy read-only view (N, C, OH, OW, kh, kw) of every window of an already padded
    batch.  Built with as_strided directly: sliding_window_view's argument checks took
    4x as long (33 vs 143 us per call, measured under load), which single-image inference
    pays in every conv layer."""
    n, c, h, w = x.shape
    sn, sc, sh, sw = x.strides
    shape = (n, c, (h - kh) // stride + 1, (w - kw) // stride + 1, kh, kw)
    return as_strided(x, shape, (sn, sc, sh * stride, sw * stride, sh, sw), writeable=False)


def im2col(
    x: np.ndarray, kh: int, kw: int, stride: int, padding: int, ws: Workspace | None = None
) -> np.ndarray:
    """(N, C, H, W) -> (C*kh*kw, N*OH*OW), one copy (into the workspace when given)."""
    win = windows(pad_images(x, padding, ws=ws), kh, kw, stride)
    n, c, oh, ow = win.shape[:4]
    ordered = win.transpose(1, 4, 5, 0, 2, 3)
    if ws is None:
        return ordered.reshape(c * kh * kw, n * oh * ow)
    cols = ws.get("cols", (c * kh * kw, n * oh * ow), x.dtype)
    np.copyto(cols.reshape(ordered.shape), ordered)
    return cols


def col2im(
    cols: np.ndarray,
    input_shape: tuple[int, int, int, int],
    kh: int,
    kw: int,
    stride: int,
    padding: int,
) -> np.ndarray:
    """Adjoint of im2col: sum every column entry back onto the pixel it was copied from.

    Accumulates in a (C, N, H, W) buffer, the order the columns are stored in, and returns
    it as an (N, C, H, W) transposed view (callers only do elementwise work on it)."""
    n, c, h, w = input_shape
    oh, ow = out_size(h, kh, stride, padding), out_size(w, kw, stride, padding)
    blocks = cols.reshape(c, kh, kw, n, oh, ow)
    dxp = np.zeros((c, n, h + 2 * padding, w + 2 * padding), cols.dtype)
    row_end, col_end = stride * (oh - 1) + 1, stride * (ow - 1) + 1
    for i in range(kh):
        for j in range(kw):
            dxp[:, :, i : i + row_end : stride, j : j + col_end : stride] += blocks[:, i, j]
    if padding:
        dxp = dxp[:, :, padding : padding + h, padding : padding + w]
    return dxp.transpose(1, 0, 2, 3)
