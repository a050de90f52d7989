"""``keras.losses``: Keras's names for the engine's fused losses.

``from_logits`` is accepted either way: a model that ends in Softmax (``activation=
"softmax"``) is trained on the logits before it (the fused, stable form), one without is
read as logits already.  Keras's mean squared error averages over outputs; the book's (and
ours) is 0.5·Σ over outputs, so its values and gradients are C/2 times Keras's."""

from __future__ import annotations

from typing import Any

from ..engine.losses import LOSSES, SigmoidBinaryCrossEntropy, SoftmaxCrossEntropy
from ..engine.losses import MeanSquaredError as _BookMeanSquaredError

# The function-style names (``loss=keras.losses.sparse_categorical_crossentropy``).
sparse_categorical_crossentropy = "sparse_categorical_crossentropy"
categorical_crossentropy = "categorical_crossentropy"
binary_crossentropy = "binary_crossentropy"
mean_squared_error = mse = "mean_squared_error"


class SparseCategoricalCrossentropy(SoftmaxCrossEntropy):
    def __init__(self, from_logits: bool = False, name: str | None = None) -> None:
        self.from_logits = bool(from_logits)


class CategoricalCrossentropy(SparseCategoricalCrossentropy):
    """Same computation: the engine's cross-entropy reads ids and one-hot rows alike."""


class BinaryCrossentropy(SigmoidBinaryCrossEntropy):
    def __init__(self, from_logits: bool = False, name: str | None = None) -> None:
        self.from_logits = bool(from_logits)


class MeanSquaredError(_BookMeanSquaredError):
    def __init__(self, name: str | None = None) -> None:
        pass


def get(identifier: Any) -> Any:
    """A name, a config dict or a loss object -> the engine's loss object."""
    if identifier is None:
        raise ValueError(
            "compile needs a loss, e.g. loss='sparse_categorical_crossentropy' for class ids "
            "or 'categorical_crossentropy' for one-hot labels"
        )
    return LOSSES.create(identifier) if isinstance(identifier, (str, dict)) else identifier
