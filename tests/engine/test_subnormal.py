"""Decaying optimizer state never turns subnormal (engine/subnormal.py), and flushing it
changes no weight a float32 can tell apart."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.engine import subnormal
from nnplayground.engine.core import Parameter
from nnplayground.engine.optimizers import OPTIMIZERS

TINY = np.finfo(np.float32).tiny


def subnormals(values: np.ndarray) -> int:
    return int(np.count_nonzero((values != 0) & (np.abs(values) < TINY)))


@pytest.mark.parametrize("config", [
    {"name": "adam", "lr": 1e-3},
    {"name": "momentum", "lr": 1e-2, "momentum": 0.9},
    {"name": "nesterov", "lr": 1e-2, "momentum": 0.5},
    {"name": "rmsprop", "lr": 1e-3, "decay_rate": 0.6},
])
def test_state_of_weights_without_gradient_stays_normal(config: dict) -> None:
    # One step with a gradient, then 1,500 without: β = 0.9 alone takes 1e-3 below 1.2e-38
    # in ~800 steps, so without the flush the state would be subnormal by the end.
    opt = OPTIMIZERS.create(config)
    w = Parameter(np.linspace(-1, 1, 64, dtype=np.float32), "W")
    w.grad[...] = np.linspace(1e-3, 2e-3, 64, dtype=np.float32)
    opt.step([w])
    w.grad[...] = 0
    seen = 0
    for _ in range(1500):
        opt.step([w])
        seen = max(seen, sum(subnormals(v) for v in opt.state[w].values()
                             if isinstance(v, np.ndarray) and v is not opt.state[w].get("scratch")))
    assert seen == 0
    assert opt.iterations == 1501


def test_flushing_changes_no_weight() -> None:
    # The same run with and without the flush: every weight ends bit for bit equal.
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((1200, 256)).astype(np.float32)
    grads[:, :128] *= rng.random((1200, 128)) < 0.002  # mostly-zero gradients: they decay
    final = []
    for flushed in (True, False):
        opt = OPTIMIZERS.create({"name": "adam", "lr": 1e-3})
        if not flushed:
            opt.decays = dict
        w = Parameter(np.ones(256, np.float32), "W")
        for g in grads:
            w.grad[...] = g
            opt.step([w])
        final.append(w.value.copy())
        if not flushed:
            assert subnormals(opt.state[w]["m_scaled"]) > 0  # the case this test is about
    np.testing.assert_array_equal(final[0], final[1])


@pytest.mark.parametrize(("decay", "interval"), [(0.0, 64), (0.9, 64), (0.999, 64),
                                                  (0.5, 13), (0.1, 3), (0.01, 1)])
def test_flush_interval_comes_before_the_subnormals(decay: float, interval: int) -> None:
    assert subnormal.flush_interval(decay) == interval
    if decay > 0:  # from just above the threshold, `interval` steps stay normal
        assert subnormal.FLUSH_BELOW * decay**interval > TINY


def test_flush_zeroes_only_tiny_values() -> None:
    values = np.array([1e-31, -1e-31, 2e-30, -5e-29, 0.0, 1.0, 1e-40], np.float32)
    subnormal.flush(values)
    np.testing.assert_array_equal(values, np.array([0, 0, 2e-30, -5e-29, 0, 1, 0], np.float32))
