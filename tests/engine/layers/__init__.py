"""Helpers shared by the layer tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnplayground.engine.core import Layer


def build(layers: Sequence[Layer], input_shape: tuple[int, ...], dtype=np.float64, seed: int = 0):
    """Build layers in order (as a model would) and return them as a list."""
    rng = np.random.default_rng(seed)
    shape = tuple(input_shape)
    for layer in layers:
        shape = layer.build(shape, rng, dtype)
    return list(layers)


def assert_grads_ok(errors: dict[str, float], tol: float = 1e-6) -> None:
    bad = {k: v for k, v in errors.items() if not v < tol}
    assert not bad, f"relative errors above {tol}: {bad}"
