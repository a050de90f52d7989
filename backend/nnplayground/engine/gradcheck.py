"""Gradient checking: backprop gradients against central differences (book ch. 5.7).

``check_gradients`` runs a list of layers itself (so it works on a bare layer, a list, or
any model object with a ``.layers`` list), in float64, training mode.  Randomness is
replayed: every generator a layer holds (Dropout's) is rewound before each forward, so the
mask is the same in all the perturbed evaluations and the check is meaningful.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .core import Layer, Parameter
from .losses import LOSSES
from .spec import layer_type

TINY = 1e-30
# Below this, both gradients are round-off around a true zero (e.g. a conv bias followed by
# BatchNorm, which subtracts it out again) and a ratio of two noises means nothing.
ZERO_GRADIENT = 1e-8


def numerical_gradient(
    f: Callable[[], float] | Callable[[np.ndarray], float], array: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """d f / d array by central differences, perturbing ``array`` in place (and restoring it).

    ``f`` may take no argument and read ``array`` itself (a closure over a layer's weights),
    or take the array, as in the book: ``numerical_gradient(lambda W: net.loss(x, t), W)``.
    """
    call = f if _takes_no_arguments(f) else (lambda: f(array))  # type: ignore[call-arg]
    grad = np.zeros_like(array, dtype=np.float64)
    flat, gflat = array.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, array):
        raise ValueError("numerical_gradient needs a contiguous array it can perturb in place")
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        up = call()
        flat[i] = saved - eps
        down = call()
        flat[i] = saved
        gflat[i] = (up - down) / (2 * eps)
    return grad


def _takes_no_arguments(f: Callable[..., float]) -> bool:
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature: pass the array
        return False
    return not any(
        p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        for p in params
    )


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """max|a - n| / max(|a| + |n|): scale-free, 0 for a perfect match.  When every entry
    of both is below ZERO_GRADIENT the gradient is zero and the absolute error is returned."""
    a, n = np.asarray(analytic, np.float64), np.asarray(numeric, np.float64)
    if not a.size:
        return 0.0
    scale = float(np.max(np.abs(a) + np.abs(n)))
    diff = float(np.max(np.abs(a - n)))
    return diff if scale < ZERO_GRADIENT else diff / max(scale, TINY)


def _layers_of(model_or_layer: Any) -> list[Layer]:
    if isinstance(model_or_layer, Layer):
        return [model_or_layer]
    if hasattr(model_or_layer, "layers"):
        return list(model_or_layer.layers)
    if isinstance(model_or_layer, Sequence):
        return list(model_or_layer)
    raise TypeError(f"expected a Layer, a list of layers or a model, got {type(model_or_layer)}")


def check_gradients(
    model_or_layer: Any,
    x: np.ndarray,
    y: np.ndarray,
    loss: Any = "softmax_cross_entropy",
    eps: float = 1e-6,
) -> dict[str, float]:
    """Relative error per parameter ("layer 0 (dense).W") and for the input ("input").
    The layers must be built with dtype=np.float64."""
    layers = _layers_of(model_or_layer)
    loss_fn = LOSSES.create(loss) if isinstance(loss, str | dict) else loss
    for layer in layers:
        for p in layer.parameters():
            if p.value.dtype != np.float64:
                raise ValueError(
                    f"gradient checks need float64 parameters, {p.name} is {p.value.dtype}; "
                    "build with dtype=np.float64"
                )
    x = np.array(x, dtype=np.float64)
    # A model skips the data's gradient in training; the check wants it, then restores.
    needs_input_grad = [layer.needs_input_grad for layer in layers]
    for layer in layers:
        layer.needs_input_grad = True
    rngs = [(layer, layer.rng.bit_generator.state) for layer in layers if _has_rng(layer)]
    saved_buffers = [{k: v.copy() for k, v in layer.buffers().items()} for layer in layers]

    def loss_value() -> float:
        for layer, state in rngs:
            layer.rng.bit_generator.state = state
        out = x
        for layer in layers:
            out = layer.forward(out, True)
        return loss_fn.forward(out, y)

    loss_value()
    grad = loss_fn.backward()
    for layer in reversed(layers):
        grad = layer.backward(grad)
    analytic = {}
    for i, layer in enumerate(layers):
        for p in layer.parameters():
            analytic[param_key(i, layer, p)] = (p, p.grad.copy())
    errors = {
        key: relative_error(g, numerical_gradient(loss_value, p.value, eps))
        for key, (p, g) in analytic.items()
    }
    if grad is not None:
        errors["input"] = relative_error(grad, numerical_gradient(loss_value, x, eps))
    for layer, buffers, needs in zip(layers, saved_buffers, needs_input_grad, strict=True):
        for k, v in layer.buffers().items():
            v[...] = buffers[k]
        layer.needs_input_grad = needs
    return errors


def param_key(index: int, layer: Layer, param: Parameter) -> str:
    """How check_gradients names a parameter: "layer 0 (dense).W"."""
    return f"layer {index} ({layer_type(layer)}).{param.name}"


def _has_rng(layer: Layer) -> bool:
    return isinstance(getattr(layer, "rng", None), np.random.Generator)
