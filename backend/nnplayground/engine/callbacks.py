"""Keras-like training callbacks: ``Callback``, ``History``, ``EarlyStopping``, ``ProgressBar``.

``Sequential.fit`` calls, in this order::

    on_train_begin(logs)
      on_epoch_begin(epoch, logs)                      epoch counts from 0
        on_batch_begin(step, logs) / on_batch_end(step, logs)
            logs = {"loss", "epoch", "batch" (0-based in the epoch),
                    "step" (global, 1-based), "size"}
      on_epoch_end(epoch, logs)  logs = {"loss", "accuracy", "val_loss", "val_accuracy", "seconds"}
    on_train_end(logs)

``on_batch_end`` runs in the training thread between two steps, so a callback may read
``self.model.forward_trace(x)`` / ``get_weights()`` consistently, block (pause), or set
``self.model.stop_training = True`` to end ``fit`` after the current batch.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

Logs = dict[str, Any]


class Callback:
    """Base class: every hook is a no-op; ``self.model`` is set before training starts."""

    def __init__(self) -> None:
        self.model: Any = None

    def set_model(self, model: Any) -> None:
        self.model = model

    def on_train_begin(self, logs: Logs) -> None: ...
    def on_epoch_begin(self, epoch: int, logs: Logs) -> None: ...
    def on_batch_begin(self, step: int, logs: Logs) -> None: ...
    def on_batch_end(self, step: int, logs: Logs) -> None: ...
    def on_epoch_end(self, epoch: int, logs: Logs) -> None: ...
    def on_train_end(self, logs: Logs) -> None: ...


class CallbackList(Callback):
    """Fans every hook out to several callbacks, in the order given."""

    def __init__(self, callbacks: Iterable[Callback] = ()) -> None:
        super().__init__()
        self.callbacks = list(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be Callback instances, got {cb!r}")

    def set_model(self, model: Any) -> None:
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def on_train_begin(self, logs: Logs) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_batch_begin(self, step: int, logs: Logs) -> None:
        for cb in self.callbacks:
            cb.on_batch_begin(step, logs)

    def on_batch_end(self, step: int, logs: Logs) -> None:
        for cb in self.callbacks:
            cb.on_batch_end(step, logs)

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_train_end(self, logs: Logs) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)


class LambdaCallback(Callback):
    """Wrap plain functions, e.g. ``LambdaCallback(on_batch_end=lambda step, logs: ...)``."""

    def __init__(self, **hooks: Callable[..., None]) -> None:
        super().__init__()
        names = {
            "on_train_begin",
            "on_epoch_begin",
            "on_batch_begin",
            "on_batch_end",
            "on_epoch_end",
            "on_train_end",
        }
        for name, fn in hooks.items():
            if name not in names:
                raise ValueError(f"unknown callback hook {name!r}; choose from {sorted(names)}")
            setattr(self, name, fn)


class History(Callback):
    """Per-epoch metrics (``history.history["loss"]``, ``["val_accuracy"]``, ...) and
    ``params`` = {"verbose", "epochs", "steps"}, as Keras's History; returned by ``fit``."""

    def __init__(self) -> None:
        super().__init__()
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}
        self.params: dict[str, Any] = {}

    def on_train_begin(self, logs: Logs) -> None:
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        self.epoch.append(epoch)
        for key, value in logs.items():
            self.history.setdefault(key, []).append(value)


class EarlyStopping(Callback):
    """Stop after ``patience`` epochs (at least 1) in which ``monitor`` did not improve by
    ``min_delta``, as Keras counts them.

    ``mode`` is "min" or "max"; "auto" picks max for accuracies, min otherwise.  With
    ``restore_best_weights`` the best epoch's weights are put back when training stops.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 0,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        super().__init__()
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"patience must be an integer >= 0, got {patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if "acc" in monitor else "min"
        self.monitor = monitor
        self.patience = patience
        self.min_delta = abs(float(min_delta))
        self.sign = 1.0 if mode == "min" else -1.0  # compare sign·value, lower is better
        self.restore_best_weights = restore_best_weights
        self.best = math.inf
        self.best_weights: list[Any] | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs: Logs) -> None:
        self.best, self.wait, self.stopped_epoch, self.best_weights = math.inf, 0, None, None

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, but the epoch logs only have "
                f"{sorted(logs)} (val_* needs validation_data or validation_split)"
            )
        value = self.sign * float(logs[self.monitor])
        if value < self.best - self.min_delta:
            self.best, self.wait = value, 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        # Keras's rule: stop after ``patience`` epochs without improvement (at least one).
        if self.wait >= max(self.patience, 1):
            self.stopped_epoch = epoch
            self.model.stop_training = True
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)


class LearningRateScheduler(Callback):
    """Set the optimizer's lr at the start of each epoch: ``schedule(epoch, lr) -> new lr``."""

    def __init__(self, schedule: Callable[[int, float], float]) -> None:
        super().__init__()
        self.schedule = schedule

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        self.model.optimizer.lr = self.schedule(epoch, self.model.optimizer.lr)


