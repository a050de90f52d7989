"""Dropout in two modes.

``inverted`` (the default, what frameworks do): training scales the kept units by 1/(1-rate),
so inference is the identity.  ``book`` (『ゼロから作るDeep Learning』 §6.4.3, common/layers.py):
training keeps units unscaled, inference multiplies by (1 - rate).  The expected output is
the same; what differs is the size of the signal the next layers train on: the book's deep
net sees weaker activations while it learns (overfit_dropout.py ends at train 0.67 /
test 0.548 in the book, where inverted dropout reaches 0.977 / 0.750 on the same setting).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..core import LAYERS, Layer, Shape, SpecError
from ._validate import fraction

MODES = ("inverted", "book")


@LAYERS.register("dropout")
class Dropout(Layer):
    stochastic = True

    def __init__(self, rate: float = 0.5, mode: str = "inverted") -> None:
        super().__init__()
        self.rate = fraction(rate, "rate", low_open=False, high_open=True)
        if mode not in MODES:
            raise SpecError(f"must be one of {', '.join(MODES)}, got {mode!r}", field="mode")
        self.mode = mode
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
            # Leaves the training mask alone (see layers/__init__.py).
            if self.mode == "book" and self.rate > 0.0:
                return x * self.dtype.type(1.0 - self.rate)
            return x
        if self.rate == 0.0:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=self.dtype) >= self.dtype.type(self.rate)
        # A float mask (scaled in inverted mode): backward is then a single multiply.
        scale = 1.0 / (1.0 - self.rate) if self.mode == "inverted" else 1.0
        self.mask = keep * self.dtype.type(scale)
        return x * self.mask

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad if self.mask is None else grad * self.mask

    def config_params(self) -> dict[str, Any]:
        # The default mode is left out, so every config written before the book mode existed
        # stays byte-identical.
        return {"rate": self.rate} if self.mode == "inverted" else {"rate": self.rate,
                                                                     "mode": self.mode}
