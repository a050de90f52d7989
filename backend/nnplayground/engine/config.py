"""Configuring a ``Sequential``: its JSON spec (get_config / from_config / validate_spec),
the summary table, ``compile`` and ``fit``'s entry point (the loop is in training.py).

The state these methods read lives in model.py; this mixin only groups them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import spec as specs
from .losses import LOSSES
from .metrics import check_metrics
from .optimizers import OPTIMIZERS, Optimizer


class ConfigMixin:
    """Methods of ``Sequential`` about its configuration (its state lives in model.py)."""
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
        rng: Any = None,
        dtype: Any = np.float32,
        max_params: int | None = specs.DEFAULT_MAX_PARAMS,
        data_format: str = "channels_first",
    ) -> Any:
        """Build a model from a JSON spec; a bad spec raises SpecError naming index and field."""
        name, input_shape, layers = specs.check_spec(config)
        model = cls(layers, name=name, rng=rng, dtype=dtype, data_format=data_format)
        model.input_shape = input_shape
        return model.build(max_params=max_params)

    @classmethod
    def validate_spec(
        cls,
        config: dict[str, Any],
        batch_size: int = 100,
        max_params: int | None = specs.DEFAULT_MAX_PARAMS,
    ) -> dict[str, Any]:
        """What /api/specs/validate returns: per-layer shapes and params, totals, memory."""
        model = cls.from_config(config, rng=0, max_params=max_params)
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

    def summary_text(self) -> str:
        """The Keras-like table: layer, output shape, parameters; totals."""
        self._require_built()
        return specs.summary_table(self.name, self.layers)

    def summary(self, print_fn: Any = None) -> None:
        """Print the table (as Keras does); ``summary_text()`` returns it instead."""
        (print_fn or print)(self.summary_text())

    def compile(
        self,
        optimizer: str | dict[str, Any] | Optimizer = "sgd",
        loss: Any = "softmax_cross_entropy",
        metrics: Sequence[str] | str | None = ("accuracy",),
    ) -> Any:
        opt = OPTIMIZERS.create(optimizer)
        if not isinstance(opt, Optimizer):
            raise ValueError(
                f"optimizer must be a name, a config dict or an Optimizer, got {opt!r}"
            )
        self.optimizer = opt
        self.loss = LOSSES.create(loss) if isinstance(loss, (str, dict)) else loss
        self.metrics = check_metrics(metrics)
        self._plan()
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

    def _require_compiled(self, x: np.ndarray) -> None:
        if self.optimizer is None or self.loss is None:
            raise RuntimeError("call compile(optimizer, loss) before training")
        self._require_built(x)

    def fit(
        self,
        x: np.ndarray,
        y: np.ndarray,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Iterable[Any] | None = None,
        validation_split: float = 0.0,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        shuffle: bool = True,
        initial_epoch: int = 0,
    ) -> Any:
        """Mini-batch training in Keras's argument order; returns a History (training.py)."""
        from .training import fit_loop

        return fit_loop(
            self,
            x,
            y,
            batch_size=batch_size,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_split=validation_split,
            validation_data=validation_data,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
        )

    def _verbosity(self, verbose: int | str) -> int:
        if verbose == "auto":
            return self.default_verbose
        if isinstance(verbose, bool) or verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 'auto', 0, 1 or 2, got {verbose!r}")
        return int(verbose)