def epoch_decay(factor: float) -> LearningRateScheduler:
    """Multiply the learning rate by ``factor`` after every epoch (step decay, 0 < factor <= 1).

    A falling rate lets Adam settle into a minimum instead of hopping around it, which is
    worth a few tenths of a percent of test accuracy in a short run."""
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor <= 1:
        raise ValueError(f"lr_decay must be in (0, 1], got {factor!r}")
    return LearningRateScheduler(lambda epoch, lr: lr if epoch == 0 else lr * factor)


class WarmupLinearDecay(Callback):
    """Set the lr before every batch: a linear warm-up over the first ``warmup`` of the
    steps, then a straight line down to (almost) zero at the last step.  With step s of
    T (from 1) and w = max(1, round(warmup·T)) warm-up steps:

        lr_s = base · min(1, s / w) · (T − s + 1) / T

    ``base`` is the optimizer's lr when training begins.  When something else changes the
    lr between batches (an epoch decay, the page's lr request) the schedule goes on from the
    new value: base becomes new_lr / (the factor it was set with).

    Why: a short run ends with the lr near zero wherever it is, so the last steps settle
    instead of hopping; SimpleConvNet's 3 epochs reached 99.05 % this way, against 98.95 %
    at best with a per-epoch step decay (benchmarks/time_to_accuracy.py)."""

    def __init__(self, warmup: float = 0.05) -> None:
        super().__init__()
        if isinstance(warmup, bool) or not isinstance(warmup, int | float) \
                or not 0 <= warmup < 1:
            raise ValueError(f"warmup must be in [0, 1), got {warmup!r}")
        self.warmup = float(warmup)
        self.total = self.warm = self.step = 0
        self.base = self.factor = 0.0
        self.last: float | None = None

    def on_train_begin(self, logs: Logs) -> None:
        self.total = int(logs["epochs"]) * int(logs["steps_per_epoch"])
        self.warm = max(1, round(self.warmup * self.total))
        self.step = int(logs.get("initial_epoch", 0)) * int(logs["steps_per_epoch"])
        self.base, self.last = self.model.optimizer.lr, None

    def factor_at(self, step: int) -> float:
        return min(1.0, step / self.warm) * (self.total - step + 1) / self.total

    def on_batch_begin(self, step: int, logs: Logs) -> None:
        optimizer = self.model.optimizer
        if self.last is not None and optimizer.lr != self.last:
            self.base = optimizer.lr / self.factor
        self.step = min(self.step + 1, self.total)
        self.factor = self.factor_at(self.step)
        optimizer.lr = self.last = self.base * self.factor


# A run's ``lr_schedule``: "step" keeps the lr constant within an epoch, "linear" is
# WarmupLinearDecay.  The per-epoch ``lr_decay`` applies under both.
SCHEDULES: dict[str, Callable[[], list[Callback]]] = {
    "step": list,
    "linear": lambda: [WarmupLinearDecay()],
}


def lr_schedule(name: str, lr_decay: float = 1.0) -> list[Callback]:
    """The callbacks that carry out a run's ``lr_schedule`` and ``lr_decay``."""
    if name not in SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {list(SCHEDULES)}, got {name!r}")
    return ([] if lr_decay == 1.0 else [epoch_decay(lr_decay)]) + SCHEDULES[name]()


class ProgressBar(Callback):
    """A plain-text progress bar redrawn with carriage returns; one finished line per epoch."""

    def __init__(
        self,
        stream: TextIO | None = None,
        width: int = 30,
        epoch_lines: bool = True,
        bar: bool = True,
    ) -> None:
        super().__init__()
        self.stream = stream
        self.width = width
        self.epoch_lines = epoch_lines  # False: just clear the bar, the caller reports epochs
        self.bar = bar  # False: one line per epoch only (Keras's verbose=2)
        self.steps_per_epoch = 0
        self.epochs = 0
        self._start = 0.0

    def on_train_begin(self, logs: Logs) -> None:
        self.steps_per_epoch = int(logs.get("steps_per_epoch", 0))
        self.epochs = int(logs.get("epochs", 0))

    def on_epoch_begin(self, epoch: int, logs: Logs) -> None:
        self._start = time.perf_counter()
        self._loss_sum, self._seen = 0.0, 0

    def _write(self, text: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(text)
        stream.flush()

    def on_batch_end(self, step: int, logs: Logs) -> None:
        self._loss_sum += float(logs["loss"]) * logs["size"]
        self._seen += logs["size"]
        if not self.bar:
            return
        done = logs["batch"] + 1
        total = max(self.steps_per_epoch, done)
        filled = self.width * done // total
        bar = "=" * filled + (">" if filled < self.width else "") + "." * (self.width - filled - 1)
        elapsed = time.perf_counter() - self._start
        eta = elapsed / done * (total - done)
        self._write(
            f"\repoch {logs['epoch'] + 1}/{self.epochs} {done}/{total} [{bar[: self.width]}] "
            f"loss {self._loss_sum / self._seen:.4f}  eta {eta:.0f}s "
        )

    def on_epoch_end(self, epoch: int, logs: Logs) -> None:
        if not self.epoch_lines:
            self._write("\r" + " " * (self.width + 60) + "\r")
            return
        parts = [f"{k} {v:.4f}" for k, v in logs.items() if k != "seconds" and v is not None]
        self._write(
            f"\repoch {epoch + 1}/{self.epochs} {logs.get('seconds', 0):.1f}s  "
            + "  ".join(parts)
            + " " * 10
            + "\n"
        )
