"""Conv2D's fast path for a one-channel first layer (the first conv of SimpleConvNet on
MNIST): the same im2col + GEMM as conv.py, with the output stored pixel-major.

conv_fast.py stores a conv's output channel-major, (F, N, OH, OW) in memory.  A 2x2 max
pool over that reads every window offset as a view whose innermost axis strides by two
floats, and NumPy's loops over such views run several times slower than over contiguous
memory.  Here the output is (OH, OW, N, F) in memory (still handed on as an (N, F, OH, OW)
view): a window offset then selects whole (N, F) blocks, each contiguous, and the pool,
the ReLU after it and Flatten's copy all stream.  Measured on a 2-core AVX-512 VM, one core,
50 images (half of SimpleConvNet's batch), conv + pool + ReLU + Flatten, forward and
backward: 5.26 ms as conv_fast.py lays it out, 4.34 ms pixel-major with the bias added
and summed separately, and less again with the bias as a row of the GEMM (below).

With one input channel the columns are cheap to build in this order too: the input is
copied once, padded, to (Hp, Wp, N); for the kernel offset (i, j) and an output row a,
the column entries of all (ow, n) are then ONE contiguous run of OW*N numbers starting at
pixel (a+i, j).  So the columns of a few output rows (a chunk, CHUNK_BYTES as in
conv_fast.py) are one copy of a strided view, made while their product needs them and
kept for backward (one input channel: 25 + 1 rows, 3 MB a half batch of SimpleConvNet;
rebuilding them instead measured 1.025 of this, 22 pairs of whole steps), and

    y[a, ow, n, :]  = cols[:, (a, ow, n)]ᵀ @ [Wᵀ; b]        (cols carry a row of ones)
    [dWᵀ; db]       = cols @ g[(a, ow, n), :]

The row of ones folds the bias into the products: pixel-major, adding b and summing db
run across the short F axis (measured 0.23 and 0.53 ms a half batch), where inside the
GEMM they cost one more of K rows (26 instead of 25 for a 5x5 kernel).

Only for a first layer: the input gradient is never needed (backprop stops there), so
backward is dW and db alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .. import blas, parallel
from .conv_fast import CHUNK_BYTES, Scratch, _chunks, _parts

if TYPE_CHECKING:
    from .conv import Conv2D

# The memory order of this path's output, as im2col.memory_order names it.
PIXEL_MAJOR = (2, 3, 0, 1)


def applies(layer: Conv2D, x: np.ndarray) -> bool:
    """One input channel, stride 1, no input gradient wanted (a first layer), and layers
    after it that stream over any memory order (Layer.free_output_order).  Into a conv
    that reads one order only it lost: DeepConvNet's step 57.7 -> 60.7 ms, its second conv
    (then on the strip path) copying its input across the layout; the Winograd path reads
    any order, so it now takes that conv's input pixel-major."""
    return (x.ndim == 4 and x.shape[1] == 1 and layer.stride == 1
            and not layer.needs_input_grad and layer.free_output_order)


def _padded(layer: Conv2D, x: np.ndarray) -> np.ndarray:
    """x (N, 1, H, W) padded and stored (Hp, Wp, N)."""
    n, _, h, w = x.shape
    p = layer.padding
    xt = np.zeros((h + 2 * p, w + 2 * p, n), x.dtype)
    xt[p : p + h, p : p + w] = x[:, 0].transpose(1, 2, 0)
    return xt


def _runs(layer: Conv2D, xt: np.ndarray) -> np.ndarray:
    """The view (kh, kw, OH, OW*N): entry (i, j, a, ow*N + n) is xt[a+i, j+ow, n]."""
    (kh, kw), (_, oh, ow) = layer.kernel_size, layer.output_shape
    wp, n = xt.shape[1], xt.shape[2]
    item = xt.itemsize
    return np.ndarray((kh, kw, oh, ow * n), xt.dtype, xt, 0,
                      (wp * n * item, n * item, wp * n * item, item))


def _rows_per_chunk(layer: Conv2D, n: int, itemsize: int) -> int:
    (kh, kw), (_, _, ow) = layer.kernel_size, layer.output_shape
    return max(1, CHUNK_BYTES // ((kh * kw + 1) * ow * n * itemsize))


def _rows(layer: Conv2D, n: int, work: Callable[[int, int], None]) -> None:
    """work(s, e) over chunks of output rows, one range of rows per core."""
    rows = _rows_per_chunk(layer, n, layer.dtype.itemsize)

    def part(_: int, lo: int, hi: int) -> None:
        for s, e in _chunks(lo, hi, rows):
            work(s, e)

    parallel.split(part, layer.output_shape[1], parts=_parts(layer, n))


def forward(layer: Conv2D, x: np.ndarray, scratch: Scratch) -> tuple[np.ndarray, np.ndarray]:
    """The columns backward needs, (kh*kw + 1, OH, OW*N) with a last row of ones, and y
    (N, F, OH, OW) stored (OH, OW, N, F).  The columns are kept, not rebuilt in backward:
    made chunk by chunk, each is still in cache for its product (SimpleConvNet, one
    process: 3 MB a half batch)."""
    n = x.shape[0]
    f, oh, ow = layer.output_shape
    kh, kw = layer.kernel_size
    k = kh * kw
    weights = np.empty((k + 1, f), x.dtype)  # [Wᵀ; b]
    weights[:k] = layer.W.value.reshape(f, k).T
    weights[k] = layer.b.value
    runs = _runs(layer, _padded(layer, x))
    cols = scratch.part(0)[0].get("pixel_cols", (k + 1, oh, ow * n), x.dtype, fill=1)
    y = np.empty((oh, ow, n, f), x.dtype)

    def rows_out(s: int, e: int) -> None:
        cols[:k, s:e].reshape(kh, kw, e - s, ow * n)[...] = runs[:, :, s:e]
        a, out = cols[:, s:e].reshape(k + 1, -1).T, y[s:e].reshape(-1, f)
        for i, j in blas.small_blocks(len(a), (k + 1) * f):  # OpenBLAS's small kernels
            np.matmul(a[i:j], weights, out=out[i:j])

    _rows(layer, n, rows_out)
    return cols, y.transpose(PIXEL_MAJOR)


def backward(layer: Conv2D, cols: np.ndarray, grad: np.ndarray) -> None:
    """Fills layer.W.grad and layer.b.grad from forward's columns and grad (N, F, OH, OW)."""
    f, oh, ow = layer.output_shape
    k = layer.W.size // f
    # (OH, OW, N, F): free when grad came back in forward's order (pool, ReLU, Flatten keep it)
    g = np.ascontiguousarray(grad.transpose(PIXEL_MAJOR)).reshape(oh, -1, f)

    def rows_in(_: int, lo: int, hi: int) -> np.ndarray:
        a, b = cols[:, lo:hi].reshape(k + 1, -1), g[lo:hi].reshape(-1, f)
        total = np.zeros((k + 1, f), g.dtype)
        for i, j in blas.small_blocks(len(b), (k + 1) * f):  # OpenBLAS's small kernels
            total += a[:, i:j] @ b[i:j]
        return total

    parts = parallel.split(rows_in, oh, parts=_parts(layer, grad.shape[0]))
    total = sum(parts[1:], parts[0])
    layer.W.grad.reshape(f, k)[...] = total[:k].T
    layer.b.grad[...] = total[k]
