"""Input checks and accuracy shared by ``Sequential``'s loops.

Labels are integer class ids (N,) or one-hot rows (N, C); with one output unit
(sigmoid_bce, or mse on a 0/1 target) the prediction is a threshold instead of an argmax.

``METRICS`` names the one metric, accuracy, under Keras's names too ("acc",
"sparse_categorical_accuracy", ...); logs and ``evaluate`` use the name the caller gave.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Shape
from .registry import Registry

METRICS = Registry("metric")


def check_metrics(metrics: Any) -> list[str]:
    """The metric names of ``compile``, as given; unknown names raise naming the choices."""
    if metrics is None:
        return []
    if isinstance(metrics, str):
        metrics = [metrics]
    names = []
    for m in metrics:
        METRICS.get(m)  # raises "unknown metric 'x'; choose one of: accuracy"
        names.append(m)
    return names


def layout_hint(got: tuple[int, ...], expected: tuple[int, ...] | None) -> str:
    """What to do when images arrive channels-last (H, W, C) for a (C, H, W) model."""
    if len(got) != 3 or got[-1] > 4 or got[0] <= 4:
        return ""
    chw = (got[2], got[0], got[1])
    if expected is not None and tuple(expected) != chw:
        return ""
    return (
        f"; got channels-last {tuple(got)}: pass data_format='channels_last' to the model "
        f"or transpose the images to {chw} (x.transpose(0, 3, 1, 2))"
    )


def check_data(
    x: Any, y: Any, input_shape: Shape | None, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray | None]:
    """Arrays in the model's dtype (copied only when the dtype differs), shapes checked."""
    x = np.asarray(x)
    if x.dtype != dtype:
        x = x.astype(dtype)
    if input_shape is not None and x.shape[1:] != tuple(input_shape):
        raise ValueError(
            f"input has shape {list(x.shape)}, the model expects "
            f"(N, {', '.join(map(str, input_shape))})"
            + layout_hint(x.shape[1:], tuple(input_shape))
        )
    if len(x) == 0:
        raise ValueError("input has no samples")
    if y is None:
        return x, None
    y = np.asarray(y)
    if len(y) != len(x):
        raise ValueError(f"{len(x)} inputs but {len(y)} labels")
    if y.dtype.kind == "f" and y.dtype != dtype:
        y = y.astype(dtype)
    elif y.dtype.kind not in "fiub":
        raise ValueError(f"labels must be numbers, got dtype {y.dtype}")
    return x, y


@METRICS.register(
    "accuracy", "acc", "sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy"
)
def accuracy(out: np.ndarray, y: np.ndarray, loss_name: str) -> float:
    """Fraction of correct predictions for one batch of outputs (pre-loss activations)."""
    if out.ndim == 2 and out.shape[1] > 1:
        pred = out.argmax(axis=1)
        target = y.argmax(axis=1) if y.ndim == 2 else y
        return float(np.mean(pred == target))
    # One output unit: each loss says where its raw output means "class 1".
    from .losses import LOSSES

    threshold = LOSSES.get(loss_name).unit_threshold if loss_name in LOSSES else 0.5
    pred = out.reshape(len(out), -1)[:, 0] > threshold
    target = np.asarray(y).reshape(len(y), -1)[:, 0] > 0.5
    return float(np.mean(pred == target))
