"""The mini-batch loop behind ``Sequential.fit``.

Per epoch: one ``rng.permutation`` of the sample indices, then each batch is one fancy-index
of x and y (no other copies); the last, smaller batch is trained on too.  Epoch loss and
accuracy are size-weighted means of the batch values seen during training (as Keras reports
them), so they cost no extra pass over the data.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

from .callbacks import Callback, CallbackList, History, ProgressBar
from .metrics import accuracy, check_data

if TYPE_CHECKING:
    from .model import Sequential

Data = tuple[np.ndarray, np.ndarray]


def _positive_int(field: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{field} must be a positive integer, got {value!r}")
    return int(value)


def holdout_split(
    rng: np.random.Generator, x: np.ndarray, y: np.ndarray, fraction: Any
) -> tuple[np.ndarray, np.ndarray, Data]:
    """Hold out a random ``fraction`` of the *training* data as validation data."""
    if (
        isinstance(fraction, bool)
        or not isinstance(fraction, (float, int))
        or not 0.0 < fraction < 1.0
    ):
        raise ValueError(f"validation_split must be in (0, 1), got {fraction!r}")
    k = int(round(len(x) * fraction))
    if not 0 < k < len(x):
        raise ValueError(
            f"validation_split {fraction} leaves no data on one side of {len(x)} samples"
        )
    perm = rng.permutation(len(x))
    val, train = perm[:k], perm[k:]
    return x[train], y[train], (x[val], y[val])


def fit_loop(
    model: Sequential,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    validation_data: Data | None,
    validation_split: float,
    shuffle: bool,
    callbacks: Iterable[Callback] | None,
    verbose: int,
) -> History:
    model._require_compiled(x)
    x, y = check_data(x, y, model.input_shape, model.dtype)
    epochs = _positive_int("epochs", epochs)
    batch_size = _positive_int("batch_size", batch_size)
    if validation_split:
        x, y, validation_data = holdout_split(model.rng, x, y, validation_split)
    if validation_data is not None:
        validation_data = check_data(*validation_data, model.input_shape, model.dtype)
    history = History()
    cbs = CallbackList([history, *([ProgressBar()] if verbose else []), *(callbacks or [])])
    cbs.set_model(model)
    n = len(x)
    steps = -(-n // batch_size)
    model.stop_training = False
    cbs.on_train_begin({"epochs": epochs, "steps_per_epoch": steps, "samples": n})
    step = 0
    for epoch in range(epochs):
        cbs.on_epoch_begin(epoch, {})
        start = time.perf_counter()
        order = model.rng.permutation(n) if shuffle else None
        loss_sum = correct = 0.0
        seen = 0
        for batch in range(steps):
            lo, hi = batch * batch_size, min(n, (batch + 1) * batch_size)
            if order is None:
                xb, yb = x[lo:hi], y[lo:hi]  # views, no copy
            else:
                idx = order[lo:hi]
                xb, yb = x[idx], y[idx]
            step += 1
            cbs.on_batch_begin(step, {"epoch": epoch, "batch": batch, "step": step})
            loss, out = model._train_batch(xb, yb)
            size = hi - lo
            seen += size
            loss_sum += loss * size
            if model.metrics:
                correct += accuracy(out, yb, model.loss_name) * size
            cbs.on_batch_end(
                step, {"loss": loss, "epoch": epoch, "batch": batch, "step": step, "size": size}
            )
            if model.stop_training:
                break
        if seen < n:
            break  # stopped mid-epoch: an incomplete epoch reports no epoch metrics
        logs: dict[str, Any] = {"loss": loss_sum / n}
        if model.metrics:
            logs["accuracy"] = correct / n
        if validation_data is not None:
            val = model.evaluate(*validation_data, batch_size=max(batch_size, 500))
            logs.update({f"val_{k}": v for k, v in val.items()})
        logs["seconds"] = time.perf_counter() - start
        cbs.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbs.on_train_end({"steps": step})
    return history
