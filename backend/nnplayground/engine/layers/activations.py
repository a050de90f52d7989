"""Elementwise activations (and Softmax), each with its backward beside its forward."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import parallel
from ..core import LAYERS, Layer, SpecError, shown

_ZEROS: dict[np.dtype, np.ndarray] = {}
# The largest shared zero vector (8 MB of float32): a training batch's parts fit (DeepConvNet's
# biggest: 1.25 M elements); a 1000-image evaluation batch takes the scalar loop rather than
# keeping a 50 MB array of zeros for the life of the process.
ZEROS_CAP = 1 << 21


def zeros_like_flat(x: np.ndarray) -> np.ndarray:
    """A read-only C-ordered array of zeros shaped like x, a view of one shared vector.

    np.maximum(x, 0) with a scalar zero runs NumPy's unvectorised loop: 1.2 G elements/s
    here, against 4.9 G/s for np.maximum(x, zeros) with a zero array of x's shape."""
    flat = _ZEROS.get(x.dtype)
    if flat is None or flat.size < x.size:
        flat = np.zeros(max(x.size, 1 << 16), x.dtype)
        flat.flags.writeable = False
        _ZEROS[x.dtype] = flat
    return flat[: x.size].reshape(x.shape)


@LAYERS.register("relu")
class ReLU(Layer):
    """max(x, 0); its derivative is the mask x > 0.  On batches each op runs in one part
    per core (parallel.elementwise; one part on the reference path)."""

    input_order = "keeps"  # empty_like and the parts follow x's memory order

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        out = np.empty_like(x)  # x's memory order, so the parts line up

        def relu(x: np.ndarray, out: np.ndarray, mask: np.ndarray | None = None) -> None:
            if mask is not None:
                np.greater(x, 0, out=mask)
            np.maximum(x, zeros_like_flat(x) if x.size <= ZEROS_CAP else 0, out=out)

        if training:
            self.mask = np.empty_like(x, dtype=bool)
            parallel.elementwise(relu, x, out, self.mask, parts=parallel.enabled())
        else:
            parallel.elementwise(relu, x, out, parts=parallel.enabled())
        return out

    def elementwise_into(self) -> Any:
        return lambda x, out: np.maximum(x, zeros_like_flat(out), out=out)

    def runs_after(self, following: Layer) -> bool:
        """ReLU is non-decreasing, so relu(max of a window) = max of relu(window).  The
        gradient agrees too: where the window's max m > 0 it is the same first entry
        either way and ReLU passes the gradient; where m <= 0 both give 0 (ReLU after
        the pool masks it, ReLU before it masks the entry the pool picked, which is
        <= 0).  After a 2x2 max pool ReLU touches a quarter of the data."""
        return following.selects_maximum

    def backward(self, grad: np.ndarray) -> np.ndarray:
        out = np.empty_like(self.mask, dtype=grad.dtype)
        parallel.elementwise(lambda g, m, o: np.multiply(g, m, out=o), grad, self.mask, out,
                             parts=parallel.enabled())
        return out


@LAYERS.register("leakyrelu", "leaky_relu")
class LeakyReLU(Layer):
    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        if isinstance(alpha, bool) or not isinstance(alpha, int | float) or not alpha >= 0:
            raise SpecError(f"must be a non-negative number, got {alpha!r}", field="alpha",
                            code="spec.non_negative_number", params={"value": shown(alpha)})
        self.alpha = float(alpha)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        positive = x > 0
        if training:
            self.mask = positive
        return np.where(positive, x, x * x.dtype.type(self.alpha))

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return np.where(self.mask, grad, grad * grad.dtype.type(self.alpha))

    def config_params(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


@LAYERS.register("sigmoid")
class Sigmoid(Layer):
    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        # 0.5 * (1 + tanh(x/2)) equals 1/(1+exp(-x)) but cannot overflow for large |x|.
        half = x.dtype.type(0.5)
        y = np.tanh(x * half)
        y += 1
        y *= half
        if training:
            self.y = y
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * self.y * (1 - self.y)


@LAYERS.register("tanh")
class Tanh(Layer):
    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        y = np.tanh(x)
        if training:
            self.y = y
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad * (1 - self.y * self.y)


@LAYERS.register("identity", "linear_activation")
class Identity(Layer):
    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray:
        return grad


def softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    """Numerically stable: subtracting the max keeps exp() from overflowing (book ch. 3.5)."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


@LAYERS.register("softmax")
class Softmax(Layer):
    """Softmax over the feature axis (axis 1; channels for images).  With the
    softmax_cross_entropy loss the model should end in logits instead: that loss fuses the
    two for a simpler, stabler gradient."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        y = softmax(x, axis=1)
        if training:
            self.y = y
        return y

    def backward(self, grad: np.ndarray) -> np.ndarray:
        # Jacobian-vector product: dx_i = y_i * (g_i - sum_j g_j y_j).
        y = self.y
        return y * (grad - np.sum(grad * y, axis=1, keepdims=True))


class NoGradientError(RuntimeError):
    """Raised when training would need the gradient of a layer that has none."""


@LAYERS.register("step")
class Step(Layer):
    """The perceptron's step function (book ch. 2-3): 1 where x > 0, else 0."""

    differentiable = False

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        return (x > 0).astype(x.dtype)

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NoGradientError(
            "step has no useful gradient (it is 0 everywhere except the jump), so a network "
            "with a step layer cannot be trained by backpropagation; use sigmoid instead"
        )
