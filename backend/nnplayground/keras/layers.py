"""``keras.layers``: Keras's constructors (names, arguments, defaults) for the engine's layers.

Each class here *is* the engine's layer (a subclass), so its ``get_config`` writes the
page's spec unchanged: ``Conv2D(32, (3, 3), activation="relu")`` is
``{"type": "conv2d", "filters": 32, "kernel_size": 3, "stride": 1, "padding": 0, "init":
"glorot_uniform"}`` followed by ``{"type": "relu"}``.  What Keras folds into a layer becomes
its own layer, as the book draws it: ``activation=`` adds the activation right after
(``model.layers`` lists it), ``input_shape=`` on the first layer sets the model's input.

``padding="same"`` is resolved when the layer is built, from its input size, into the
symmetric integer padding that gives Keras's output size ceil(size / stride) (odd kernels
always have one; an even kernel with stride 1 has none, and the error says so).
``data_format`` is "channels_last" unless told otherwise, as in Keras; the model transposes
the data once per call (engine/inference.py) and the layers run channels-first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..engine import LAYERS, SpecError
from ..engine import layers as _layers
from ..engine.model import Input as _Input
from ..engine.model import check_data_format


class Input(_Input):
    """``keras.Input(shape=(28, 28, 1))``: the per-sample shape, channels-last by default."""

    def __init__(self, shape: Sequence[int], batch_size: int | None = None,
                 dtype: Any = None, name: str | None = None) -> None:
        super().__init__(shape, name=name)


def _activation(name: Any) -> _layers.Layer | None:
    if name is None or name == "linear":
        return None
    if isinstance(name, _layers.Layer):
        return name
    if not isinstance(name, str):
        raise SpecError(f"must be a name such as 'relu' or 'softmax', got {name!r}",
                        field="activation")
    try:
        return LAYERS.create(name)
    except ValueError as exc:
        raise SpecError(str(exc), field="activation") from None


def Activation(activation: str, name: str | None = None) -> _layers.Layer:  # noqa: N802 - Keras
    layer = _activation(activation) or _layers.Identity()
    layer.name = name
    return layer


class KerasLayer:
    """What the Keras constructors add to an engine layer: a name, an activation to follow
    it, an input shape and a data format for the model to take."""

    activation_layer: _layers.Layer | None = None
    input_hint: tuple[int, ...] | None = None
    data_format: str | None = None

    def _keras(self, name: str | None, activation: Any = None, input_shape: Any = None,
               data_format: str | None = None) -> None:
        self.name = name
        self.activation_layer = _activation(activation)
        self.input_hint = None if input_shape is None else tuple(input_shape)
        self.data_format = None if data_format is None else check_data_format(data_format)

    def expand(self) -> list[_layers.Layer]:
        """The engine layers this Keras layer stands for, in order."""
        return [self] if self.activation_layer is None else [self, self.activation_layer]


def _zeros_only(bias_initializer: Any) -> None:
    if bias_initializer not in ("zeros", "zero"):
        raise SpecError(f"biases always start at zero here, got {bias_initializer!r}",
                        field="bias_initializer")


def _single(field: str, value: Any) -> int:
    """Keras's (2, 2) pair -> 2; the engine's layers take one stride for both axes."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or value[0] != value[1]:
            raise SpecError(f"must be one number or an equal pair, got {value!r}", field=field)
        value = value[0]
    return value


def _padding_mode(padding: Any) -> str | int:
    if isinstance(padding, str) and padding.lower() in ("same", "valid"):
        return padding.lower()
    if isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0:
        return padding  # the book's integer padding works as well
    raise SpecError(f"must be 'valid', 'same' or an integer >= 0, got {padding!r}",
                    field="padding")


def same_padding(sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int]) -> int:
    """The symmetric padding that gives Keras's 'same' output size ceil(n / stride)."""
    pads = []
    for n, k, s in zip(sizes, kernel, strides, strict=True):
        out = math.ceil(n / s)
        total = max((out - 1) * s + k - n, 0)
        # An odd total: Keras pads the extra pixel at the bottom/right.  With a stride >= 2
        # one more pixel on each side gives the same output size (the last window simply
        # does not reach it), shifted by one pixel; with stride 1 it would not.
        pad = (total + 1) // 2
        if (n + 2 * pad - k) // s + 1 != out:
            raise SpecError(
                f"padding='same' on a {n}-pixel side with kernel {k}, stride {s} needs "
                f"{total} padding pixels, which cannot be split evenly; use padding='valid', "
                "an odd kernel size or an integer padding", field="padding")
        pads.append(pad)
    if pads[0] != pads[1]:
        raise SpecError(f"padding='same' needs {pads[0]} rows but {pads[1]} columns of padding; "
                        "use a square input and kernel, or an integer padding", field="padding")
    return pads[0]


