"""``Sequential``: a stack of layers with a Keras-like API (compile / fit / evaluate / predict).

Training data flows forward through ``layer.forward`` and the loss gradient flows back through
``layer.backward`` in reverse order; the optimizer then updates every Parameter in place.  All
randomness (initial weights, shuffling, dropout masks, validation split) comes from one
``np.random.Generator``, so a seed reproduces a run bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import spec as specs
from .callbacks import Callback, History
from .core import Layer, Parameter, Shape, SpecError
from .losses import LOSSES
from .metrics import accuracy, check_data
from .optimizers import OPTIMIZERS, Optimizer

RngLike = None | int | np.random.Generator


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


class Sequential:
    def __init__(
        self,
        layers: Iterable[Layer | dict[str, Any]] | None = None,
        input_shape: Sequence[int] | None = None,
        name: str | None = None,
        rng: RngLike = None,
        dtype: Any = np.float32,
    ) -> None:
        self.name = name or "Sequential"
        self.rng = as_rng(rng)
        self.dtype = as_dtype(dtype)
        self.layers: list[Layer] = []
        self.input_shape: Shape | None = None
        self.output_shape: Shape | None = None
        self.optimizer: Optimizer | None = None
        self.loss: Any = None
        self.metrics: list[str] = []
        self.stop_training = False
        self._params: list[Parameter] = []
        for layer in layers or []:
            self.add(layer)
        if input_shape is not None:
            self.input_shape = specs.check_input_shape(list(input_shape))
            if self.layers:
                self.build()

    # ---- structure -------------------------------------------------------------------------
    @property
    def built(self) -> bool:
        return bool(self.layers) and self.output_shape is not None

    def add(self, layer: Layer | dict[str, Any]) -> Sequential:
        """Append a layer (instance or spec dict); built at once if the model already is."""
        layer = specs.layer_from_spec(layer, len(self.layers))
        if not self.built:
            self.layers.append(layer)
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

    def build(
        self,
        input_shape: Sequence[int] | None = None,
        max_params: int | None = specs.DEFAULT_MAX_PARAMS,
    ) -> Sequential:
        if input_shape is not None:
            self.input_shape = specs.check_input_shape(list(input_shape))
        if self.input_shape is None:
            raise SpecError(
                "is unknown: pass input_shape to Sequential or build()", field="input_shape"
            )
        if not self.layers:
            raise SpecError("the model has no layers", field="layers")
        self.output_shape = specs.build_layers(
            self.layers, self.input_shape, self.rng, self.dtype, max_params
        )
        self._link()
        return self

    def _link(self) -> None:
        """Collect the parameters and the backward path after the layers changed."""
        self._params = self._collect_params()
        # The data needs no gradient, so backprop stops at the first layer with parameters
        # (as torch does): for a convnet that skips the first conv's col2im every step.
        first = next((i for i, lyr in enumerate(self.layers) if lyr.parameters()), 0)
        for i, layer in enumerate(self.layers):
            layer.needs_input_grad = i != first
        self._backprop = self.layers[first:][::-1]

    def _collect_params(self) -> list[Parameter]:
        return [p for layer in self.layers for p in layer.parameters()]

    def parameters(self) -> list[Parameter]:
        return list(self._params)

    def count_params(self) -> int:
        return sum(p.size for p in self._params)

    def _require_built(self, x: np.ndarray | None = None) -> None:
        if not self.built:
            if self.input_shape is None and x is not None:
                self.input_shape = specs.check_input_shape(list(np.shape(x)[1:]))
            self.build()

    # ---- configuration ---------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "input_shape": None if self.input_shape is None else list(self.input_shape),
            "layers": [layer.get_config() for layer in self.layers],
        }

    @classmethod
    def from_config(
        cls,
        config: dict[str, Any],
        rng: RngLike = None,
        dtype: Any = np.float32,
        max_params: int | None = specs.DEFAULT_MAX_PARAMS,
    ) -> Sequential:
        """Build a model from a JSON spec; a bad spec raises SpecError naming index and field."""
        name, input_shape, layers = specs.check_spec(config)
        model = cls(layers, name=name, rng=rng, dtype=dtype)
        model.input_shape = input_shape
        return model.build(max_params=max_params)

    @staticmethod
    def validate_spec(
        config: dict[str, Any],
        batch_size: int = 100,
        max_params: int | None = specs.DEFAULT_MAX_PARAMS,
    ) -> dict[str, Any]:
        """What /api/specs/validate returns: per-layer shapes and params, totals, memory."""
        model = Sequential.from_config(config, rng=0, max_params=max_params)
        return {
            "layers": [
                {
                    "index": i,
                    "type": specs.layer_type(layer),
                    "output_shape": list(layer.output_shape),
                    "params": layer.count_params(),
                }
                for i, layer in enumerate(model.layers)
            ],
            "output_shape": list(model.output_shape),
            "total_params": model.count_params(),
            "memory_bytes": model.estimate_memory_bytes(batch_size),
        }

    def estimate_memory_bytes(self, batch_size: int = 100) -> int:
        self._require_built()
        return specs.estimate_memory_bytes(
            self.layers, self.input_shape, batch_size, self.dtype.itemsize
        )

    def summary(self) -> str:
        self._require_built()
        return specs.summary_table(self.name, self.layers)

    def compile(
        self,
        optimizer: str | dict[str, Any] | Optimizer = "sgd",
        loss: Any = "softmax_cross_entropy",
        metrics: Sequence[str] | None = ("accuracy",),
    ) -> Sequential:
        opt = OPTIMIZERS.create(optimizer)
        if not isinstance(opt, Optimizer):
            raise ValueError(
                f"optimizer must be a name, a config dict or an Optimizer, got {opt!r}"
            )
        self.optimizer = opt
        self.loss = LOSSES.create(loss) if isinstance(loss, (str, dict)) else loss
        metrics = list(metrics or [])
        for m in metrics:
            if m != "accuracy":
                raise ValueError(f"unknown metric {m!r}; the only metric is 'accuracy'")
        self.metrics = metrics
        return self

    def compile_config(self) -> dict[str, Any] | None:
        if self.optimizer is None:
            return None
        return {
            "optimizer": self.optimizer.get_config(),
            "loss": self.loss_name,
            "metrics": list(self.metrics),
        }

    @property
    def loss_name(self) -> str:
        return getattr(type(self.loss), "registry_name", "softmax_cross_entropy")

    # ---- running the network ---------------------------------------------------------------
    def _forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def _penalty(self) -> float:
        """0.5·λ·ΣW² over decayed parameters: the L2 term the book adds to the reported loss."""
        wd = self.optimizer.weight_decay if self.optimizer is not None else 0.0
        if not wd:
            return 0.0
        return 0.5 * wd * sum(float(np.vdot(p.value, p.value)) for p in self._params if p.decay)

    def _train_batch(self, xb: np.ndarray, yb: np.ndarray) -> tuple[float, np.ndarray]:
        out = self._forward(xb, training=True)
        loss = float(self.loss.forward(out, yb)) + self._penalty()  # both before the update
        grad = self.loss.backward()
        for layer in self._backprop:
            grad = layer.backward(grad)
        self.optimizer.step(self._params)
        return loss, out

    def train_step(self, xb: np.ndarray, yb: np.ndarray) -> float:
        """One forward/backward/update on a batch; returns the loss before the update."""
        self._require_compiled(xb)
        xb, yb = check_data(xb, yb, self.input_shape, self.dtype)
        return self._train_batch(xb, yb)[0]

    def _require_compiled(self, x: np.ndarray) -> None:
        if self.optimizer is None or self.loss is None:
            raise RuntimeError("call compile(optimizer, loss) before training")
        self._require_built(x)

    def predict(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """The last layer's output in inference mode (logits for softmax_cross_entropy)."""
        self._require_built(x)
        x, _ = check_data(x, None, self.input_shape, self.dtype)
        if len(x) <= batch_size:
            return self._forward(x, training=False)
        return np.concatenate(
            [
                self._forward(x[i : i + batch_size], training=False)
                for i in range(0, len(x), batch_size)
            ]
        )

    def predict_proba(self, x: np.ndarray, batch_size: int = 1000) -> np.ndarray:
        """Outputs read the way the loss reads them: softmax, sigmoid, or as-is for mse."""
        loss = self.loss if self.loss is not None else LOSSES.create("softmax_cross_entropy")
        return loss.output_activation(self.predict(x, batch_size))

    def forward_trace(self, x: np.ndarray) -> list[np.ndarray]:
        """Every layer's output for ``x`` in inference mode (activation taps for the page)."""
        self._require_built(x)
        x, _ = check_data(x, None, self.input_shape, self.dtype)
        outputs = []
        for layer in self.layers:
            x = layer.forward(x, training=False)
            outputs.append(x)
        return outputs

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> dict[str, float]:
        if self.loss is None:
            raise RuntimeError("call compile(optimizer, loss) before evaluate")
        self._require_built(x)
        x, y = check_data(x, y, self.input_shape, self.dtype)
        loss_sum, correct = 0.0, 0.0
        for i in range(0, len(x), batch_size):
            xb, yb = x[i : i + batch_size], y[i : i + batch_size]
            out = self._forward(xb, training=False)
            loss_sum += float(self.loss.forward(out, yb)) * len(xb)
            correct += accuracy(out, yb, self.loss_name) * len(xb)
        result = {"loss": loss_sum / len(x) + self._penalty()}
        if "accuracy" in self.metrics:
            result["accuracy"] = correct / len(x)
        return result

    # ---- training loop ---------------------------------------------------------------------
    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        epochs: int = 1,
        batch_size: int = 100,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        validation_split: float = 0.0,
        shuffle: bool = True,
        callbacks: Iterable[Callback] | None = None,
        verbose: int = 0,
    ) -> History:
        """Mini-batch training; returns a History of per-epoch metrics (see training.py)."""
        from .training import fit_loop

        return fit_loop(
            self,
            x,
            y,
            epochs=epochs,
            batch_size=batch_size,
            validation_data=validation_data,
            validation_split=validation_split,
            shuffle=shuffle,
            callbacks=callbacks,
            verbose=verbose,
        )

    # ---- weights -----------------------------------------------------------------------------
    def _weight_slots(self) -> list[tuple[str, np.ndarray]]:
        """(description, array) for every parameter, then every buffer, in a fixed order."""
        slots = [
            (f"layer {i} ({specs.layer_type(layer)}) parameter {p.name!r}", p.value)
            for i, layer in enumerate(self.layers)
            for p in layer.parameters()
        ]
        slots += [
            (f"layer {i} ({specs.layer_type(layer)}) buffer {k!r}", b)
            for i, layer in enumerate(self.layers)
            for k, b in layer.buffers().items()
        ]
        return slots

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all parameters, then all buffers (BatchNorm running statistics)."""
        self._require_built()
        return [arr.copy() for _, arr in self._weight_slots()]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        """Copy values in place (optimizer state stays attached to the same Parameters)."""
        self._require_built()
        slots = self._weight_slots()
        if len(weights) != len(slots):
            raise ValueError(f"expected {len(slots)} weight arrays, got {len(weights)}")
        for i, ((what, arr), new) in enumerate(zip(slots, weights, strict=True)):
            new = np.asarray(new)
            if new.shape != arr.shape:
                raise ValueError(
                    f"weight {i}, {what}: expected shape {list(arr.shape)}, got {list(new.shape)}"
                )
        for (_, arr), new in zip(slots, weights, strict=True):
            arr[...] = new

    def save(self, path: str | Path) -> None:
        from .serialization import save_model

        save_model(self, path)

    @classmethod
    def load(cls, path: str | Path, rng: RngLike = None) -> Sequential:
        from .serialization import load_model

        return load_model(path, rng=rng)

    def __repr__(self) -> str:
        return f"Sequential({json.dumps(self.get_config())})"
