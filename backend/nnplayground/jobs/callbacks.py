"""The training run's callbacks, one concern each: evaluation, streaming, probes, weight
snapshots and controls.  They talk only to the job context."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from ..engine.callbacks import Callback
from . import probes
from .context import JobContext, StopJob
from .datasets import RunData
from .model import Status

STEP_EMIT_SECONDS = 0.02  # at most ~50 step events a second per run reach the hub


class EvaluationCallback(Callback):
    """The test set once per epoch (or every ``every`` steps), in one forward pass: the
    epoch's val_loss / val_accuracy and the page's confusion matrix come from it."""

    def __init__(self, ctx: JobContext, data: RunData, every: int = 0,
                 before_emit: Any = None) -> None:
        super().__init__()
        self.ctx, self.data, self.every = ctx, data, every
        # The steps so far go out before the evaluation, so a watcher gets one step message
        # per epoch end, not one before the evaluation and another before the epoch row.
        self.before_emit = before_emit or (lambda: None)
        self.last: dict[str, Any] | None = None
        self.step = 0

    def run(self, epoch: int) -> dict[str, Any]:
        model, data = self.model, self.data
        logits = model.predict_logits(data.x_test)  # before a final Softmax, if any
        probs = model.loss.output_activation(logits)
        result = probes.evaluate_probs(probes.as_class_probs(probs), data.x_test, data.y_test,
                                       len(data.classes), data.image_shape)
        loss = float(model.loss.forward(logits, data.y_test))
        self.last = {"step": self.step, "epoch": epoch, "loss": loss, **result}
        self.before_emit()
        self.ctx.emit("evaluation", self.last)
        return self.last

    def on_batch_end(self, step: int, logs: dict) -> None:
        self.step = step
        if self.every and step % self.every == 0:
            self.run(int(logs.get("epoch", 0)) + 1)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        ev = self.run(epoch + 1)  # first in the list: later callbacks see val_* in logs
        logs["val_loss"], logs["val_accuracy"] = ev["loss"], ev["accuracy"]


class StreamCallback(Callback):
    """Step losses (batched), progress and speed, and one row per epoch."""

    def __init__(self, ctx: JobContext, epochs: int, batch_size: int, n_train: int) -> None:
        super().__init__()
        self.ctx, self.epochs = ctx, epochs
        self.total_steps = epochs * math.ceil(n_train / batch_size)
        self.epoch_rows: list[dict[str, Any]] = []
        self._pending: list[list] = []
        self._sum, self._step, self._epoch = 0.0, 0, 1
        self._t0 = self._last_emit = self._rate_t = time.monotonic()
        self._rate_step, self.steps_per_sec = 0, None

    def on_train_begin(self, logs: dict) -> None:
        self.ctx.emit("progress", {"step": 0, "total_steps": self.total_steps, "epoch": 0,
                                   "epochs": self.epochs, "steps_per_sec": None,
                                   "eta_seconds": None})

    def on_batch_end(self, step: int, logs: dict) -> None:
        loss = float(logs["loss"])
        finite = math.isfinite(loss)
        self._pending.append([step, loss if finite else None])
        self._step, self._epoch = step, int(logs.get("epoch", 0)) + 1
        now = time.monotonic()
        if now - self._rate_t >= 1.0:
            self.steps_per_sec = (step - self._rate_step) / (now - self._rate_t)
            self._rate_t, self._rate_step = now, step
        if not finite:
            self.flush()
            raise StopJob(Status.DIVERGED, step, f"loss became {loss} at step {step}")
        self._sum += loss
        if now - self._last_emit >= STEP_EMIT_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        now = time.monotonic()
        sps = self.steps_per_sec or self._step / max(now - self._t0, 1e-6)
        eta = (self.total_steps - self._step) / sps if sps > 0 else None
        count = sum(1 for _, v in self._pending if v is not None)
        lr = getattr(getattr(self.model, "optimizer", None), "lr", None)
        self.ctx.emit("step", {"loss_sum": self._sum, "count": count,
                               "last_loss": self._pending[-1][1], "step": self._step,
                               "epoch": self._epoch, "steps_per_sec": sps, "eta_seconds": eta,
                               "lr": lr, "total_steps": self.total_steps,
                               "losses": self._pending})
        self._pending, self._sum, self._last_emit = [], 0.0, now

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        self.flush()
        row = {"epoch": epoch + 1, "step": self._step,
               **{k: logs.get(k) for k in ("loss", "accuracy", "val_loss", "val_accuracy",
                                           "seconds")}}
        self.epoch_rows.append(row)
        self.ctx.emit("epoch", row)


class ProbeCallback(Callback):
    """Activation and weight histograms and conv filters while someone watches, and once
    more for the final weights: a run can end before the page's socket opens (40 steps
    of TwoLayerNet take ~20 ms on a fast machine), and the run's state keeps that last
    set for a late joiner (TrainState.state)."""

    def __init__(self, ctx: JobContext, probe: np.ndarray, every: int) -> None:
        super().__init__()
        self.ctx, self.probe, self.every = ctx, probe, every
        self.step, self.sent = 0, -1

    def on_batch_end(self, step: int, logs: dict) -> None:
        self.step = step
        if not self.every or step % self.every or not self.ctx.watched():
            return
        self._emit(step)

    def on_train_end(self, logs: dict) -> None:
        if self.every and self.sent != self.step:  # not already sent for these weights
            self._emit(self.step)

    def _emit(self, step: int) -> None:
        self.sent = step
        model, ctx = self.model, self.ctx
        ctx.emit("activations", {"step": step,
                                 "layers": probes.activation_histograms(model, self.probe)})
        ctx.emit("weights", {"step": step, "params": probes.weight_histograms(model)})
        for index in sorted(ctx.filter_layers() | set(probes.conv_layers(model)[:1])):
            ctx.emit("filters", {"step": step, **probes.filters(model, index)}, layer=index)


class SnapshotCallback(Callback):
    """Publishes the weights every ``interval`` seconds for live predictions."""

    def __init__(self, ctx: JobContext, interval: float) -> None:
        super().__init__()
        self.ctx, self.interval, self._last = ctx, interval, 0.0

    def publish(self) -> None:
        self.ctx.publish_weights(self.model.get_weights())
        self._last = time.monotonic()

    def on_train_begin(self, logs: dict) -> None:
        self.publish()

    def on_batch_end(self, step: int, logs: dict) -> None:
        if time.monotonic() - self._last >= self.interval:
            self.publish()


class ControlCallback(Callback):
    """Applies the requests made since the last batch: learning rate, pause, stop."""

    def __init__(self, ctx: JobContext, on_pause: Any) -> None:
        super().__init__()
        self.ctx, self.on_pause = ctx, on_pause

    def on_batch_end(self, step: int, logs: dict) -> None:
        lr = self.ctx.take_lr_request()
        if lr is not None:
            self.model.optimizer.lr = lr
        self.ctx.wait_while_paused(self.on_pause)
        self.ctx.check_stop(step)
