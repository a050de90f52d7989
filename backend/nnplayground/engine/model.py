"""``Sequential``: a stack of layers with Keras's API (compile / fit / evaluate / predict).

Training data flows forward through ``layer.forward`` and the loss gradient flows back through
``layer.backward`` in reverse order; the optimizer then updates every Parameter in place.  All
randomness (initial weights, shuffling, dropout masks, validation split) comes from one
``np.random.Generator``, so a seed reproduces a run bit for bit, up to one exception: a
product that blas.ThreadChoice runs on OpenBLAS's threads in one run and on one thread in
another (a reference-path layer, or a fast-path Dense in a step with nothing to split, as
TwoLayerNet's) may round differently in its last bit (100x784 @ 784x50 does here), and the
runs then drift apart as float32 runs do.

The class is split by concern: structure and building here; spec, summary and compile in
config.py; running the network in inference.py; weights and files in weights.py; the
training loop in training.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import flat, replicas
from . import spec as specs
from .config import ConfigMixin
from .core import Layer, Parameter, Shape, SpecError
from .inference import InferenceMixin
from .metrics import layout_hint
from .optimizers import Optimizer
from .weights import WeightsMixin

RngLike = None | int | np.random.Generator
DATA_FORMATS = ("channels_first", "channels_last")


def as_rng(rng: RngLike) -> np.random.Generator:
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool) and rng >= 0:
        return np.random.default_rng(int(rng))
    raise ValueError(f"rng must be None, a seed >= 0 or a numpy Generator, got {rng!r}")


def as_dtype(dtype: Any) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    return dt


def check_data_format(value: Any) -> str:
    if value not in DATA_FORMATS:
        raise ValueError(f"data_format must be 'channels_first' or 'channels_last', got {value!r}")
    return value


class Input:
    """``Input(shape=(28, 28, 1))`` as the first item of a Sequential: the per-sample shape of
    the data, in the data's own layout (see ``data_format``).  It is not a layer."""

    def __init__(self, shape: Sequence[int], name: str | None = None) -> None:
        self.shape = tuple(shape) if isinstance(shape, (list, tuple)) else (shape,)
        self.name = name

    def __repr__(self) -> str:
        return f"Input(shape={self.shape})"


