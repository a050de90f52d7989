"""The mini-batch loop behind ``Sequential.fit``.

Keras's argument order and rules: ``fit(x, y, batch_size, epochs, ...)``, batch_size 32 by
default, validation_data wins over validation_split, epochs counted from ``initial_epoch``.
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

from . import replicas
from .callbacks import Callback, CallbackList, History
from .inference import DEFAULT_BATCH
from .metrics import METRICS, check_data
from .progress import progress_callback

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
    batch_size: int | None,
    epochs: int,
    verbose: int | str,
    callbacks: Iterable[Callback] | None,
    validation_split: float,
    validation_data: Data | None,
    shuffle: bool,
    initial_epoch: int,
) -> History:
    x = model._as_input(x)
    model._require_compiled(x)
    x, y = check_data(x, y, model.input_shape, model.dtype)
    epochs = _positive_int("epochs", epochs)
    batch_size = DEFAULT_BATCH if batch_size is None else _positive_int("batch_size", batch_size)
    if isinstance(initial_epoch, bool) or not isinstance(initial_epoch, (int, np.integer)) \
            or not 0 <= initial_epoch < epochs:
        raise ValueError(f"initial_epoch must be an integer in [0, epochs={epochs}), "
                         f"got {initial_epoch!r}")
    verbose = model._verbosity(verbose)
    # Keras's rule: validation_data, when given, wins over validation_split.
    if validation_data is not None:
        vx, vy = validation_data
        validation_data = check_data(model._as_input(vx), vy, model.input_shape, model.dtype)
    elif validation_split:
        x, y, validation_data = holdout_split(model.rng, x, y, validation_split)
    n = len(x)
    steps = -(-n // batch_size)
    history = History()
    progress = [progress_callback(verbose)] if verbose else []
    cbs = CallbackList([history, *progress, *(callbacks or [])])
    cbs.set_model(model)
    history.params = {"verbose": verbose, "epochs": epochs, "steps": steps}
    model.history = history
    model.stop_training = False
    cbs.on_train_begin({"epochs": epochs, "steps_per_epoch": steps, "samples": n,
                        "batch_size": batch_size, "initial_epoch": initial_epoch})
    step = initial_epoch * steps
    try:
        for epoch in range(initial_epoch, epochs):
            step = _epoch(model, cbs, x, y, epoch, step, steps, batch_size, shuffle,
                          validation_data)
            if model.stop_training:
                break
    except BaseException as exc:  # tell callbacks (e.g. Playground) the run ended, then re-raise
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        cbs.on_train_end({"steps": step, "status": status, "error": str(exc) or repr(exc)})
        raise
    finally:  # a model kept after training (the server's predictions) keeps no idle process
        replicas.forget(model)
    # Stopping early (EarlyStopping, a callback's stop_training) is a normal end, as in Keras.
    cbs.on_train_end({"steps": step, "status": "completed"})
    return history


def _epoch(model: Sequential, cbs: CallbackList, x: np.ndarray, y: np.ndarray, epoch: int,
           step: int, steps: int, batch_size: int, shuffle: bool,
           validation_data: Data | None) -> int:
    """One pass over the data; returns the global step count after it."""
    n = len(x)
    cbs.on_epoch_begin(epoch, {})
    start = time.perf_counter()
    order = model.rng.permutation(n) if shuffle else None
    loss_sum = 0.0
    sums = dict.fromkeys(model.metrics, 0.0)
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
        for name in sums:
            sums[name] += METRICS.get(name)(out, yb, model.loss_name) * size
        cbs.on_batch_end(
            step, {"loss": loss, "epoch": epoch, "batch": batch, "step": step, "size": size}
        )
        if model.stop_training:
            break
    if seen < n:
        return step  # stopped mid-epoch: an incomplete epoch reports no epoch metrics
    logs: dict[str, Any] = {"loss": loss_sum / n}
    logs.update({name: total / n for name, total in sums.items()})
    if validation_data is not None:
        val = model._evaluate(*validation_data, batch_size=max(batch_size, 500))
        logs.update({f"val_{k}": v for k, v in val.items()})
    logs["seconds"] = time.perf_counter() - start
    cbs.on_epoch_end(epoch, logs)
    return step