class Dense(KerasLayer, _layers.Dense):
    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 input_shape: Sequence[int] | None = None, input_dim: int | None = None,
                 name: str | None = None) -> None:
        _zeros_only(bias_initializer)
        super().__init__(units, init=kernel_initializer, use_bias=use_bias)
        self._keras(name, activation, (input_dim,) if input_dim else input_shape)


class Conv2D(KerasLayer, _layers.Conv2D):
    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: Any = "valid", data_format: str | None = None,
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 input_shape: Sequence[int] | None = None, name: str | None = None) -> None:
        if use_bias is not True:
            raise SpecError("conv2d always has biases here; use_bias must be True",
                            field="use_bias")
        _zeros_only(bias_initializer)
        self.padding_mode = _padding_mode(padding)
        fixed = self.padding_mode if isinstance(self.padding_mode, int) else 0
        super().__init__(filters, kernel_size, stride=_single("strides", strides),
                         padding=fixed, init=kernel_initializer)
        self._keras(name, activation, input_shape, data_format)

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if self.padding_mode == "same" and len(input_shape) == 3:
            self.padding = same_padding(input_shape[1:], self.kernel_size, (self.stride,) * 2)
        return super().compute_output_shape(input_shape)


class _KerasPool(KerasLayer):
    def _setup(self, pool_size: Any, strides: Any, padding: Any, data_format: Any,
               name: str | None) -> dict[str, Any]:
        self.padding_mode = _padding_mode(padding)
        fixed = self.padding_mode if isinstance(self.padding_mode, int) else 0
        return {"pool_size": pool_size, "stride": strides, "padding": fixed}

    def compute_output_shape(self, input_shape: tuple[int, ...]) -> tuple[int, ...]:
        if self.padding_mode == "same" and len(input_shape) == 3:
            self.padding = same_padding(input_shape[1:], self.pool_size, self.stride)
        return super().compute_output_shape(input_shape)


class MaxPooling2D(_KerasPool, _layers.MaxPool2D):
    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: Any = "valid",
                 data_format: str | None = None, name: str | None = None) -> None:
        args = self._setup(pool_size, strides, padding, data_format, name)
        _layers.MaxPool2D.__init__(self, **args)
        self._keras(name, None, None, data_format)


class AveragePooling2D(_KerasPool, _layers.AvgPool2D):
    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: Any = "valid",
                 data_format: str | None = None, name: str | None = None) -> None:
        args = self._setup(pool_size, strides, padding, data_format, name)
        _layers.AvgPool2D.__init__(self, **args)
        self._keras(name, None, None, data_format)


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D


class Flatten(KerasLayer, _layers.Flatten):
    def __init__(self, data_format: str | None = None,
                 input_shape: Sequence[int] | None = None, name: str | None = None) -> None:
        super().__init__()
        self._keras(name, None, input_shape, data_format)


class Dropout(KerasLayer, _layers.Dropout):
    def __init__(self, rate: float, noise_shape: Any = None, seed: Any = None,
                 name: str | None = None) -> None:
        if noise_shape is not None:
            raise SpecError("noise_shape is not supported", field="noise_shape")
        super().__init__(rate)  # masks come from the model's generator (seeded once)
        self._keras(name)


class BatchNormalization(KerasLayer, _layers.BatchNorm):
    """Keras's defaults momentum 0.99, epsilon 1e-3; same running-average rule as the book.
    The engine normalises the channel axis (``axis=-1`` channels-last is that axis)."""

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, name: str | None = None) -> None:
        if not (center and scale):
            raise SpecError("center and scale are always on here", field="center")
        super().__init__(momentum=momentum, eps=epsilon)
        self._keras(name)


class ReLU(KerasLayer, _layers.ReLU):
    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self._keras(name)


class Softmax(KerasLayer, _layers.Softmax):
    def __init__(self, axis: int = -1, name: str | None = None) -> None:
        super().__init__()
        self._keras(name)


class LeakyReLU(KerasLayer, _layers.LeakyReLU):
    def __init__(self, negative_slope: float = 0.3, name: str | None = None,
                 alpha: float | None = None) -> None:
        super().__init__(alpha=negative_slope if alpha is None else alpha)
        self._keras(name)
