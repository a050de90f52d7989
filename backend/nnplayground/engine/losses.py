"""Losses: ``forward(output, y) -> float`` (mean over the batch), ``backward() -> dL/doutput``
(already divided by N), ``output_activation(output)`` (what a prediction means).

Labels: integer class ids (N,) or one-hot / probability rows (N, C).  sigmoid_bce takes 0/1
targets of shape (N,) or the output's shape.

Keras's names are aliases: ``sparse_categorical_crossentropy`` and
``categorical_crossentropy`` are softmax_cross_entropy (either label form works for both),
``binary_crossentropy`` is sigmoid_bce.  ``final_activation`` is the layer a fused loss
absorbs: a model ending in Softmax (Keras's ``activation="softmax"``) trains on the logits
before it, so softmax is applied once, and ``predict`` still returns probabilities.
"""

from __future__ import annotations

import functools

import numpy as np

from .layers.activations import Sigmoid, Softmax, softmax
from .registry import Registry

LOSSES = Registry("loss")


def _as_targets(output: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Turn labels into an array shaped like ``output``: ids become one-hot rows."""
    y = np.asarray(y)
    n, c = output.shape[0], output.shape[-1]
    if output.ndim != 2:
        raise ValueError(f"loss needs a 2-D (batch, classes) output, got shape {output.shape}")
    if y.shape == output.shape:
        if not np.issubdtype(y.dtype, np.number):
            raise ValueError(f"labels must be numbers, got dtype {y.dtype}")
        return y.astype(output.dtype, copy=False)
    if y.shape != (n,):
        raise ValueError(
            f"labels must have shape ({n},) (class ids) or {tuple(output.shape)} (one-hot), "
            f"got {tuple(y.shape)}"
        )
    ids = _class_ids(y, c)
    onehot = np.zeros(output.shape, output.dtype)
    onehot[np.arange(n), ids] = 1
    return onehot


def _class_ids(y: np.ndarray, classes: int) -> np.ndarray:
    # dtype.kind rather than np.issubdtype, and no min() of unsigned ids: this runs every
    # step, and TwoLayerNet's whole step is ~0.3 ms (the checks went 3.5 -> 1.3 us).
    kind = y.dtype.kind
    if kind == "f":
        if not np.all(y == np.round(y)):
            raise ValueError(f"class ids must be whole numbers, got {y[y != np.round(y)][:3]}")
        y = y.astype(np.int64)
        kind = "i"
    elif kind not in "iu":
        raise ValueError(f"class ids must be integers, got dtype {y.dtype}")
    if y.size and ((kind == "i" and y.min() < 0) or y.max() >= classes):
        bad = y[(y < 0) | (y >= classes)][0]
        raise ValueError(
            f"class id {int(bad)} is out of range for {classes} outputs (0..{classes - 1})"
        )
    return y


@LOSSES.register(
    "softmax_cross_entropy",
    "cross_entropy",
    "softmax_with_loss",
    "sparse_categorical_crossentropy",
    "categorical_crossentropy",
)
class SoftmaxCrossEntropy:
    """Softmax fused with cross-entropy (the book's SoftmaxWithLoss).  The output is logits;
    log-softmax is computed as z - logsumexp(z) so no exp() overflows and log(0) never
    happens.  Gradient: (softmax(z) - t) / N."""

    # A single output unit is read as "class 1" above this raw value (see metrics.accuracy).
    unit_threshold = 0.5
    final_activation = Softmax

    def forward(self, output: np.ndarray, y: np.ndarray) -> float:
        n = output.shape[0]
        y = np.asarray(y)
        ids = None
        if y.ndim == 1 and output.ndim == 2:
            ids = self.targets = _class_ids(_check_batch(y, n), output.shape[1])
            if output.shape[1] <= SHORT_ROWS:
                return self._forward_by_class(output, ids)
        shifted = output - output.max(axis=-1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=-1, keepdims=True)
        self.probs = exp / total
        log_total = np.log(total)
        if ids is not None:
            return float(np.sum(log_total[:, 0] - shifted[_arange(n), ids]) / n)
        self.targets = _as_targets(output, y)
        return float(-np.sum(self.targets * (shifted - log_total)) / n)

    def _forward_by_class(self, output: np.ndarray, ids: np.ndarray) -> float:
        """The same for few classes, on the transposed logits (C, N): NumPy reduces a
        short last axis row by row, and down the first axis whole rows at once.  (100, 10)
        logits, the whole forward: 17.4 -> 12.9 us."""
        n = output.shape[0]
        shifted = np.ascontiguousarray(output.T)
        shifted -= shifted.max(axis=0)
        picked = shifted[ids, _arange(n)]
        exp = np.exp(shifted)
        total = exp.sum(axis=0)
        exp /= total
        self.probs = exp.T
        return float(np.sum(np.log(total) - picked) / n)

    def backward(self) -> np.ndarray:
        grad = np.array(self.probs, order="C")  # a copy, C-ordered whichever way forward ran
        n = grad.shape[0]
        if self.targets.ndim == 1:
            grad[_arange(n), self.targets] -= 1
        else:
            grad -= self.targets
        grad /= grad.dtype.type(n)
        return grad

    def output_activation(self, output: np.ndarray) -> np.ndarray:
        return softmax(output, axis=1)


# Rows of at most this many classes take SoftmaxCrossEntropy._forward_by_class.
SHORT_ROWS = 32


@functools.lru_cache(maxsize=8)
def _arange(n: int) -> np.ndarray:
    """0..n-1, read-only and kept: every batch of a run has the same size."""
    ids = np.arange(n)
    ids.flags.writeable = False
    return ids


def _check_batch(y: np.ndarray, n: int) -> np.ndarray:
    if y.shape[0] != n:
        raise ValueError(f"got {y.shape[0]} labels for a batch of {n}")
    return y


@LOSSES.register("mse", "mean_squared_error")
class MeanSquaredError:
    """The book's convention: 0.5 * sum over outputs of (y - t)^2, averaged over the batch
    (so the gradient is simply (y - t) / N).  Class ids are one-hot encoded first; a (N,)
    target for a single-output network is a regression target."""

    unit_threshold = 0.5  # a value near 0 or 1

    def forward(self, output: np.ndarray, y: np.ndarray) -> float:
        y = np.asarray(y)
        if output.ndim == 2 and output.shape[1] == 1 and y.shape == (output.shape[0],):
            y = y.reshape(-1, 1)
        self.diff = output - _as_targets(output, y)
        return float(0.5 * np.sum(self.diff * self.diff) / output.shape[0])

    def backward(self) -> np.ndarray:
        return self.diff / self.diff.dtype.type(self.diff.shape[0])

    def output_activation(self, output: np.ndarray) -> np.ndarray:
        return output


@LOSSES.register("sigmoid_bce", "binary_cross_entropy", "bce", "binary_crossentropy")
class SigmoidBinaryCrossEntropy:
    """Sigmoid fused with binary cross-entropy on logits z:
    max(z, 0) - z*t + log(1 + exp(-|z|)) never overflows.  Summed over outputs, mean over
    the batch.  Gradient: (sigmoid(z) - t) / N."""

    unit_threshold = 0.0  # a logit: sigmoid(z) > 0.5 exactly when z > 0
    final_activation = Sigmoid

    def forward(self, output: np.ndarray, y: np.ndarray) -> float:
        y = np.asarray(y)
        if y.dtype == np.bool_:
            y = y.astype(output.dtype)
        n = output.shape[0]
        if y.shape == (n,) and output.shape == (n, 1):
            y = y.reshape(n, 1)
        if y.shape != output.shape:
            raise ValueError(
                f"sigmoid_bce labels must have shape {tuple(output.shape)} or ({n},) for one "
                f"output, got {tuple(y.shape)}"
            )
        if not np.issubdtype(y.dtype, np.number) or y.size and (y.min() < 0 or y.max() > 1):
            raise ValueError(f"sigmoid_bce labels must be numbers in [0, 1], got {y.ravel()[:3]}")
        t = y.astype(output.dtype, copy=False)
        self.targets = t
        self.output = output
        loss = np.maximum(output, 0) - output * t + np.log1p(np.exp(-np.abs(output)))
        return float(np.sum(loss) / n)

    def backward(self) -> np.ndarray:
        grad = self.output_activation(self.output) - self.targets
        grad /= grad.dtype.type(grad.shape[0])
        return grad

    def output_activation(self, output: np.ndarray) -> np.ndarray:
        half = output.dtype.type(0.5)
        return half * (np.tanh(output * half) + 1)
