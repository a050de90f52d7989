"""Flatten: (N, C, H, W) -> (N, C*H*W), the bridge from conv layers to Dense."""

from __future__ import annotations

import math

import numpy as np

from ..core import LAYERS, Layer, Shape
from ..im2col import in_order, memory_order


@LAYERS.register("flatten")
class Flatten(Layer):
    input_order = "any"  # forward's copy reads any order; backward puts grad back in it

    def __init__(self) -> None:
        super().__init__()
        self.x_shape: tuple[int, ...] | None = None
        self.order: tuple[int, ...] = ()

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (math.prod(input_shape),)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if training:
            self.x_shape = x.shape
            self.order = memory_order(x)
        return x.reshape(x.shape[0], -1)  # copies only when x is stored as a conv's output

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = grad.reshape(self.x_shape)
        # Back into the input's memory order (the adjoint of forward's copy): the ReLU or
        # pool below then runs in parts per core on matching layouts, not one strided pass.
        return in_order(grad, self.order)
