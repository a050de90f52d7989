"""A lower bound for any im2col + OpenBLAS training step: the conv layers' GEMMs alone.

Our Conv2D (like the book's) turns each convolution into matrix products.  Whatever the
copies around them cost, a training step cannot take less than those products.  This
times only them, at the shapes of one step, in the most favourable way we could find:

* the operands already exist as contiguous matrices (no column is built, no bias is
  added, no junk column is multiplied);
* each product is tried in both orientations (A @ B and (B.T @ A.T).T from contiguous
  transposes) and cut along its long side into chunks of several sizes, and the fastest
  choice counts;
* the whole batch with OpenBLAS's own threads on every core, and half the batch on one
  core (what each process of a shared step does, replicas.py), and the faster of the two
  counts.

Per conv with C input and F output channels, k x k kernels and P output pixels in the
batch: forward (F, C*k*k) @ (C*k*k, P); dW (C*k*k, P) @ (P, F); dx for every conv but the
first (C, F*k*k) @ (F*k*k, P_in), the full convolution of the gradient.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from nnplayground.engine import blas
from nnplayground.engine.layers.conv import Conv2D

CHUNKS = (1 << 18, 1 << 20, 1 << 22, None)  # bytes of the long operand per chunk; None: whole


def conv_products(model: Any, batch: int) -> list[tuple[int, int, int]]:
    """(rows, inner, columns) of every conv GEMM of one training step, as rows x columns
    outputs with the pixel axis as the long side."""
    shapes = []
    first = True
    for layer in model.layers:
        if not isinstance(layer, Conv2D):
            continue
        c, h, w = layer.input_shape
        f, oh, ow = layer.output_shape
        kh, kw = layer.kernel_size
        pixels = batch * oh * ow
        shapes.append((f, c * kh * kw, pixels))        # forward
        shapes.append((c * kh * kw, pixels, f))        # dW: inner dimension is the pixels
        if not first:
            shapes.append((c, f * kh * kw, batch * h * w))  # dx
        first = False
    return shapes


def _median_ms(fn, calls: int = 7) -> float:
    fn()
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1e3


def _best_product_ms(rows: int, inner: int, cols: int, rng: np.random.Generator) -> float:
    """Fastest time found for one (rows x inner) @ (inner x cols) product."""
    a = rng.standard_normal((rows, inner), dtype=np.float32)
    b = rng.standard_normal((inner, cols), dtype=np.float32)
    long_is_inner = inner >= cols
    best = float("inf")
    for transposed in (False, True):
        left, right = (np.ascontiguousarray(b.T), np.ascontiguousarray(a.T)) if transposed \
            else (a, b)
        for chunk in CHUNKS:
            best = min(best, _chunked_ms(left, right, chunk, long_is_inner, transposed))
    return best


def _chunked_ms(left: np.ndarray, right: np.ndarray, chunk: int | None, long_is_inner: bool,
                transposed: bool) -> float:
    # The long side: the inner dimension (dW) or the output's pixel axis (forward, dx),
    # which is right's columns, or left's rows once transposed.
    if long_is_inner:
        n = left.shape[1]
        per = n if chunk is None else max(1, chunk // (4 * left.shape[0]))
        out = np.empty((left.shape[0], right.shape[1]), np.float32)
        term = np.empty_like(out)

        def run() -> None:
            out[...] = 0
            for s in range(0, n, per):
                np.matmul(left[:, s:s + per], right[s:s + per], out=term)
                np.add(out, term, out=out)
        return _median_ms(run)
    n = left.shape[0] if transposed else right.shape[1]
    inner = left.shape[1]
    per = n if chunk is None else max(1, chunk // (4 * inner))
    out = np.empty((left.shape[0], right.shape[1]), np.float32)

    def run_cols() -> None:
        for s in range(0, n, per):
            if transposed:
                np.matmul(left[s:s + per], right, out=out[s:s + per])
            else:
                np.matmul(left, right[:, s:s + per], out=out[:, s:s + per])
    return _median_ms(run_cols)


def gemm_floor_ms(model: Any, batch: int, seed: int = 0) -> tuple[float, float, float]:
    """(floor, half batch on one core, whole batch on OpenBLAS's threads), ms per step."""
    rng = np.random.default_rng(seed)
    blas.hold_one_thread()
    half = sum(_best_product_ms(*s, rng) for s in conv_products(model, batch // 2))
    blas.reset()  # OpenBLAS's own thread count: every core
    whole = sum(_best_product_ms(*s, rng) for s in conv_products(model, batch))
    blas.hold_one_thread()
    return min(half, whole), half, whole
