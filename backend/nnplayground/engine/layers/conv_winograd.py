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
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_GG = np.kron(_G, _G)  # (16, 9): vec(G w G^T) = (G (x) G) vec(w), row-major vecs


def eligible(layer: Conv2D, channels: int) -> bool:
    """3x3, stride 1, padding at most 2 (dx pads the gradient by 2 - p), enough channels
    both ways."""
    return (layer.kernel_size == (3, 3) and layer.stride == 1 and layer.padding <= 2
            and min(channels, layer.filters) >= MIN_CHANNELS)


def tile_grid(layer: Conv2D) -> tuple[int, int]:
    """Rows and columns of 2x2 output tiles.  An odd output (DeepConvNet's 7x7 convs) is
    computed one row or column larger, on one more of zero padding below or right, and
    cropped: its 64->64 conv, 50 images on one core, forward + backward, 9.5 ms on the
    strip path (conv_fast.py) and 6.3 as Winograd on 8x8 (32->64: 5.8 and 4.9)."""
    _, oh, ow = layer.output_shape
    return (oh + 1) // 2, (ow + 1) // 2


def kernel_transform(w: np.ndarray) -> np.ndarray:
    """U = G w G^T of every (filter, channel) pair: w (F, C, 3, 3) -> (16, C, F).  As one
    product with G (x) G (16 x 9): 0.73 ms as broadcast 4x3 products for a 64x64 conv."""
    f, c = w.shape[:2]
    u = w.reshape(f * c, 9) @ _GG.T.astype(w.dtype)  # (F*C, 16)
    return u.reshape(f, c, 16).transpose(2, 1, 0).copy()


def kernel_gradient(du: np.ndarray) -> np.ndarray:
    """dW = G^T dU G, the adjoint of kernel_transform: dU (16, C, F) -> (F, C, 3, 3)."""
    _, c, f = du.shape
    flat = du.transpose(2, 1, 0).reshape(f * c, 16)
    return (flat @ _GG.astype(du.dtype)).reshape(f, c, 3, 3)


def _tiles(d: np.ndarray, ws: Workspace, v_name: str) -> np.ndarray:
    """V = B^T d B of every 4x4 tile at even offsets of d (Hp, Wp, n, C), as (16, T, C)
    with T = th * tw * n tiles; the rows of B^T applied along the width, then the height."""
    hp, wp, n, c = d.shape
    th, tw = (hp - 2) // 2, (wp - 2) // 2
    s = [d[:, k : k + 2 * tw : 2] for k in range(4)]  # (Hp, tw, n, C) each
    r = ws.get(f"rows{hp}x{n}", (4, hp, tw, n, c), d.dtype)  # per chunk shape: no thrash
    np.subtract(s[0], s[2], out=r[0])
    np.add(s[1], s[2], out=r[1])
    np.subtract(s[2], s[1], out=r[2])
    np.subtract(s[1], s[3], out=r[3])
    v = ws.get(v_name, (4, 4, th, tw, n, c), d.dtype)
    # All four width positions k in each call: 4 calls, not 16 (a chunk's tiles 0.21 ->
    # 0.15-0.19 ms, DeepConvNet's convs, one core).
    t = [r[:, j : j + 2 * th : 2] for j in range(4)]  # (4, th, tw, n, C) each
    np.subtract(t[0], t[2], out=v[0])
    np.add(t[1], t[2], out=v[1])
    np.subtract(t[2], t[1], out=v[2])
    np.subtract(t[1], t[3], out=v[3])
    return v.reshape(16, th * tw * n, c)


def _untile(m: np.ndarray, out: np.ndarray, bias: np.ndarray | None, ws: Workspace) -> None:
    """out (2*th, 2*tw, n, F) = A^T M A (+ bias) from M (4, 4, th, tw, n, F).  The bias goes
    into M[1, 1] only: A^T's second column is all ones, so it reaches each of the 2x2
    outputs once: one pass over a sixteenth of M instead of four over a quarter of the
    output each (too little to show above the noise in a timing, but never more work)."""
    if bias is not None:
        m[1, 1] += bias
    q = ws.get(f"untile{m.shape[2]}x{m.shape[4]}", (2, *m.shape[1:]), m.dtype)
    np.add(m[0], m[1], out=q[0])
    q[0] += m[2]
    np.subtract(m[1], m[2], out=q[1])
    q[1] -= m[3]
    for a in range(2):
        left, right = out[a::2, 0::2], out[a::2, 1::2]
        np.add(q[a, 0], q[a, 1], out=left)
        left += q[a, 2]
        np.subtract(q[a, 1], q[a, 2], out=right)
        right -= q[a, 3]


