"""BatchNorm (Ioffe & Szegedy; the book's ch. 6.3).

Per feature on (N, D) input (after Dense), per channel on (N, C, H, W) input (after
Conv2D).  Both cases are computed on a (features, samples) view of the data: ``x.T`` for
(N, D); for images the channel-major layout Conv2D produces makes (C, N*H*W) a free reshape.
Running statistics follow the book: ``running = momentum * running + (1 - momentum) * batch``
with the biased batch variance; inference uses them instead of batch statistics.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..core import LAYERS, Layer, Parameter, Shape, SpecError
from ._validate import fraction, positive_float


@LAYERS.register("batchnorm", "batch_norm", "batchnormalization")
class BatchNorm(Layer):
    couples_samples = True  # batch statistics

    def __init__(self, momentum: float = 0.9, eps: float = 1e-5) -> None:
        super().__init__()
        self.momentum = fraction(momentum, "momentum", low_open=False, high_open=True)
        self.eps = positive_float(eps, "eps")
        self.gamma: Parameter | None = None
        self.beta: Parameter | None = None
        self.running_mean: np.ndarray | None = None
        self.running_var: np.ndarray | None = None

    def build(self, input_shape: Shape, rng: np.random.Generator, dtype: Any = np.float32) -> Shape:
        if len(input_shape) not in (1, 3):
            raise SpecError(
                f"batchnorm needs (features,) or (channels, height, width) input, "
                f"got {list(input_shape)}",
                field="input_shape",
                code="spec.batchnorm_shape",
                params={"shape": list(input_shape)},
            )
        out = super().build(input_shape, rng, dtype)
        c = input_shape[0]
        self.gamma = Parameter(np.ones(c, self.dtype), "gamma", decay=False)
        self.beta = Parameter(np.zeros(c, self.dtype), "beta", decay=False)
        self.running_mean = np.zeros(c, self.dtype)
        self.running_var = np.ones(c, self.dtype)
        return out

    def estimate(self, input_shape: Shape, batch_size: int, itemsize: int = 4) -> tuple[int, int]:
        # gamma, beta; running mean and variance; per sample: output, gradient, the cached
        # xhat and one temporary of the same size (forward's xc * xc, backward's dx).
        c = input_shape[0] if input_shape else 1
        per_step = 4 * math.prod(input_shape) * batch_size * itemsize
        return 2 * c, per_step + 2 * c * itemsize

    @staticmethod
    def _features_first(x: np.ndarray) -> np.ndarray:
        """(N, D) -> (D, N) view; (N, C, H, W) -> (C, N*H*W)."""
        if x.ndim == 2:
            return x.T
        return x.transpose(1, 0, 2, 3).reshape(x.shape[1], -1)

    @staticmethod
    def _back_to(y: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        if len(shape) == 2:
            return y.T
        n, c, h, w = shape
        return y.reshape(c, n, h, w).transpose(1, 0, 2, 3)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        xt = self._features_first(x)
        gamma, beta = self.gamma.value[:, None], self.beta.value[:, None]
        if not training:
            scale = gamma / np.sqrt(self.running_var[:, None] + self.dtype.type(self.eps))
            y = xt * scale
            y += beta - self.running_mean[:, None] * scale
            return self._back_to(y, x.shape)
        mean = xt.mean(axis=1, keepdims=True)
        xc = xt - mean
        var = np.mean(xc * xc, axis=1, keepdims=True)
        inv_std = 1.0 / np.sqrt(var + self.dtype.type(self.eps))
        xhat = xc
        xhat *= inv_std  # reuse the centred buffer
        self.xhat, self.inv_std, self.x_shape = xhat, inv_std, x.shape
        # In place so references handed out by buffers() stay valid.
        m = self.dtype.type(self.momentum)
        self.running_mean *= m
        self.running_mean += (1 - m) * mean[:, 0]
        self.running_var *= m
        self.running_var += (1 - m) * var[:, 0]
        y = xhat * gamma
        y += beta
        return self._back_to(y, x.shape)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        gt = self._features_first(grad)
        xhat = self.xhat
        count = xhat.shape[1]
        np.sum(gt, axis=1, out=self.beta.grad)
        np.sum(gt * xhat, axis=1, out=self.gamma.grad)
        # dx = gamma/(M*std) * (M*g - sum(g) - xhat*sum(g*xhat)), the batch-mean terms
        # coming from mean and variance depending on every sample.
        dx = gt * self.dtype.type(count)
        dx -= self.beta.grad[:, None]
        dx -= xhat * self.gamma.grad[:, None]
        dx *= self.gamma.value[:, None] * self.inv_std / self.dtype.type(count)
        self.xhat = None
        return self._back_to(dx, self.x_shape)

    def parameters(self) -> list[Parameter]:
        return [p for p in (self.gamma, self.beta) if p is not None]

    def buffers(self) -> dict[str, np.ndarray]:
        if self.running_mean is None:
            return {}
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def config_params(self) -> dict[str, Any]:
        return {"momentum": self.momentum, "eps": self.eps}
