"""Dense: the book's Affine layer, y = x @ W + b on (N, D) inputs."""

from __future__ import annotations

import math
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import numpy as np

from .. import blas, parallel
from ..core import LAYERS, Layer, Parameter, Shape, SpecError, shown
from ..initializers import get_initializer
from ._validate import positive_int


def resolve_init(init: Any) -> Any:
    """Check an ``init`` spec now, so a typo is reported at construction with its field."""
    try:
        return get_initializer(init)
    except ValueError as exc:
        raise SpecError(str(exc), field="init", code="spec.bad_init",
                        params={"init": shown(init), "detail": str(exc)}) from None


def init_to_config(init: Any) -> Any:
    """JSON-safe form of an ``init`` argument (a name stays a name)."""
    return init if isinstance(init, str | dict) else init.get_config()


@LAYERS.register("dense", "affine", "linear")
class Dense(Layer):
    size_field = "units"

    def __init__(self, units: int, init: Any = "he", use_bias: bool = True) -> None:
        super().__init__()
        self.units = positive_int(units, "units")
        self.init = init
        self.initializer = resolve_init(init)
        if not isinstance(use_bias, bool):
            raise SpecError(f"must be true or false, got {use_bias!r}", field="use_bias",
                            code="spec.bool", params={"value": shown(use_bias)})
        self.use_bias = use_bias
        self.W: Parameter | None = None
        self.b: Parameter | None = None
        self.x: np.ndarray | None = None
        # OpenBLAS thread policy, as in Conv2D (see blas.py: 2-thread GEMMs collapse on a
        # loaded machine; TwoLayerNet's first Dense took 34 ms instead of 0.2 ms at load ~20).
        self.forward_threads, self.backward_threads = blas.ThreadChoice(), blas.ThreadChoice()

    def build(self, input_shape: Shape, rng: np.random.Generator, dtype: Any = np.float32) -> Shape:
        if len(input_shape) != 1:
            raise SpecError(
                f"dense needs a flat input of shape (features,), got {list(input_shape)}; "
                "add a Flatten layer before it",
                field="input_shape",
                code="spec.needs_flatten",
                params={"shape": list(input_shape)},
            )
        out = super().build(input_shape, rng, dtype)
        fan_in = input_shape[0]
        w = self.initializer((fan_in, self.units), fan_in, self.units, rng, self.dtype)
        self.W = Parameter(w, "W", decay=True)
        if self.use_bias:
            self.b = Parameter(np.zeros(self.units, self.dtype), "b", decay=False)
        return out

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (self.units,)

    def estimate(self, input_shape: Shape, batch_size: int, itemsize: int = 4) -> tuple[int, int]:
        params = math.prod(input_shape) * self.units + (self.units if self.use_bias else 0)
        return params, super().estimate(input_shape, batch_size, itemsize)[1]

    def multiply_adds(self) -> int:
        return self.W.size

    def _split(self, rows: int) -> bool:
        """Fast path: a batch's products split over the cores (parallel.split), each part
        on one OpenBLAS thread; below SMALL_GEMM one part, still on one thread.  Either way
        OpenBLAS never wakes its own threads, whose spinning slowed the conv layers' parts
        (see parallel.py)."""
        return rows > 1 and rows * self.W.size >= blas.SMALL_GEMM

    def _unsplit_threads(self, rows: int, training: bool,
                         choice: blas.ThreadChoice) -> AbstractContextManager[None]:
        """OpenBLAS's threads for a fast-path product that is not split over the cores.

        Up to SERIAL_GEMM nothing is asked (OpenBLAS runs it on the caller anyway): a
        switch there only cost a call, and the draw pad's single image paid ~2 us a layer
        for a context manager.  A training batch in a process that has the cores to itself
        (no second process sharing the step, no ``one_part``) times 1 thread against all
        (``choice``), as the reference path does: TwoLayerNet's 784 -> 50 layer is too
        small to split (a hand-off to a worker thread takes ~47 us here, the product 89),
        but OpenBLAS's own threads, which spin between calls, run it in 54-61 us instead of
        89-104 and its dW in 55-60 instead of 89-105.  Otherwise one thread, held."""
        if rows * self.W.size <= blas.SERIAL_GEMM:
            return nullcontext()
        if training and parallel.workers() > 1:
            return choice.run()
        blas.hold_one_thread()
        return nullcontext()

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        # Cast once here so float64 data cannot silently upcast a float32 network.
        x = np.asarray(x, self.dtype)
        if training:
            self.x = x
        y = self._product(x, training)
        if self.b is not None:
            y += self.b.value
        return y

    def _product(self, x: np.ndarray, training: bool) -> np.ndarray:
        """x @ W: split over the cores (fast path, a batch), under ``_unsplit_threads``
        (fast path, training below SMALL_GEMM) or under the reference path's thread policy."""
        if parallel.enabled() and self._split(len(x)):
            y = np.empty((len(x), self.units), self.dtype)
            parallel.split(lambda _, lo, hi: np.matmul(x[lo:hi], self.W.value, out=y[lo:hi]),
                           len(x))
            return y
        if parallel.enabled() and (training or len(x) * self.W.size < blas.SMALL_GEMM):
            with self._unsplit_threads(len(x), training, self.forward_threads):
                return x @ self.W.value
        threads = (
            self.forward_threads.run()
            if training
            else blas.one_thread_if_small(len(x) * self.W.size)
        )
        with threads:
            return x @ self.W.value

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        if parallel.enabled():
            return self._backward_parts(grad)
        with self.backward_threads.run():
            return self._backward(grad)

    def _backward_parts(self, grad: np.ndarray) -> np.ndarray | None:
        """dW split by input features (rows of W), dx by samples; the reference's math."""
        if not self._split(len(grad)):  # one part: the reference's calls
            with self._unsplit_threads(len(grad), True, self.backward_threads):
                return self._backward(grad)
        x, fan_in = self.x, self.W.shape[0]
        # dx is made as dx^T = W @ grad^T, stored (fan_in, N): SimpleConvNet's 4320 -> 100
        # layer, 50 images on one core, 0.75 ms as grad @ W^T and 0.54 so; with Flatten's
        # copy back into the pool's order, 0.88 -> 0.64 ms.  Handed on as its (N, fan_in) view.
        dx_t = np.empty((fan_in, len(grad)), grad.dtype) if self.needs_input_grad else None

        def weights(_: int, lo: int, hi: int) -> None:
            np.matmul(x[:, lo:hi].T, grad, out=self.W.grad[lo:hi])

        def inputs(_: int, lo: int, hi: int) -> None:
            np.matmul(self.W.value, grad[lo:hi].T, out=dx_t[:, lo:hi])

        if dx_t is None:
            parallel.split(weights, fan_in)
        else:  # one hand-off, not two: part i takes its rows of W.grad and of dx
            rows = parallel.bounds(len(grad), parallel.workers())
            features = parallel.bounds(fan_in, len(rows))

            def both(i: int, _lo: int, _hi: int) -> None:
                if i < len(features):
                    weights(i, *features[i])
                inputs(i, *rows[i])

            parallel.split(both, len(rows), parts=len(rows))
        if self.b is not None:
            np.sum(grad, axis=0, out=self.b.grad)
        return None if dx_t is None else dx_t.T

    def _backward(self, grad: np.ndarray) -> np.ndarray | None:
        np.matmul(self.x.T, grad, out=self.W.grad)
        if self.b is not None:
            np.sum(grad, axis=0, out=self.b.grad)
        if not self.needs_input_grad:
            return None
        return grad @ self.W.value.T

    def parameters(self) -> list[Parameter]:
        return [p for p in (self.W, self.b) if p is not None]

    def config_params(self) -> dict[str, Any]:
        return {"units": self.units, "init": init_to_config(self.init), "use_bias": self.use_bias}
