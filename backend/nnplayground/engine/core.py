"""The two building blocks every layer shares: ``Parameter`` and the ``Layer`` contract.

A layer owns its Parameter objects (value + grad).  The model collects them through
``parameters()``; optimizers update ``value`` from ``grad`` in place.  Nothing is looked up
by string keys such as 'W1'.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, ClassVar

import numpy as np

from .registry import Registry

LAYERS = Registry("layer", key="type")

Shape = tuple[int, ...]  # per-sample shape, without the batch axis


def shown(value: Any) -> Any:
    """A value as an error parameter: JSON scalars (and lists of them) as they are, the rest
    as its repr, so an error body always serialises."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple) and all(isinstance(v, bool | int | float | str)
                                               for v in value):
        return list(value)
    return repr(value)


class SpecError(ValueError):
    """A model spec is wrong; ``index`` is the layer's position, ``field`` the bad key.

    ``code`` (e.g. ``spec.needs_flatten``) and ``params`` let a client word the error in its
    own language; ``message`` stays the English text for logs and the command line."""

    def __init__(self, message: str, index: int | None = None, field: str | None = None,
                 code: str = "spec.invalid", params: dict[str, Any] | None = None):
        super().__init__(message)  # __str__ adds where; index may be filled in later
        self.message = message
        self.index = index
        self.field = field
        self.code = code
        self.params = dict(params or {})

    def __str__(self) -> str:
        # Recomputed on each call: the model fills in ``index`` after a layer raised.
        where = f"layer {self.index}" if self.index is not None else "model"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"

    def with_index(self, index: int) -> SpecError:
        """Set the layer position (for ``raise err.with_index(i)`` in the model)."""
        self.index = index
        return self


class Parameter:
    """A trainable array and its gradient.  ``decay`` says whether L2 weight decay applies
    (True for weights/kernels, False for biases and BatchNorm's gamma/beta).  ``pack`` is
    the buffer it shares with the rest of its model's parameters, if any (see flat.py)."""

    __slots__ = ("value", "grad", "name", "decay", "pack")

    def __init__(self, value: np.ndarray, name: str, decay: bool = True) -> None:
        self.value = value
        self.grad = np.zeros_like(value)
        self.name = name
        self.decay = decay
        self.pack: Any = None

    @property
    def size(self) -> int:
        return int(self.value.size)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.value.shape)

    def numpy(self) -> np.ndarray:
        """A copy of the value (Keras readers write ``model.weights[0].numpy()``)."""
        return self.value.copy()

    def __repr__(self) -> str:
        return f"Parameter({self.name}, shape={self.value.shape}, dtype={self.value.dtype})"