class Sequential(ConfigMixin, InferenceMixin, WeightsMixin):
    # verbose="auto" in fit/evaluate/predict means this: quiet for the book's scripts and the
    # server, a progress bar for nnplayground.keras (as in Keras).
    default_verbose = 0

    def __init__(
        self,
        layers: Iterable[Layer | dict[str, Any] | Input] | None = None,
        input_shape: Sequence[int] | None = None,
        name: str | None = None,
        rng: RngLike = None,
        dtype: Any = np.float32,
        data_format: str = "channels_first",
    ) -> None:
        self.name = name or "Sequential"
        self.rng = as_rng(rng)
        self.dtype = as_dtype(dtype)
        # The layout of the arrays passed in.  channels_last (N, H, W, C) images are
        # transposed once per call to the (N, C, H, W) the layers use; the spec always
        # holds the channels-first shape.
        self.data_format = check_data_format(data_format)
        self.layers: list[Layer] = []
        self.input_shape: Shape | None = None
        self.output_shape: Shape | None = None
        self.optimizer: Optimizer | None = None
        self.loss: Any = None
        self.metrics: list[str] = []
        self.stop_training = False
        self.history: Any = None
        self._params: list[Parameter] = []
        self._loss_layers: list[Layer] = []
        self._backprop: list[Layer] = []
        for layer in layers or []:
            self.add(layer)
        if input_shape is not None:
            self.input_shape = self._model_shape(input_shape)
            if self.layers:
                self.build()

    # ---- structure -------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        return bool(self.layers) and self.output_shape is not None

    def _model_shape(self, shape: Sequence[int]) -> Shape:
        """A per-sample shape in the data's layout -> the layers' (C, H, W) layout."""
        checked = specs.check_input_shape(list(shape) if isinstance(shape, (list, tuple))
                                          else shape)
        if self.data_format == "channels_last" and len(checked) == 3:
            h, w, c = checked
            return (c, h, w)
        return checked

    def _name_layer(self, layer: Layer) -> None:
        if layer.name is None:
            base = specs.layer_type(layer)
            taken = {lyr.name for lyr in self.layers}
            k, name = 0, base
            while name in taken:
                k += 1
                name = f"{base}_{k}"
            layer.name = name

    def add(self, layer: Layer | dict[str, Any] | Input) -> Sequential:
        """Append a layer (instance or spec dict); built at once if the model already is.
        An ``Input`` first sets the input shape instead."""
        if isinstance(layer, Input):
            if self.layers:
                raise SpecError("Input must come first, before any layer", field="input_shape")
            self.input_shape = self._model_shape(layer.shape)
            return self
        layer = specs.layer_from_spec(layer, len(self.layers))
        if any(lyr is layer for lyr in self.layers):
            raise SpecError(
                f"layer {layer.name!r} is already in this model; create a new layer instead",
                index=len(self.layers),
            )
        self._name_layer(layer)
        if not self.built:
            self.layers.append(layer)
            if self.input_shape is not None:  # as Keras: known input, built layer by layer
                try:
                    self.build(max_params=None)
                except SpecError:
                    self.layers.pop()
                    raise
            return self
        try:
            self.output_shape = specs.build_layers(
                [layer], self.output_shape, self.rng, self.dtype, max_params=None
            )
        except SpecError as exc:  # build_layers numbered it 0; its place is at the end
            raise exc.with_index(len(self.layers)) from None
        self.layers.append(layer)
        self._link()
        return self

    def pop(self) -> Layer:
        """Remove and return the last layer (the model stays built on the rest)."""
        if not self.layers:
            raise ValueError("pop() on a model with no layers")
        layer = self.layers.pop()
        if self.output_shape is not None:
            self.output_shape = self.layers[-1].output_shape if self.layers else None
            self._link()
        return layer

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        if (name is None) == (index is None):
            raise ValueError("get_layer needs exactly one of name= or index=")
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"index {index} is out of range: the model has "
                                 f"{len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        names = ", ".join(repr(lyr.name) for lyr in self.layers)
        raise ValueError(f"no layer named {name!r}; the layers are {names}")

    def build(
        self,
        input_shape: Sequence[int] | None = None,
        max_params: int | None = specs.DEFAULT_MAX_PARAMS,
    ) -> Sequential:
        """Create every layer's parameters.  A failure leaves the model as it was."""
        previous = self.input_shape
        if input_shape is not None:
            self.input_shape = self._model_shape(input_shape)
        if self.input_shape is None:
            raise SpecError(
                "is unknown: pass input_shape to Sequential or build(), or start with "
                "Input(shape=...)", field="input_shape", code="spec.input_shape_required",
            )
        if not self.layers:
            self.input_shape = previous
            raise SpecError("the model has no layers", field="layers", code="spec.no_layers")
        # build() replaces attributes (new Parameters, shapes); restoring each layer's
        # attribute dict undoes a half-finished build exactly.
        saved = [dict(layer.__dict__) for layer in self.layers]
        try:
            output = specs.build_layers(
                self.layers, self.input_shape, self.rng, self.dtype, max_params
            )
        except SpecError as exc:
            for layer, state in zip(self.layers, saved, strict=True):
                layer.__dict__.clear()
                layer.__dict__.update(state)
            shape, self.input_shape = self.input_shape, previous
            hint = layout_hint(shape, None) if self.data_format == "channels_first" else ""
            if hint:
                raise SpecError(exc.message + hint, exc.index, exc.field, exc.code,
                                exc.params) from None
            raise
        self.output_shape = output
        self._link()
        return self

    def _link(self) -> None:
        """Collect the parameters and the backward path after the layers changed."""
        self._params = [p for layer in self.layers for p in layer.parameters()]
        flat.pack(self._params)  # the optimizer then updates them all at once
        self._plan()

    def _plan(self) -> None:
        """Which layers the loss sees, and the backward path through them."""
        replicas.forget(self)  # a second process holds the old layers or loss
        self._loss_layers = _reordered(self._loss_layers_for(self.loss))
        # The data needs no gradient, so backprop stops at the first layer with parameters
        # (as torch does): for a convnet that skips the first conv's col2im every step.
        stack = self._loss_layers
        first = next((i for i, lyr in enumerate(stack) if lyr.parameters()), 0)
        for i, layer in enumerate(stack):
            layer.needs_input_grad = i != first
            layer.free_output_order = _order_is_free(stack[i + 1 :])
        self._backprop = stack[first:][::-1]

    def parameters(self) -> list[Parameter]:
        return list(self._params)

    def count_params(self) -> int:
        return sum(p.size for p in self._params)

    def _require_built(self, x: np.ndarray | None = None) -> None:
        """Build on first use from the data's shape (``x`` already in the layers' layout);
        a failed build forgets the guessed shape."""
        if self.built:
            return
        guessed = self.input_shape is None and x is not None
        if guessed:
            self.input_shape = specs.check_input_shape(list(np.shape(x)[1:]))
        try:
            self.build()
        except SpecError:
            if guessed:
                self.input_shape = None
            raise

    def __repr__(self) -> str:
        return f"{type(self).__name__}({json.dumps(self.get_config())})"



def _order_is_free(after: list[Layer]) -> bool:
    """Whether ``after`` runs as fast whatever memory order its input has: layers that
    keep the order, up to one that takes any (Flatten).  A chain that reaches the loss
    still 4-D, or another conv, is not."""
    for layer in after:
        if layer.input_order != "keeps":
            return layer.input_order == "any"
    return False


def _reordered(layers: list[Layer]) -> list[Layer]:
    """The order training and evaluation run the layers in: a layer that may run after the
    next one (``Layer.runs_after``: a ReLU before a max pool) swaps with it.  The results
    are the same bit for bit; SimpleConvNet's ReLU then works on 432 K values, not 1.7 M.
    ``predict`` and ``forward_trace`` keep the model's own order (the page shows every
    layer's output)."""
    out = list(layers)
    for i in range(len(out) - 1):  # a ReLU moves past every max pool that follows it
        if out[i].runs_after(out[i + 1]):
            out[i], out[i + 1] = out[i + 1], out[i]
    return out
