"""The training thread of one run: builds data and model, runs ``fit`` with a callback
that streams metrics, obeys pause/stop/lr requests at every batch end, and records
everything in SQLite.  Any exception ends this run only (status "failed")."""

from __future__ import annotations

import logging
import math
import time
import traceback
from typing import Any

import numpy as np

from ...engine import OPTIMIZERS, Sequential
from ...engine.callbacks import Callback, epoch_decay
from . import datasets, probes
from .hub import ALL_RUNS, Hub
from .live import LiveRun, StopRun
from .store import RunStore

log = logging.getLogger("nnplayground.server")
STEP_PUBLISH_INTERVAL = 0.02  # s: the loop gets at most ~50 step updates/s per run
STEP_FLUSH_INTERVAL = 5.0  # s: step history reaches SQLite at least this often
PROBE_SIZE = 100


class StreamingCallback(Callback):
    def __init__(self, run: LiveRun, hub: Hub, store: RunStore, snapshot_interval: float,
                 probe: np.ndarray) -> None:
        super().__init__()
        self.run, self.hub, self.store = run, hub, store
        self.snapshot_interval = snapshot_interval
        self.probe = probe
        cfg = run.config
        self.epochs, self.probe_every, self.eval_every = cfg["epochs"], cfg["probe_every"], \
            cfg["eval_every"]
        self.total_steps = 0
        self._acc_sum, self._acc_n = 0.0, 0
        self._last_pub = self._last_flush = self._t0 = time.monotonic()
        self._rate_t, self._rate_step, self.steps_per_sec = self._t0, 0, 0.0

    # -- helpers -------------------------------------------------------------------------
    def publish(self, type_: str, data: Any, layer: int | None = None) -> None:
        self.hub.publish(self.run.id, type_, self.run.id, data, layer=layer)

    def snapshot(self) -> None:
        self.run.publish_weights(self.model.get_weights())

    def probe_now(self, step: int) -> None:
        run = self.run
        if not self.hub.has_subscribers(run.id):
            return  # histograms are for watchers only
        model = self.model
        self.publish("activations", {"step": step,
                                     "layers": probes.activation_histograms(model, self.probe)})
        self.publish("weights", {"step": step, "params": probes.weight_histograms(model)})
        for index in sorted(set(run.filter_layers) | set(probes.conv_layers(model)[:1])):
            self.publish("filters", {"step": step, **probes.filters(model, index)}, layer=index)

    def evaluate(self, step: int, epoch: int) -> None:
        data = self.run.data
        result = probes.evaluate(self.model, data.x_test, data.y_test, len(data.classes))
        self.run.last_evaluation = {"step": step, "epoch": epoch, **result}
        self.publish("evaluation", self.run.last_evaluation)

    def flush_steps(self) -> None:
        run = self.run
        new = run.steps[run.steps_saved:]
        self.store.add_steps(run.id, [(s, loss) for s, loss in new])
        run.steps_saved += len(new)
        self.store.update(run.id, progress=run.progress)
        self._last_flush = time.monotonic()

    # -- callback hooks ------------------------------------------------------------------
    def on_train_begin(self, logs: dict) -> None:
        n = len(self.run.data.x_train)
        self.total_steps = self.epochs * math.ceil(n / self.run.config["batch_size"])
        self.run.progress = {"step": 0, "total_steps": self.total_steps, "epoch": 0,
                             "epochs": self.epochs, "steps_per_sec": None, "eta_seconds": None}
        self.snapshot()

    def on_batch_end(self, step: int, logs: dict) -> None:
        run = self.run
        loss = float(logs["loss"])
        finite = math.isfinite(loss)
        run.steps.append([step, loss if finite else None])
        now = time.monotonic()
        if now - self._rate_t >= 1.0:
            self.steps_per_sec = (step - self._rate_step) / (now - self._rate_t)
            self._rate_t, self._rate_step = now, step
        sps = self.steps_per_sec or step / max(now - self._t0, 1e-6)
        eta = (self.total_steps - step) / sps if sps > 0 else None
        run.progress.update(step=step, epoch=int(logs.get("epoch", 0)) + 1,
                            steps_per_sec=sps, eta_seconds=eta)
        if not finite:
            raise StopRun("diverged", step, f"loss became {loss} at step {step}")
        self._acc_sum += loss
        self._acc_n += 1
        if now - self._last_pub >= STEP_PUBLISH_INTERVAL:
            self.publish("step", {"loss_sum": self._acc_sum, "count": self._acc_n,
                                  "last_loss": loss, "step": step, "epoch": run.progress["epoch"],
                                  "steps_per_sec": sps, "eta_seconds": eta,
                                  "lr": self.model.optimizer.lr, "total_steps": self.total_steps})
            self._acc_sum, self._acc_n, self._last_pub = 0.0, 0, now
        if self.probe_every and step % self.probe_every == 0:
            self.probe_now(step)
        if self.eval_every and step % self.eval_every == 0:
            self.evaluate(step, run.progress["epoch"])
        if now - run.snapshot_time >= self.snapshot_interval:
            self.snapshot()
        if now - self._last_flush >= STEP_FLUSH_INTERVAL:
            self.flush_steps()
        self.obey(step)

    def obey(self, step: int) -> None:
        """Apply the requests made since the last batch: lr, pause, stop."""
        run = self.run
        if run.lr_request is not None:
            self.model.optimizer.lr, run.lr_request = run.lr_request, None
        if not run.resume.is_set() and run.stop_reason is None:
            set_status(run, "paused", self.hub, self.store)
            self.snapshot()
            self.flush_steps()
            run.resume.wait()
            if run.stop_reason is None:
                set_status(run, "running", self.hub, self.store)
        if run.stop_reason is not None:
            raise StopRun(run.stop_reason, step)

    def on_epoch_end(self, epoch: int, logs: dict) -> None:
        run = self.run
        row = {"epoch": epoch + 1, "step": run.progress["step"],
               **{k: logs.get(k) for k in ("loss", "accuracy", "val_loss", "val_accuracy",
                                           "seconds")}}
        run.epochs.append(row)
        self.store.add_epoch(run.id, epoch + 1, row)
        self.flush_steps()
        self.publish("epoch", row)
        if not self.eval_every:
            self.evaluate(run.progress["step"], epoch + 1)
        self.hub.publish(ALL_RUNS, "status", run.id, summary(run))


