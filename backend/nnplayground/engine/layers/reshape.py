"""Flatten: (N, C, H, W) -> (N, C*H*W), the bridge from conv layers to Dense."""

from __future__ import annotations

import math

import numpy as np

from ..core import LAYERS, Layer, Shape
from ..im2col import channel_major, in_channel_major


@LAYERS.register("flatten")
class Flatten(Layer):
    def __init__(self) -> None:
        super().__init__()
        self.x_shape: tuple[int, ...] | None = None
        self.channel_major = False

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (math.prod(input_shape),)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if training:
            self.x_shape = x.shape
            self.channel_major = channel_major(x)
        return x.reshape(x.shape[0], -1)  # copies only when x is a channel-major conv view

    def backward(self, grad: np.ndarray) -> np.ndarray:
        grad = grad.reshape(self.x_shape)
        # Back into the input's memory order (the adjoint of forward's copy): the ReLU or
        # pool below then runs in parts per core on matching layouts, not one strided pass.
        return in_channel_major(grad) if self.channel_major else grad
