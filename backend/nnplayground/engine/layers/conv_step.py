"""One stride-1 convolution for a few images, every buffer and view made once per input
shape: the draw pad's path.  A plan (engine/plan.py) chains these, writing each one's
output straight into the next one's padded input; a Conv2D alone keeps one for its small
inference batches (``Conv2D.forward`` outside a plan, e.g. the page's per-layer taps).

Callers hold a lock: one thread at a time uses a step's buffers.  W and b are read at
every call, since loading weights replaces their arrays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .conv_fast import strip_runs

# Columns a conv copies before its GEMM reads them.  One image of DeepConvNet's 16->16 conv
# has 484 KB of them: copy + GEMM took 66.7 us in one block, 45.1 in two, 49.0 in three
# (Intel AVX-512 VM, median).
BLOCK_BYTES = 256 << 10


class ConvStep:
    """A stride-1 convolution on the strip layout (conv_fast.strip_columns), whose input
    buffer the previous step fills."""

    def __init__(self, layer: Any, x_shape: tuple[int, ...], dtype: Any) -> None:
        n, c, h, w = x_shape
        kh, kw = layer.kernel_size
        f, oh, ow = layer.output_shape
        p = layer.padding
        hp, wp = h + 2 * p, w + 2 * p
        self.layer, self.act = layer, None
        self.x_shape, self.dtype = tuple(x_shape), np.dtype(dtype)
        self.buf = np.zeros((c, n, hp + 1, wp), dtype)  # one spare row, as strip_columns
        self.inner = self.buf[:, :, p : p + h, p : p + w]
        self.runs = strip_runs(self.buf.reshape(c, n, -1), kh, kw, oh, wp)
        self.rows, self.width = c * kh * kw, n * oh * wp
        self.grid = (f, n, oh, wp, ow)
        self.dest: np.ndarray | None = None
        self.block_ranges = _blocks(n, oh * wp, self.rows * self.buf.itemsize)

    def sizes(self) -> tuple[int, int]:
        biggest = max((j - i) * (hi - lo) for (i, j), (lo, hi) in self.block_ranges)
        return self.rows * biggest, self.grid[0] * self.width

    def attach(self, cols: np.ndarray, full: np.ndarray) -> None:
        f, n, oh, wp, ow = self.grid
        self.full = full[: f * self.width].reshape(f, self.width)
        self.valid = self.full.reshape(f, n, oh, wp)[..., :ow]
        self.out: np.ndarray | None = None  # made on first use without a destination
        # (runs, their columns, the columns as a matrix, the product's columns) per block
        self.blocks = []
        by_image = self.full.reshape(f, n, oh * wp)
        for (i, j), (lo, hi) in self.block_ranges:
            block = cols[: self.rows * (j - i) * (hi - lo)].reshape(
                self.runs.shape[:3] + (j - i, hi - lo))
            self.blocks.append((self.runs[..., i:j, lo:hi], block,
                                block.reshape(self.rows, -1),
                                by_image[:, i:j, lo:hi].reshape(f, -1)))

    def run(self, x: np.ndarray | None) -> np.ndarray | None:
        if x is not None:  # the previous step's (N, C, H, W) output
            self.inner[...] = x.transpose(1, 0, 2, 3)
        f = self.grid[0]
        w2 = self.layer.W.value.reshape(f, -1)
        for runs, block, matrix, product in self.blocks:
            np.copyto(block, runs)
            np.matmul(w2, matrix, out=product)
        np.add(self.full, self.layer.b.value.reshape(f, 1), out=self.full)
        dest = self.dest
        if dest is None:
            if self.out is None:
                self.out = np.empty(self.valid.shape, self.dtype)
            dest = self.out
        if self.act is None:
            np.copyto(dest, self.valid)
        else:
            self.act(self.valid, dest)
        return None if self.dest is not None else dest.transpose(1, 0, 2, 3)

    def alone(self) -> ConvStep:
        """Give the step buffers of its own (outside a plan, which shares them)."""
        cols, full = self.sizes()
        self.attach(np.empty(cols, self.dtype), np.empty(full, self.dtype))
        return self


def _blocks(n: int, length: int, column_bytes: int) -> list[tuple[tuple[int, int],
                                                                  tuple[int, int]]]:
    """(images, column range) blocks of at most BLOCK_BYTES of columns each: whole images
    together while they fit, else one image's columns in parts."""
    per_image = column_bytes * length
    if per_image <= BLOCK_BYTES:
        k = max(1, BLOCK_BYTES // per_image)
        return [((i, min(i + k, n)), (0, length)) for i in range(0, n, k)]
    parts = -(-per_image // BLOCK_BYTES)
    return [((i, i + 1), (length * p // parts, length * (p + 1) // parts))
            for i in range(n) for p in range(parts)]
