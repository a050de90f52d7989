"""Flatten: values both ways, and backward hands the gradient back in the memory order its
input had (a conv's channel-major view), so the ReLU or pool below works in parts."""

import numpy as np

from nnplayground.engine import parallel
from nnplayground.engine.layers import Flatten, ReLU


def channel_major(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    n, c, h, w = shape
    return rng.standard_normal((c, n, h, w)).astype(np.float32).transpose(1, 0, 2, 3)


def test_flatten_backward_keeps_the_inputs_memory_order() -> None:
    rng = np.random.default_rng(0)
    x = channel_major(rng, (5, 3, 4, 4))
    flat = Flatten()
    flat.build((3, 4, 4), rng)
    y = flat.forward(x, True)
    np.testing.assert_array_equal(y, np.ascontiguousarray(x).reshape(5, -1))
    g = rng.standard_normal(y.shape).astype(np.float32)
    dx = flat.backward(g)
    np.testing.assert_array_equal(dx, g.reshape(x.shape))
    assert dx.transpose(1, 0, 2, 3).flags.c_contiguous  # channel-major, like x
    plain = rng.standard_normal((5, 3, 4, 4)).astype(np.float32)
    flat.forward(plain, True)
    assert flat.backward(g).flags.c_contiguous  # an ordinary batch stays as it is


def test_relu_backward_below_flatten_runs_in_parts(monkeypatch) -> None:
    """With matching layouts the ReLU's backward is split over the cores; with the
    gradient in the other order it would run as one strided pass."""
    monkeypatch.setattr(parallel, "MIN_ELEMENTWISE", 0)
    rng = np.random.default_rng(1)
    x = channel_major(rng, (4, 2, 3, 3))
    relu, flat = ReLU(), Flatten()
    relu.build((2, 3, 3), rng)
    flat.build((2, 3, 3), rng)
    flat.forward(relu.forward(x, True), True)
    calls = []
    real = parallel.split
    monkeypatch.setattr(parallel, "split", lambda *a, **k: calls.append(1) or real(*a, **k))
    g = rng.standard_normal((4, 18)).astype(np.float32)
    dx = relu.backward(flat.backward(g))
    np.testing.assert_array_equal(dx, g.reshape(4, 2, 3, 3) * (x > 0))
    assert calls  # the parts ran
