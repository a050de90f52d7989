"""``keras.Sequential`` and ``keras.models.load_model``: the engine's Sequential with Keras's
defaults (channels-last images, a progress bar, ``compile``'s names and defaults).

Keras layers arrive as engine layers plus what Keras folds into them (layers.py): the
activation is added as the next layer, ``input_shape=`` sets the model's input, and an
explicit ``data_format`` sets the layout of the arrays the model is given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ..engine import Sequential as _Sequential
from ..engine.model import Input as _Input
from . import losses, optimizers
from .layers import KerasLayer
from .utils import model_rng


class Sequential(_Sequential):
    default_verbose = 1  # Keras's verbose="auto": a progress bar

    def __init__(self, layers: Iterable[Any] | None = None, name: str | None = None, *,
                 rng: Any = None, dtype: Any = np.float32, data_format: str = "channels_last",
                 input_shape: Sequence[int] | None = None, trainable: bool = True) -> None:
        self._raw_input: tuple[int, ...] | None = None
        self._format_from: str | None = None  # the layer that fixed data_format
        super().__init__(None, name=name or "sequential",
                         rng=model_rng() if rng is None else rng, dtype=dtype,
                         data_format=data_format)
        for layer in layers or []:
            self.add(layer)
        if input_shape is not None:
            self.build(input_shape)

    def _set_input(self, shape: Sequence[int]) -> None:
        self._raw_input = tuple(shape)
        self.input_shape = self._model_shape(self._raw_input)

    def _take_format(self, layer: KerasLayer) -> None:
        fmt = layer.data_format
        if fmt is None or fmt == self.data_format:
            return
        if self._format_from is not None or self.built:
            raise ValueError(f"layer {layer.name or type(layer).__name__} has data_format="
                             f"{fmt!r} but the model already reads {self.data_format!r} data")
        self.data_format = fmt
        self._format_from = layer.name or type(layer).__name__
        if self._raw_input is not None:
            self.input_shape = self._model_shape(self._raw_input)

    def add(self, layer: Any) -> Sequential:
        if isinstance(layer, _Input):
            if self.layers:
                raise ValueError("Input must come first, before any layer")
            self._set_input(layer.shape)
            return self
        if not isinstance(layer, KerasLayer):
            return super().add(layer)
        self._take_format(layer)
        if layer.input_hint is not None and not self.layers and self.input_shape is None:
            self._set_input(layer.input_hint)
        for part in layer.expand():
            super().add(part)
        return self

    def build(self, input_shape: Sequence[int] | None = None, **kwargs: Any) -> Sequential:
        if input_shape is not None:
            shape = tuple(input_shape)
            if shape and shape[0] is None:  # Keras's batch_input_shape (None, 16)
                shape = shape[1:]
            self._raw_input = shape
            input_shape = shape
        return super().build(input_shape, **kwargs)

    def pop(self) -> Any:
        """Remove the last Keras layer, with the activation its ``activation=`` added."""
        layer = super().pop()
        owner = self.layers[-1] if self.layers else None
        if isinstance(owner, KerasLayer) and owner.activation_layer is layer:
            return super().pop()
        return layer

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None,
                metrics: Any = None, **unsupported: Any) -> Sequential:
        if unsupported:
            raise TypeError(f"compile() got unsupported arguments: {sorted(unsupported)}")
        return super().compile(optimizers.get(optimizer), losses.get(loss), metrics)


def load_model(path: Any, compile: bool = True) -> Sequential:  # noqa: A002 - Keras's name
    """A model written by ``model.save(path)`` (any file name; the format is .npz)."""
    return Sequential.load(path)