def _convolve(d: np.ndarray, u: np.ndarray, out: np.ndarray, bias: np.ndarray | None,
              ws: Workspace, v_name: str) -> np.ndarray:
    """out = the 3x3 convolution of padded d (Hp, Wp, n, C) with U (16, C, F); returns V
    (ws's array ``v_name``)."""
    v = _tiles(d, ws, v_name)
    th, tw = out.shape[0] // 2, out.shape[1] // 2
    m = ws.get(f"m{d.shape[0]}x{d.shape[2]}", (16, v.shape[1], u.shape[2]), d.dtype)
    np.matmul(v, u, out=m)
    _untile(m.reshape(4, 4, th, tw, out.shape[2], u.shape[2]), out, bias, ws)
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
    u = kernel_transform(layer.W.value)
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
            dm = _grad_tiles(dy[2 * r0 : 2 * r1, :, lo:hi], ws)
            du += np.matmul(v.transpose(0, 2, 1), dm)  # V^T dM
            if dx is not None:
                dv = ws.get(f"dv{r1 - r0}x{hi - lo}", (16, dm.shape[1], c), grad.dtype)
                np.matmul(dm, u_t, out=dv)
                carry = _band_into(dv, r0, r1 == th, carry, dx[:, :, lo:hi],
                                   layer.padding, tw, ws)
        return du, _column_sums(dy[:, :, lo:hi])

    # The same image ranges as forward's parts, each with the tiles it kept.
    dus, dbs = zip(*parallel.split(part, n, parts=len(tiles)), strict=True)
    layer.W.grad[...] = kernel_gradient(sum(dus[1:], dus[0]))
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
    _overlap_add(dv.reshape(4, 4, b, tw, n, c), rows, 1,
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
        _overlap_add(rows[:, first:end], grid, 1,
                     ws.get(f"dd_tmp2{k}x{n}", (k, tw, n, c), dx.dtype))
        if not direct:
            np.copyto(dx[top : top + k], grid[:, p : p + w])
    return None if last else rows[:, 2 * b :].copy()


def _overlap_add(e: np.ndarray, out: np.ndarray, axis: int, tmp: np.ndarray) -> None:
    """out = B applied to e's four tile rows (e[0..3], T tiles along ``axis``), the tiles
    two apart: out's 2T + 2 entries along ``axis``.  B's rows give a tile's local entries
    (e0, e1 - e2 + e3, e1 + e2 - e0, -e3); entries 2 and 3 of tile t land on 0 and 1 of
    tile t + 1."""
    def at(a: np.ndarray, sl: slice) -> np.ndarray:
        return a[(slice(None),) * axis + (sl,)]

    t = e.shape[axis + 1]
    even, odd = at(out, slice(0, None, 2)), at(out, slice(1, None, 2))
    head_e, tail_e = at(even, slice(0, t)), at(even, slice(1, None))
    head_o, tail_o = at(odd, slice(0, t)), at(odd, slice(1, None))
    np.copyto(head_e, e[0])
    at(even, slice(t, None))[...] = 0
    np.add(e[1], e[2], out=tmp)
    tmp -= e[0]
    tail_e += tmp
    np.subtract(e[1], e[2], out=head_o)
    head_o += e[3]
    at(odd, slice(t, None))[...] = 0
    tail_o -= e[3]


def _column_sums(g: np.ndarray) -> np.ndarray:
    """The sum over every axis but the last (db): as a matrix-vector product when g is one
    block in memory (28x28x50x16: 0.80 ms as sum(axis=(0, 1, 2)))."""
    flat = g.reshape(-1, g.shape[-1]) if g.flags.c_contiguous else None
    if flat is None:
        return g.sum(axis=(0, 1, 2))
    return np.ones(flat.shape[0], g.dtype) @ flat


def _grad_tiles(g: np.ndarray, ws: Workspace) -> np.ndarray:
    """dM = A dY A^T of every 2x2 output tile: g (OH, OW, n, F) -> (16, T, F).  A's rows
    are (1, 0), (1, 1), (1, -1), (0, -1): along the height first, into dM[j, 0] and
    dM[j, 3] (the two positions that take one dY column each), then along the width."""
    oh, ow, n, f = g.shape
    th, tw = oh // 2, ow // 2
    dm = ws.get(f"dm{th}x{n}", (4, 4, th, tw, n, f), g.dtype)
    for b, k in ((0, 0), (1, 3)):  # dY's even and odd columns
        top, bottom = g[0::2, b::2], g[1::2, b::2]
        np.copyto(dm[0, k], top)
        np.add(top, bottom, out=dm[1, k])
        np.subtract(top, bottom, out=dm[2, k])
        np.negative(bottom, out=dm[3, k])
    for j in range(4):  # dM[j, 3] holds the odd column, not yet negated
        np.add(dm[j, 0], dm[j, 3], out=dm[j, 1])
        np.subtract(dm[j, 0], dm[j, 3], out=dm[j, 2])
    np.negative(dm[:, 3], out=dm[:, 3])
    return dm.reshape(16, th * tw * n, f)