class Layer:
    """The contract all layers follow.

    build(input_shape, rng, dtype) -> output_shape   create parameters (shapes exclude batch)
    forward(x, training) -> y                         cache what backward needs on ``self``
    backward(grad) -> grad wrt x                      fill ``Parameter.grad`` (overwrite, not add)
    parameters() -> list[Parameter]
    buffers() -> dict[str, np.ndarray]                non-trainable state saved with the model
    output_shape                                      set by build
    get_config() -> {"type": ..., **constructor args} JSON-safe; ``LAYERS.create`` inverts it
    """

    # False for layers whose backward raises (Step): lets a model refuse to train early.
    differentiable: ClassVar[bool] = True
    # The spec field that sets the layer's size, named when the model is too large.
    size_field: ClassVar[str | None] = None
    # Whether every output entry is one of the input's entries, the largest of its window
    # (the first on ties): an elementwise ReLU then gives the same whether it runs before
    # or after this layer (ReLU.runs_after).
    selects_maximum: ClassVar[bool] = False
    # Whether training mode mixes the samples of a batch (batch statistics): such a model's
    # steps are never split between processes (replicas.py).
    couples_samples: ClassVar[bool] = False
    # Whether training mode draws random numbers (Dropout's masks): a split step then seeds
    # the second process's generator from the model's.
    stochastic: ClassVar[bool] = False
    # How the training step treats its input's memory order (the logical shape is always
    # (N, C, H, W)): "keeps" runs as fast on any order and stores its output in the
    # input's (ReLU, pools); "any" runs as fast on any order (Flatten, whose output is
    # its own); "fixed" reads one order best.  See free_output_order below.
    input_order: ClassVar[str] = "fixed"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A layer that creates parameters in build() would otherwise fail deep inside forward
        # with "'NoneType' object has no attribute 'value'"; one check per call (~0.1 µs,
        # against ~1 ms for the smallest Dense step on a batch of 100) says what to do instead.
        if "forward" in cls.__dict__ and "build" in cls.__dict__:
            cls.forward = _checked_forward(cls.__dict__["forward"])

    def __init__(self) -> None:
        # The model may set this False on its first layer: Dense/Conv2D then skip computing
        # the (unused) gradient wrt the data and backward returns None.
        self.needs_input_grad = True
        # The model sets this True when the layers after this one, up to a Flatten, all
        # run as fast whatever order its output is stored in (Layer.input_order): a
        # one-channel first conv then stores it pixel-major (layers/conv_pixel.py).
        self.free_output_order = False
        self.input_shape: Shape | None = None
        self.output_shape: Shape | None = None
        self.dtype: np.dtype = np.dtype(np.float32)
        self.name: str | None = None  # the model names it ("dense", "dense_1") when added

    @property
    def built(self) -> bool:
        return self.output_shape is not None

    def __call__(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        return self.forward(x, training)

    def runs_after(self, following: Layer) -> bool:
        """Whether the model may run this layer after ``following`` instead of before it,
        with every output and gradient bit for bit the same (model.py ``_plan``)."""
        return False

    def inference_step(self, x_shape: tuple[int, ...], dtype: Any) -> Any | None:
        """This layer's step in a small-batch inference plan (plan.py) for inputs of
        ``x_shape`` (batch included), or None: the plan then calls ``forward``."""
        return None

    def elementwise_into(self) -> Any | None:
        """``f(x, out)`` writing ``forward(x, False)`` into ``out`` for an elementwise
        layer, so that a plan can fold it into the copy before it; None otherwise."""
        return None

    def get_weights(self) -> list[np.ndarray]:
        """Copies of this layer's parameters, then its buffers (as ``Sequential.get_weights``)."""
        return [p.value.copy() for p in self.parameters()] + [
            b.copy() for b in self.buffers().values()
        ]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        slots = [p.value for p in self.parameters()] + list(self.buffers().values())
        if weights and not self.built:
            raise NotBuiltError(f"layer {self.name or type(self).__name__} is not built yet")
        if len(weights) != len(slots):
            raise ValueError(
                f"layer {self.name or type(self).__name__} has {len(slots)} weight arrays, "
                f"got {len(weights)}"
            )
        for i, (arr, new) in enumerate(zip(slots, weights, strict=True)):
            if np.shape(new) != arr.shape:
                raise ValueError(
                    f"layer {self.name or type(self).__name__}, weight {i}: expected shape "
                    f"{list(arr.shape)}, got {list(np.shape(new))}"
                )
        for arr, new in zip(slots, weights, strict=True):
            arr[...] = new

    def build(self, input_shape: Shape, rng: np.random.Generator, dtype: Any = np.float32) -> Shape:
        self.input_shape = tuple(int(d) for d in input_shape)
        self.dtype = np.dtype(dtype)
        self.output_shape = self.compute_output_shape(self.input_shape)
        return self.output_shape

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def multiply_adds(self) -> int:
        """Multiply-adds of one sample's forward pass (built layer): what decides whether a
        training step is big enough to share with a second process (replicas.py)."""
        return 0

    def estimate(self, input_shape: Shape, batch_size: int, itemsize: int = 4) -> tuple[int, int]:
        """(parameters, scratch bytes of one training step) from the config alone, before
        anything is allocated; Python ints, so absurd shapes cannot overflow.  The default
        counts the output and its gradient; layers that cache or build more add theirs."""
        out = math.prod(self.compute_output_shape(tuple(input_shape)))
        return 0, 2 * out * batch_size * itemsize

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def parameters(self) -> list[Parameter]:
        return []

    def buffers(self) -> dict[str, np.ndarray]:
        return {}

    def count_params(self) -> int:
        return sum(p.size for p in self.parameters())

    @classmethod
    def takes_init(cls) -> bool:
        """Whether an ``init`` (a run's initialiser override) applies to this layer type."""
        return "init" in inspect.signature(cls.__init__).parameters

    def kernels(self) -> np.ndarray | None:
        """The (filters, channels, kh, kw) kernel a page can draw as images, if any."""
        return next((p.value for p in self.parameters() if p.value.ndim == 4), None)

    def config_params(self) -> dict[str, Any]:
        """Constructor arguments, JSON-safe.  Subclasses extend."""
        return {}

    def get_config(self) -> dict[str, Any]:
        return {"type": type(self).registry_name, **self.config_params()}  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config_params().items())
        return f"{type(self).__name__}({args})"


class NotBuiltError(RuntimeError):
    """A layer with parameters was run before ``build`` created them."""


def _checked_forward(forward: Any) -> Any:
    def checked(self: Layer, x: np.ndarray, training: bool) -> np.ndarray:
        if self.output_shape is None:
            kind = getattr(type(self), "registry_name", type(self).__name__)
            raise NotBuiltError(
                f"{kind} layer {self.name or ''!s}".rstrip() + " is not built yet, so it has "
                "no weights: add it to a Sequential with an input_shape (or call fit/predict "
                "on the model once), then run it"
            )
        return forward(self, x, training)

    checked.__wrapped__ = forward  # type: ignore[attr-defined]
    checked.__doc__ = forward.__doc__
    return checked
