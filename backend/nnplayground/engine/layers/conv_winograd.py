"""Conv2D's Winograd path: 3x3 stride-1 convolutions with 16 or more channels in and out,
F(2x2, 3x3) (Lavin & Gray 2015), in a pixel-major memory order.

A 4x4 tile d of the padded input, overlapping its neighbours by 2, gives a 2x2 tile of
the output with 16 multiplies a channel pair instead of im2col's 36:

    y = A^T [ (G w G^T) * (B^T d B) ] A        (* elementwise, summed over the channels)

    B^T = [1  0 -1  0]    G = [ 1    0    0 ]    A^T = [1  1  1  0]
          [0  1  1  0]        [1/2  1/2  1/2]          [0  1 -1 -1]
          [0 -1  1  0]        [1/2 -1/2  1/2]
          [0  1  0 -1]        [ 0    0    1 ]

so the sum over channels is 16 matrix products, one per tile position xi = (j, k):
M[xi] (tiles, F) = V[xi] (tiles, C) @ U[xi] (C, F), with V = B^T d B and U = G w G^T.
The transforms are additions only.  Backward, from dY (the output's gradient):

    db = sum of dY;  dM = A dY A^T (tile by tile);  dU[xi] = V[xi]^T @ dM[xi];
    dW = G^T dU G;   dV[xi] = dM[xi] @ U[xi]^T;  dx = B dV B^T, tile by tile, summed
                     where the tiles overlap (and the padding's border dropped).

dx so, from the dM that dU needs anyway, replaced the forward pass of dY padded by 2 - p
with the rotated kernel (a second set of tiles to build and transform): DeepConvNet's
step x0.923 (two trees, 6 pairs, 0.88-0.99), on the Zen 4 VM.

Why pixel-major, (H, W, N, C) in memory: every transform step then adds whole contiguous
(N, C) blocks.  In the usual channel-major order their innermost runs were 4 floats long,
and the same forward took 8.0 ms against the strip path's 4.0 (DeepConvNet's 64->64 conv,
50 images, one core); pixel-major and in chunks that stay in cache, 2.2 against 4.3.  Its
output stays pixel-major when the layers after it take any order (Layer.free_output_order),
so the ReLUs, pools and the next Winograd conv stream.

In bands of tile rows, all of a part's images at once, rather than in chunks of a few
images: a chunk of n images made every strided step's innermost run n*C floats (112 for
7 images of the 16->16 conv), a band's N*C (800 for the replica's 50), and its input,
output and gradient rows are whole blocks of memory.  DeepConvNet's 16->16 conv 14.5 ->
12.8 ms and 64->64 9.6 -> 7.8 forward + backward a half batch; the step x0.952 (two trees,
8 pairs).  Backward adds the two padded rows a band shares with the next (``carry``).

Not kept: the 4x4 tiles' values are sums of up to 9 inputs, and float32 agreement with
im2col stays within ~1e-6 of the largest output (tests/engine/layers/test_conv_winograd.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .. import parallel
from . import winograd as wg
from .conv_fast import _chunks

if TYPE_CHECKING:
    from ..im2col import Workspace
    from .conv import Conv2D
    from .conv_fast import Scratch

# Channels: MIN_CHANNELS or more in and out.  DeepConvNet's convs, 50 images on one core,
# forward + backward against the strip path (conv_fast.py): 16->32 on 14x14 4.4 against
# 7.0 ms, 32->32 on 16x16 6.9 against 12.5.  16->16 on 28x28 (products with 16 rows and 16
# columns) lost its forward, 7.2 against 5.0, and two source trees with it here gave x0.960
# and x1.011 on the whole step; once dx came from dM (backward, below) three gave x0.974,
# x0.974 and x0.964 (26 pairs), with the first conv's output pixel-major as well.
MIN_CHANNELS = 16
# Bytes of tiles V a band.  Forward of DeepConvNet's 32->32 conv on 16x16, 50 images, one
# core: 3.9 ms in one piece (~22 MB of V, M and the transforms' buffers), 2.9-3.0 in chunks
# of 10 or 25 images, 3.3 in chunks of 5.  The whole step with 1 MiB and 3 MiB instead:
# x1.059 and x1.085 (two trees, 8 pairs each).
CHUNK_BYTES = 3 << 19


def eligible(layer: Conv2D, channels: int) -> bool:
    """3x3, stride 1, padding at most 2 (dx pads the gradient by 2 - p), enough channels
    both ways."""
    return (layer.kernel_size == (3, 3) and layer.stride == 1 and layer.padding <= 2
            and min(channels, layer.filters) >= MIN_CHANNELS)


def tile_grid(layer: Conv2D) -> tuple[int, int]:
    """Rows and columns of 2x2 output tiles.  An odd output (a 3x3 conv on 7x7 maps, as
    after two pools of MNIST) is computed one row or column larger, on one more of zero
    padding below or right, and cropped: 64->64 on 7x7, 50 images on one core, forward +
    backward, 9.15 ms on the strip path (conv_fast.py) and 6.37 so (32->64: 6.23, 4.82)."""
    _, oh, ow = layer.output_shape
    return (oh + 1) // 2, (ow + 1) // 2


def _convolve(d: np.ndarray, u: np.ndarray, out: np.ndarray, bias: np.ndarray | None,
              ws: Workspace, v_name: str) -> np.ndarray:
    """out = the 3x3 convolution of padded d (Hp, Wp, n, C) with U (16, C, F); returns V
    (ws's array ``v_name``)."""
    v = wg.tiles(d, ws, v_name)
    th, tw = out.shape[0] // 2, out.shape[1] // 2
    m = ws.get(f"m{d.shape[0]}x{d.shape[2]}", (16, v.shape[1], u.shape[2]), d.dtype)
    np.matmul(v, u, out=m)
    wg.untile(m.reshape(4, 4, th, tw, out.shape[2], u.shape[2]), out, bias, ws)
    return v


def band_rows(layer: Conv2D, n: int) -> int:
    """Tile rows a band so that its tiles V take about CHUNK_BYTES, for n images."""
    c, _, _ = layer.input_shape
    tw = tile_grid(layer)[1]
    return max(1, CHUNK_BYTES // (16 * tw * n * c * layer.W.value.itemsize))


def _padded(x: np.ndarray, pad: int, grid: tuple[int, int], ws: Workspace,
            name: str) -> np.ndarray:
    """x (H, W, n, C) inside a zero border of ``pad``, and below and right of it as many
    zero rows and columns again as the tile ``grid`` needs (the border is written once)."""
    h, w, n, c = x.shape
    shape = (2 * grid[0] + 2, 2 * grid[1] + 2, n, c)
    if shape[:2] == (h, w):
        return x
    d = ws.get(name, shape, x.dtype, fill=0)
    d[pad : pad + h, pad : pad + w] = x
    return d


def forward(layer: Conv2D, x: np.ndarray, scratch: Scratch) -> tuple[tuple, np.ndarray]:
    """(N, C, H, W) in any memory order -> (what backward needs, y (N, F, OH, OW)),
    y pixel-major when layer.free_output_order, else channel-major."""
    n = x.shape[0]
    f, oh, ow = layer.output_shape
    grid = tile_grid(layer)
    u = wg.kernel_transform(layer.W.value)
    out = np.empty((2 * grid[0], 2 * grid[1], n, f), x.dtype)
    pixels = x.transpose(2, 3, 0, 1)

    def part(i: int, lo: int, hi: int) -> list[np.ndarray]:
        ws, tiles = scratch.part(i)[0], []
        d = _padded(pixels[:, :, lo:hi], layer.padding, grid, ws, f"x_pad{hi - lo}")
        for j, (r0, r1) in enumerate(_chunks(0, grid[0], band_rows(layer, hi - lo))):
            # V kept for backward, one per band
            tiles.append(_convolve(d[2 * r0 : 2 * r1 + 2], u, out[2 * r0 : 2 * r1, :, lo:hi],
                                   layer.b.value, ws, f"v{j}"))
        return tiles

    kept = (u, parallel.split(part, n))
    out = out[:oh, :ow]  # an odd output's extra row or column goes
    if layer.free_output_order:
        return kept, np.ascontiguousarray(out).transpose(2, 3, 0, 1)
    y = np.empty((f, n, oh, ow), x.dtype)
    y[...] = out.transpose(3, 2, 0, 1)
    return kept, y.transpose(1, 0, 2, 3)


def backward(layer: Conv2D, kept: tuple, grad: np.ndarray, scratch: Scratch,
             input_grad: bool) -> np.ndarray | None:
    """Fills layer.W.grad and layer.b.grad; returns dx (N, C, H, W), pixel-major, or None.
    dx comes from the same dM as dU: dV = dM U^T, then B dV B^T added into the padded
    input's grid where the tiles overlap.  As the forward of the gradient padded by 2 - p
    with the rotated kernel, it built and transformed a second set of tiles instead."""
    n, f = grad.shape[:2]
    c, h, w = layer.input_shape
    th, tw = tile_grid(layer)
    u, tiles = kept
    dy = grad.transpose(2, 3, 0, 1)  # (OH, OW, N, F)
    if dy.shape[:2] != (2 * th, 2 * tw):  # an odd output: its extra outputs take none
        dy = np.pad(dy, ((0, 2 * th - dy.shape[0]), (0, 2 * tw - dy.shape[1]), (0, 0), (0, 0)))
    u_t = u.transpose(0, 2, 1).copy() if input_grad else None  # (16, F, C)
    dx = np.empty((h, w, n, c), grad.dtype) if input_grad else None

    def part(i: int, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        ws = scratch.part(i)[1]
        du = np.zeros((16, c, f), grad.dtype)
        carry = None  # the two padded rows the next band's tiles add to
        bands = _chunks(0, th, band_rows(layer, hi - lo))
        for v, (r0, r1) in zip(tiles[i], bands, strict=True):
            dm = wg.grad_tiles(dy[2 * r0 : 2 * r1, :, lo:hi], ws)
            du += np.matmul(v.transpose(0, 2, 1), dm)  # V^T dM
            if dx is not None:
                dv = ws.get(f"dv{r1 - r0}x{hi - lo}", (16, dm.shape[1], c), grad.dtype)
                np.matmul(dm, u_t, out=dv)
                carry = _band_into(dv, r0, r1 == th, carry, dx[:, :, lo:hi],
                                   layer.padding, tw, ws)
        return du, wg.column_sums(dy[:, :, lo:hi])

    # The same image ranges as forward's parts, each with the tiles it kept.
    dus, dbs = zip(*parallel.split(part, n, parts=len(tiles)), strict=True)
    layer.W.grad[...] = wg.kernel_gradient(sum(dus[1:], dus[0]))
    layer.b.grad[...] = sum(dbs[1:], dbs[0])
    return None if dx is None else dx.transpose(2, 3, 0, 1)


def _band_into(dv: np.ndarray, r0: int, last: bool, carry: np.ndarray | None,
               dx: np.ndarray, p: int, tw: int, ws: Workspace) -> np.ndarray | None:
    """A band's part of dx (H, W, n, C) = B dV B^T added where the tiles overlap, without
    the padding's border: along the height (the band's padded rows 2*r0 ... 2*r1 + 1, the
    first two also taking the previous band's ``carry``), then along the width, for the
    rows no later band adds to (``tw`` tiles a row).  Returns the new carry."""
    h, w, n, c = dx.shape
    b = dv.shape[1] // (tw * n)  # the band's tile rows
    rows = ws.get(f"dd_rows{b}x{n}", (4, 2 * b + 2, tw, n, c), dx.dtype)
    wg.overlap_add(dv.reshape(4, 4, b, tw, n, c), rows, 1,
                   ws.get(f"dd_tmp{b}x{n}", (4, b, tw, n, c), dx.dtype))
    if carry is not None:
        rows[:, :2] += carry
    done = 2 * b + 2 if last else 2 * b
    first, end = max(0, p - 2 * r0), min(done, h + p - 2 * r0)  # rows inside dx
    if end > first:
        k, top = end - first, 2 * r0 + first - p
        direct = 2 * tw + 2 == w  # no padding to drop at the sides
        grid = (dx[top : top + k] if direct
                else ws.get(f"dd_grid{k}x{n}", (k, 2 * tw + 2, n, c), dx.dtype))
        wg.overlap_add(rows[:, first:end], grid, 1,
                       ws.get(f"dd_tmp2{k}x{n}", (k, tw, n, c), dx.dtype))
        if not direct:
            np.copyto(dx[top : top + k], grid[:, p : p + w])
    return None if last else rows[:, 2 * b :].copy()