def summary(run: LiveRun) -> dict[str, Any]:
    return {"id": run.id, "name": run.name, "status": run.status, "progress": run.progress,
            "error": run.error}


def set_status(run: LiveRun, status: str, hub: Hub, store: RunStore, **extra: Any) -> None:
    run.status = status
    store.update(run.id, status=status, progress=run.progress, **extra)
    data = summary(run)
    hub.publish(run.id, "status", run.id, data)
    hub.publish(ALL_RUNS, "status", run.id, data)


def build_model(run: LiveRun) -> Any:
    cfg = run.config
    model = Sequential.from_config(run.spec, rng=np.random.default_rng(cfg["seed"]))
    opt = dict(cfg["optimizer"])
    opt["weight_decay"] = cfg["weight_decay"]
    model.compile(optimizer=OPTIMIZERS.create(opt), loss=cfg["loss"], metrics=["accuracy"])
    return model


def _callbacks(cfg: dict[str, Any], streaming: Callback) -> list[Callback]:
    # The presets' step decay (e.g. SimpleConvNet's x0.4 per epoch) is what gets them to the
    # book-beating accuracies in a few epochs; a mid-run lr change is decayed from, not undone.
    decay = cfg.get("lr_decay", 1.0)
    return [streaming] if decay == 1.0 else [epoch_decay(decay), streaming]


def train(run: LiveRun, hub: Hub, store: RunStore, snapshot_interval: float,
          weights_path: Any) -> None:
    """Body of a worker thread for one run; never raises."""
    cfg = run.config
    run.started_at = time.time()
    set_status(run, "running", hub, store, started_at=run.started_at)
    cb: StreamingCallback | None = None
    model = None
    final, error = "completed", None
    try:
        run.data = datasets.load(cfg["dataset"], cfg["train_size"], cfg["test_size"],
                                 run.spec["input_shape"], cfg["seed"])
        model = build_model(run)
        cb = StreamingCallback(run, hub, store, snapshot_interval, run.data.x_train[:PROBE_SIZE])
        if run.stop_reason is not None:
            raise StopRun(run.stop_reason, 0)
        with np.errstate(all="ignore"):  # overflow is reported as divergence, not warnings
            model.fit(run.data.x_train, run.data.y_train, epochs=cfg["epochs"],
                      batch_size=cfg["batch_size"],
                      validation_data=(run.data.x_test, run.data.y_test), shuffle=True,
                      callbacks=_callbacks(cfg, cb), verbose=0)
        cb.snapshot()
        run.result = {"epochs": run.epochs[-1] if run.epochs else None,
                      "evaluation": _eval_summary(run), "params": model.count_params()}
        model.save(str(weights_path))
    except StopRun as sig:
        final = sig.status
        if sig.status == "diverged":
            error = {"code": "diverged", "message": sig.message, "step": sig.step}
        if model is not None and sig.status != "diverged":
            run.publish_weights(model.get_weights())
    except Exception as exc:  # one broken run must never take the server down
        log.exception("run %s failed", run.id)
        final = "failed"
        error = {"code": type(exc).__name__, "message": str(exc) or type(exc).__name__,
                 "trace": traceback.format_exc(limit=3)}
    finally:
        if run.data is not None:  # keep only the test set (evaluate on request); free the rest
            run.data.x_train = run.data.y_train = None
        run.error = error
        run.finished_at = time.time()
        try:
            if cb is not None:
                cb.flush_steps()
            set_status(run, final, hub, store, finished_at=run.finished_at, result=run.result,
                       error=error)
        except Exception:  # pragma: no cover - the database itself failed
            log.exception("could not record the end of run %s", run.id)
        run.done.set()


def _eval_summary(run: LiveRun) -> dict[str, Any] | None:
    ev = run.last_evaluation
    return None if ev is None else {"accuracy": ev["accuracy"], "confusion": ev["confusion"]}
