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
conv_fast.py) are one copy of a strided view, and

    y[a, ow, n, :]  = cols[:, (a, ow, n)]ᵀ @ [Wᵀ; b]        (cols carry a row of ones)
    [dWᵀ; db]       = Σ over chunks of cols @ g[(a, ow, n), :]

The row of ones folds the bias into the products: pixel-major, adding b and summing db
run across the short F axis (measured 0.23 and 0.53 ms a half batch), where inside the
GEMM they cost one more of K rows (26 instead of 25 for a 5x5 kernel).

Only for a first layer: the input gradient is never needed (backprop stops there), so
backward is dW and db alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import parallel
from ..im2col import Workspace
from .conv_fast import CHUNK_BYTES, Scratch, _chunks, _parts

if TYPE_CHECKING:
    from .conv import Conv2D

# The memory order of this path's output, as im2col.memory_order names it.
PIXEL_MAJOR = (2, 3, 0, 1)


def applies(layer: Conv2D, x: np.ndarray) -> bool:
    """One input channel, stride 1, no input gradient wanted (a first layer), and layers
    after it that stream over any memory order (Layer.free_output_order).  Into another
    conv it loses: DeepConvNet's step 57.7 -> 60.7 ms, the second conv then copying its
    input across the layout."""
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


def _columns(runs: np.ndarray, s: int, e: int, ws: Workspace | None) -> np.ndarray:
    """Output rows s..e's columns, (kh*kw + 1, (e-s)*OW*N), the last row all ones."""
    kh, kw, _, width = runs.shape
    k = kh * kw
    shape = (k + 1, e - s, width)
    cols = np.ones(shape, runs.dtype) if ws is None else ws.get("pixel_cols", shape,
                                                                  runs.dtype, fill=1)
    cols[:k].reshape(kh, kw, e - s, width)[...] = runs[:, :, s:e]
    return cols.reshape(k + 1, -1)


def _in_chunks(layer: Conv2D, runs: np.ndarray, n: int, scratch: Scratch, which: int,
               work: Callable[[Any, np.ndarray, int, int], Any]) -> list[Any]:
    """acc = work(acc, cols, s, e) over chunks of output rows, one range of rows per core
    (workspace ``which`` of each part's pair); each part's last acc."""
    rows = _rows_per_chunk(layer, n, runs.itemsize)

    def part(i: int, lo: int, hi: int):
        ws = scratch.part(i)[which]
        acc = None
        for s, e in _chunks(lo, hi, rows):
            # A short last chunk gets its own arrays: reshaping the reused ones would thrash.
            cols = _columns(runs, s, e, ws if e - s == rows or s == lo else None)
            acc = work(acc, cols, s, e)
        return acc

    return parallel.split(part, runs.shape[2], parts=_parts(layer, n))


def forward(layer: Conv2D, x: np.ndarray, scratch: Scratch) -> tuple[np.ndarray, np.ndarray]:
    """The padded input backward needs, and y (N, F, OH, OW) stored (OH, OW, N, F)."""
    n = x.shape[0]
    f, oh, ow = layer.output_shape
    k = layer.W.size // f
    weights = np.empty((k + 1, f), x.dtype)  # [Wᵀ; b]
    weights[:k] = layer.W.value.reshape(f, k).T
    weights[k] = layer.b.value
    xt = _padded(layer, x)
    y = np.empty((oh, ow, n, f), x.dtype)

    def rows_out(acc: None, cols: np.ndarray, s: int, e: int) -> None:
        np.matmul(cols.T, weights, out=y[s:e].reshape(-1, f))

    _in_chunks(layer, _runs(layer, xt), n, scratch, 0, rows_out)
    return xt, y.transpose(PIXEL_MAJOR)


def backward(layer: Conv2D, xt: np.ndarray, grad: np.ndarray, scratch: Scratch) -> None:
    """Fills layer.W.grad and layer.b.grad from the padded input and grad (N, F, OH, OW)."""
    f, oh, ow = layer.output_shape
    k = layer.W.size // f
    # (OH, OW, N, F): free when grad came back in forward's order (pool, ReLU, Flatten keep it)
    g = np.ascontiguousarray(grad.transpose(PIXEL_MAJOR)).reshape(oh, -1, f)

    def rows_in(acc: np.ndarray | None, cols: np.ndarray, s: int, e: int) -> np.ndarray:
        term = cols @ g[s:e].reshape(-1, f)  # (k + 1, F)
        return term if acc is None else np.add(acc, term, out=acc)

    parts = _in_chunks(layer, _runs(layer, xt), xt.shape[2], scratch, 1, rows_in)
    total = sum(parts[1:], parts[0])
    layer.W.grad.reshape(f, k)[...] = total[:k].T
    layer.b.grad[...] = total[k]
