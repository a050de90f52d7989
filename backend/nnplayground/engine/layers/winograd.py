"""F(2x2, 3x3)'s transforms and their adjoints, on pixel-major tiles (conv_winograd.py
has the formulas, the layer's forward and backward, and why the memory order is so).

    V = B^T d B (tiles), U = G w G^T (kernel_transform), y = A^T M A (untile);
    backward: dM = A dY A^T (grad_tiles), dW = G^T dU G (kernel_gradient),
    B dV B^T added where the tiles overlap (overlap_add, along one axis at a time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from ..im2col import Workspace

_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_GG = np.kron(_G, _G)  # (16, 9): vec(G w G^T) = (G (x) G) vec(w), row-major vecs


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


def tiles(d: np.ndarray, ws: Workspace, v_name: str) -> np.ndarray:
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


def untile(m: np.ndarray, out: np.ndarray, bias: np.ndarray | None, ws: Workspace) -> None:
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


def overlap_add(e: np.ndarray, out: np.ndarray, axis: int, tmp: np.ndarray) -> None:
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


def column_sums(g: np.ndarray) -> np.ndarray:
    """The sum over every axis but the last (db): as a matrix-vector product when g is one
    block in memory (28x28x50x16: 0.80 ms as sum(axis=(0, 1, 2)))."""
    flat = g.reshape(-1, g.shape[-1]) if g.flags.c_contiguous else None
    if flat is None:
        return g.sum(axis=(0, 1, 2))
    return np.ones(flat.shape[0], g.dtype) @ flat


def grad_tiles(g: np.ndarray, ws: Workspace) -> np.ndarray:
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
