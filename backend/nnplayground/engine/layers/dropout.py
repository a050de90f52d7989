"""Dropout, inverted: training scales kept units by 1/(1-rate), so inference is identity."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import LAYERS, Layer, Shape
from ._validate import fraction


@LAYERS.register("dropout")
class Dropout(Layer):
    def __init__(self, rate: float = 0.5) -> None:
        super().__init__()
        self.rate = fraction(rate, "rate", low_open=False, high_open=True)
        self.rng: np.random.Generator | None = None
        self.mask: np.ndarray | None = None

    def build(self, input_shape: Shape, rng: np.random.Generator, dtype: Any = np.float32) -> Shape:
        self.rng = rng  # the model's generator: same seed, same masks
        return super().build(input_shape, rng, dtype)

    def estimate(self, input_shape: Shape, batch_size: int, itemsize: int = 4) -> tuple[int, int]:
        # output and gradient (the default) plus the random draw and the scaled mask
        params, scratch = super().estimate(input_shape, batch_size, itemsize)
        return params, 2 * scratch

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if not training:
            return x  # leaves the training mask alone (see layers/__init__.py)
        if self.rate == 0.0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=self.dtype) >= self.dtype.type(self.rate)
        # Scaled float mask: backward is then a single multiply.
        self.mask = keep * self.dtype.type(1.0 / (1.0 - self.rate))
        return x * self.mask

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad if self.mask is None else grad * self.mask

    def config_params(self) -> dict[str, Any]:
        return {"rate": self.rate}
