"""Conv2D's fast path: the same im2col + GEMM as conv.py, a few images at a time, on
every core at once.

Why it is faster (DeepConvNet's 16->16 conv on 28x28, batch 100, 2 cores): the reference
path writes the whole batch's column matrix (45 MB) to memory and the GEMM reads it back;
at the ~6 GB/s one core copies here that traffic alone is most of the layer.  A chunk of a
few images' columns (CHUNK_BYTES) stays in the cache between the copy that makes it and
the GEMM that reads it, and each core works on its own half of the batch
(parallel.split), so the copies, which NumPy runs on one core, run on two.

Backward does not keep the columns from forward (that is the memory traffic again, and
45 MB per layer): it keeps the input and rebuilds each chunk's columns in cache.  The
math, chunk by chunk, is the reference path's:

    y[:, chunk]  = W @ cols(x[chunk]) + b
    dW           = sum over chunks of (cols(x[chunk]) @ g[:, chunk].T).T
    dx[chunk]    = full convolution of g[chunk] with the rotated kernel   (stride 1)
                   or col2im(W.T @ g[:, chunk])                           (otherwise)

With stride 1 and dx wanted, dW comes from the gradient's columns that dx builds anyway
(_full_conv_part), so backward builds no columns of x: DeepConvNet's conv backward 88 ->
78 ms a step, interleaved A/B.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import blas, parallel
from ..im2col import Workspace, col2im, im2col

if TYPE_CHECKING:
    from .conv import Conv2D

# Column bytes per chunk.  Measured forward+backward of DeepConvNet's convs (batch 100,
# 2 cores): 1 MiB ... 8 MiB were within a few percent, 45 MiB (no chunking) was not.  A
# DeepConvNet step of 50 images on one core, interleaved, 0.25 / 0.5 / 1 / 2 / 4 MiB: Zen 4
# VM (1 MiB L2) 57.5 / 55.0 / 53.3 / 52.9 / 59.1 ms; Intel AVX-512 VM (2 MiB L2, a slower
# L3) 0.5 / 1 / 2 MiB: 55.2-55.8 / 56.7-58.1 / 61.8-63.8 ms.  1 MiB is within 1 % and 4 %
# of the best on each.
CHUNK_BYTES = 1 << 20
# Multiply-adds below which a batch is not split over the cores (single images: handing a
# part to another core costs more than the whole product).
MIN_WORK = blas.SMALL_GEMM


def chunk_images(rows: int, pixels: int, itemsize: int) -> int:
    """Images per chunk so that a chunk's (rows, images * pixels) columns fit CHUNK_BYTES."""
    return max(1, CHUNK_BYTES // max(1, rows * pixels * itemsize))


def one_chunk(layer: Conv2D, x: np.ndarray) -> bool:
    """Whether x's columns fit in one chunk (so scratch for them stays small)."""
    _, oh, ow = layer.output_shape
    return x.shape[0] <= chunk_images(layer.W.size // layer.filters, oh * ow, x.dtype.itemsize)


class Scratch:
    """One pair of workspaces per worker: forward columns, gradient columns."""

    def __init__(self) -> None:
        self.parts: list[tuple[Workspace, Workspace]] = []

    def part(self, i: int) -> tuple[Workspace, Workspace]:
        while len(self.parts) <= i:
            self.parts.append((Workspace(), Workspace()))
        return self.parts[i]


def _chunks(lo: int, hi: int, size: int):
    for s in range(lo, hi, size):
        yield s, min(s + size, hi)


def strip_columns(
    x: np.ndarray, kh: int, kw: int, padding: int, ws: Workspace | None, ones: bool = False
) -> tuple[np.ndarray, int]:
    """Stride-1 columns laid out on the padded width: (C*kh*kw, N*OH*Wp) and Wp.

    Column (n, oh, w) holds the window whose top-left corner is padded pixel (oh, w); the
    last Wp - OW columns of every output row are junk (their windows run off the right
    edge into the next row).  The point: for a kernel offset (i, j), the row of every
    channel is one contiguous run of the padded image, shifted by i*Wp + j, so building
    the columns is kh*kw long memcpy-speed copies instead of im2col's copies of OW-wide
    rows (measured on DeepConvNet's convs: 4x faster for 8-wide rows, 2.6x for 28-wide).
    The junk costs (Wp/OW - 1) more GEMM columns: 7 % at 28x28, 25 % at 8x8.  With
    ``ones`` the columns get a last row of ones, so that [W | b] @ cols adds the bias
    inside the product (DeepConvNet: a separate pass over each output took 1.4 ms of a
    half batch's 57)."""
    n, c, h, w = x.shape
    hp, wp = h + 2 * padding, w + 2 * padding
    oh = hp - kh + 1
    # One spare zero row: the last output row's junk windows read into it, not past the end.
    shape = (c, n, hp + 1, wp)
    buf = np.zeros(shape, x.dtype) if ws is None else ws.get("strip", shape, x.dtype, fill=0)
    buf[:, :, padding : padding + h, padding : padding + w] = x.transpose(1, 0, 2, 3)
    flat = buf.reshape(c, n, -1)
    k = c * kh * kw
    shape = (k + ones, n * oh * wp)
    if ws is None:
        cols = np.ones(shape, x.dtype) if ones else np.empty(shape, x.dtype)
    else:  # the row of ones is written once, when the array is made
        cols = ws.get(f"strip_cols{int(ones)}", shape, x.dtype, fill=1 if ones else None)
    np.copyto(cols[:k].reshape(c, kh, kw, n, oh * wp), strip_runs(flat, kh, kw, oh, wp))
    return cols, wp


def strip_runs(flat: np.ndarray, kh: int, kw: int, oh: int, wp: int) -> np.ndarray:
    """Every kernel offset's run of a padded (C, N, (Hp+1)*Wp) buffer in one view
    (C, kh, kw, N, OH*Wp): offset (i, j) starts i*Wp + j into each image.  Copying it is
    one NumPy call instead of kh*kw: with two parts at once each call is a chance to wait
    for the GIL, and each wait sleeps the core.  9 calls -> 1 cut DeepConvNet's conv
    forward + backward 58 -> 53 ms a step, measured on a Zen 5 VM.  (np.ndarray over the
    buffer, not as_strided: 1.1 against 4.6 us of Python, and it checks that every run
    stays inside the buffer.)"""
    c, n, _ = flat.shape
    item = flat.itemsize
    return np.ndarray((c, kh, kw, n, oh * wp), flat.dtype, flat, 0,
                      (flat.strides[0], wp * item, item, flat.strides[1], item))


def uses_strips(layer: Conv2D, channels: int) -> bool:
    """Stride 1 and more column rows than filters by 2x or more: the strip layout saves on
    the (C*kh*kw)-row copies but adds copies of F rows (junk columns out of the product,
    the gradient onto the grid).  Measured: DeepConvNet's 16->16 3x3 conv (144 rows, 16
    filters) gained, SimpleConvNet's 1->30 5x5 conv (25 rows, 30 filters) lost 2x."""
    kh, kw = layer.kernel_size
    return layer.stride == 1 and channels * kh * kw >= 2 * layer.filters


def _columns(layer: Conv2D, x: np.ndarray, ws: Workspace | None) -> tuple[np.ndarray, int]:
    """x's columns and their row width: the strip layout where it pays, else im2col's."""
    kh, kw = layer.kernel_size
    if uses_strips(layer, x.shape[1]):
        return strip_columns(x, kh, kw, layer.padding, ws)
    return im2col(x, kh, kw, layer.stride, layer.padding, ws), layer.output_shape[2]


def _product(a: np.ndarray, cols: np.ndarray, width: int, rows: int, cols_out: int,
             out: np.ndarray, ws: Workspace | None) -> None:
    """out (R, n*rows*cols_out) = a @ cols, dropping the junk columns of a strip layout."""
    if width == cols_out:
        np.matmul(a, cols, out=out)
        return
    shape = (a.shape[0], cols.shape[1])
    full = np.empty(shape, cols.dtype) if ws is None else ws.get("product", shape, cols.dtype)
    np.matmul(a, cols, out=full)
    r = a.shape[0]
    out.reshape(r, -1, rows, cols_out)[...] = full.reshape(r, -1, rows, width)[..., :cols_out]


def _on_strip(g: np.ndarray, n: int, oh: int, ow: int, width: int,
              ws: Workspace | None) -> np.ndarray:
    """g (F, n*OH*OW) on the strip grid (F, n*OH*width), zeros in the junk columns (so
    that they add nothing to dW).  Also lays x on the gradient columns' grid (backward)."""
    if width == ow:
        return g
    f = g.shape[0]
    shape = (f, n * oh * width)
    grid = np.zeros(shape, g.dtype) if ws is None else ws.get("g_strip", shape, g.dtype, fill=0)
    grid.reshape(f, n, oh, width)[..., :ow] = g.reshape(f, n, oh, ow)
    return grid


def _row_sums(g: np.ndarray) -> np.ndarray:
    """g's row sums as one matrix-vector product: DeepConvNet's half-batch gradients,
    (F, N*OH*OW), 0.30 ms with sum(axis=1), 0.07 ms so (and 1.3 ms summed chunk by chunk)."""
    return g @ np.ones(g.shape[1], g.dtype)


def _parts(layer: Conv2D, n: int) -> int | None:
    """One part below MIN_WORK multiply-adds, else one per core."""
    _, oh, ow = layer.output_shape
    return 1 if layer.W.size * n * oh * ow < MIN_WORK else None


def forward(layer: Conv2D, x: np.ndarray, scratch: Scratch | None) -> np.ndarray:
    """(N, C, H, W) -> (F, N*OH*OW), the reference path's GEMM output layout."""
    f, oh, ow = layer.output_shape
    w2 = layer.W.value.reshape(f, -1)
    n, pixels = x.shape[0], oh * ow
    size = chunk_images(w2.shape[1], pixels, x.dtype.itemsize)
    y = np.empty((f, n * pixels), x.dtype)

    def part(i: int, lo: int, hi: int) -> None:
        ws = scratch.part(i)[0] if scratch is not None else Workspace()
        for s, e in _chunks(lo, hi, size):
            # A short last chunk gets its own arrays: reshaping the reused ones would thrash.
            chunk_ws = ws if e - s == size or s == lo else None
            out = y[:, s * pixels : e * pixels]
            if strips:  # the bias inside the product (strip_columns' row of ones)
                cols, width = strip_columns(x[s:e], kh, kw, layer.padding, chunk_ws, ones=True)
                _product(w_bias, cols, width, oh, ow, out, chunk_ws)
                continue
            cols, width = _columns(layer, x[s:e], chunk_ws)
            _product(w2, cols, width, oh, ow, out, chunk_ws)
            out += bias  # while the chunk is in cache, on its own core

    bias = layer.b.value[:, None]
    kh, kw = layer.kernel_size
    strips = uses_strips(layer, x.shape[1])
    w_bias = np.concatenate([w2, bias], axis=1) if strips else None  # [W | b]
    parallel.split(part, n, parts=_parts(layer, n))
    return y


def backward(
    layer: Conv2D, x: np.ndarray, grad: np.ndarray, scratch: Scratch, input_grad: bool
) -> np.ndarray | None:
    """Fills layer.W.grad and layer.b.grad; returns dx (N, C, H, W) or None."""
    f, oh, ow = layer.output_shape
    n, c, h, w = x.shape
    kh, kw = layer.kernel_size
    pixels = oh * ow
    w2 = layer.W.value.reshape(f, -1)
    g = grad.transpose(1, 0, 2, 3).reshape(f, -1)  # free when grad is channel-major
    full_conv = layer.uses_full_conv(c)
    if full_conv:  # dx = conv(g padded by k-1-p, rotated kernel with channels swapped)
        w_in = layer.W.value[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(c, -1)
    dx = np.empty((c, n * h * w), x.dtype) if input_grad else None  # channel-major
    size = chunk_images(w2.shape[1], pixels, x.dtype.itemsize)

    # dx's own chunks: its columns have F*kh*kw rows, not C*kh*kw.  Sized by x's rows, the
    # 16->32 conv's gradient columns (288 rows, 18 images) spilled out of cache: 6.7-9.4
    # against 4.1-4.7 ms a half batch (DeepConvNet's third conv, one core).
    g_size = chunk_images(f * kh * kw, h * w, x.dtype.itemsize) if full_conv else size
    q = kh - 1 - layer.padding  # the gradient's padding in the full convolution

    def part(i: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        ws_x, ws_g = scratch.part(i)
        if full_conv and dx is not None:
            return _full_conv_part(layer, x, grad, g, dx, w_in, lo, hi, g_size, q,
                                   ws_x, ws_g)
        db = np.zeros(f, x.dtype)
        dw_t = np.zeros((w2.shape[1], f), x.dtype)
        term = ws_g.get("dw", dw_t.shape, x.dtype)
        for s, e in _chunks(lo, hi, size):
            whole = e - s == size or s == lo  # a short last chunk: see forward
            g_part = g[:, s * pixels : e * pixels]
            cols, width = _columns(layer, x[s:e], ws_x if whole else None)
            g_grid = _on_strip(g_part, e - s, oh, ow, width, ws_g if whole else None)
            np.matmul(cols, g_grid.T, out=term)  # this orientation: see conv.py
            dw_t += term
        db += _row_sums(g[:, lo * pixels : hi * pixels])
        if dx is None:
            return dw_t.T, db
        for s, e in _chunks(lo, hi, size):  # not stride 1: col2im
            part_dx = col2im(w2.T @ g[:, s * pixels : e * pixels], (e - s, c, h, w), kh,
                             kw, layer.stride, layer.padding)
            dx[:, s * h * w : e * h * w] = part_dx.transpose(1, 0, 2, 3).reshape(c, -1)
        return dw_t.T, db

    dw_parts, db_parts = zip(*parallel.split(part, n, parts=_parts(layer, n)), strict=True)
    layer.W.grad.reshape(f, -1)[...] = sum(dw_parts[1:], dw_parts[0])
    layer.b.grad[...] = sum(db_parts[1:], db_parts[0])
    return None if dx is None else dx.reshape(c, n, h, w).transpose(1, 0, 2, 3)


def _full_conv_part(layer: Conv2D, x: np.ndarray, grad: np.ndarray, g: np.ndarray,
                    dx: np.ndarray, w_in: np.ndarray, lo: int, hi: int, size: int, q: int,
                    ws_x: Workspace, ws_g: Workspace) -> tuple[np.ndarray, np.ndarray]:
    """Images lo..hi of a stride-1 backward, dW and dx from one set of columns: those of
    the gradient padded by q = k-1-p, in the strip layout on x's own grid (H rows of
    W+k-1).  Row (f, i', j'), column (n, s, t) holds g_q[f, s+i', t+j'], so

        dx[c, s, t]              = sum over (f, i', j') of W[f, c, k-1-i', k-1-j'] * row
        dW[f, c, k-1-i', k-1-j'] = sum over (n, s, t) of row * x[c, s, t]

    (the second: y's window at (a, b) reads x at (a+i-p, b+j-p); put s = a+i-p).  So
    dW needs no columns of x at all, only x on that grid, zeros in the junk columns."""
    f, oh, ow = layer.output_shape
    _, c, h, w = x.shape
    k = layer.kernel_size[0]
    dw_rot, db = np.zeros((f * k * k, c), x.dtype), np.zeros(f, x.dtype)
    term = ws_g.get("dw_rot", dw_rot.shape, x.dtype)
    for s, e in _chunks(lo, hi, size):
        ws = ws_g if e - s == size or s == lo else None
        gcols, width = strip_columns(grad[s:e], k, k, q, ws)
        _product(w_in, gcols, width, h, w, dx[:, s * h * w : e * h * w], ws)
        x_grid = _on_strip(x[s:e].transpose(1, 0, 2, 3).reshape(c, -1), e - s, h, w, width,
                           ws_x if ws is not None else None)  # zeros in the junk columns
        np.matmul(gcols, x_grid.T, out=term)
        dw_rot += term
    db += _row_sums(g[:, lo * oh * ow : hi * oh * ow])
    dw = dw_rot.reshape(f, k, k, c)[:, ::-1, ::-1].transpose(0, 3, 1, 2)
    return dw.reshape(f, -1), db
