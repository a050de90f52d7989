"""winograd.py: each transform against its matrix definition written out (Lavin & Gray's
B, G, A), and each backward transform as the adjoint of its forward one, <T(a), b> =
<a, T*(b)>, in float64."""

import numpy as np

from nnplayground.engine.im2col import Workspace
from nnplayground.engine.layers import winograd as wg

BT = np.array([[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]], float)
G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
AT = np.array([[1, 1, 1, 0], [0, 1, -1, -1]], float)
RNG = np.random.default_rng(11)


def test_kernel_transform_is_g_w_gt_and_kernel_gradient_its_adjoint():
    f, c = 3, 2
    w = RNG.standard_normal((f, c, 3, 3))
    u = wg.kernel_transform(w)  # (16, C, F)
    for i in range(f):
        for j in range(c):
            np.testing.assert_allclose(u[:, j, i].reshape(4, 4), G @ w[i, j] @ G.T)
    du = RNG.standard_normal(u.shape)
    np.testing.assert_allclose(np.sum(u * du), np.sum(w * wg.kernel_gradient(du)))


def test_tiles_are_bt_d_b_at_even_offsets():
    d = RNG.standard_normal((6, 8, 2, 3))  # (Hp, Wp, n, C): 2 x 3 tiles of 4x4
    v = wg.tiles(d, Workspace(), "v").reshape(4, 4, 2, 3, 2, 3)
    for a in range(2):
        for b in range(3):
            for n in range(2):
                for c in range(3):
                    tile = d[2 * a : 2 * a + 4, 2 * b : 2 * b + 4, n, c]
                    np.testing.assert_allclose(v[:, :, a, b, n, c], BT @ tile @ BT.T)


def test_untile_is_at_m_a_plus_bias_and_grad_tiles_its_adjoint():
    th, tw, n, f = 2, 3, 2, 4
    m = RNG.standard_normal((4, 4, th, tw, n, f))
    bias = RNG.standard_normal(f)
    out = np.empty((2 * th, 2 * tw, n, f))
    wg.untile(m.copy(), out, bias, Workspace())
    for a in range(th):
        for b in range(tw):
            for k in range(f):
                want = AT @ m[:, :, a, b, 0, k] @ AT.T + bias[k]
                np.testing.assert_allclose(out[2 * a : 2 * a + 2, 2 * b : 2 * b + 2, 0, k], want)
    g = RNG.standard_normal(out.shape)
    wg.untile(m.copy(), out, None, Workspace())
    dm = wg.grad_tiles(g, Workspace()).reshape(m.shape)
    np.testing.assert_allclose(np.sum(out * g), np.sum(m * dm))


def test_overlap_add_is_the_adjoint_of_taking_overlapping_tile_rows():
    """Along one axis: taking rows 2t .. 2t + 3 and applying B^T, versus overlap_add."""
    t, rest = 3, 5
    e = RNG.standard_normal((4, t, rest))
    out = np.empty((2 * t + 2, rest))
    wg.overlap_add(e, out, 0, np.empty((t, rest)))
    x = RNG.standard_normal(out.shape)
    taken = np.stack([BT @ x[2 * k : 2 * k + 4] for k in range(t)], axis=1)  # (4, t, rest)
    np.testing.assert_allclose(np.sum(taken * e), np.sum(x * out))
