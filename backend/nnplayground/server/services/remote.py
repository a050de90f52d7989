"""Remote runs: a script's own ``fit`` (``callbacks.Playground``) shown as a run like any other.

The client trains; this service only records and republishes what it sends: (1) create a
run record, (2) append batches of step/epoch events to the run's history and publish them to
watchers, (3) take weight snapshots (.npz model files, size-capped, never pickle) so
predictions, filters, histograms and the confusion matrix work, (4) end the run with its
final status.  A run is a LiveRun in the manager, so GET /api/runs/{id}, /ws/runs/{id},
/predict, /evaluate and the filters request serve it with their usual code.

Exactly what it uses of the rest of the server (for porting onto the job system):
  RunStore    store.create(name, config), store.update(id, progress=...),
              store.add_steps(id, [(step, loss)]), store.add_epoch(id, epoch, row)
  Hub         hub.publish(id, "step"|"epoch"|"activations"|"weights"|"filters"|"evaluation",
              id, data[, layer=]), hub.publish(ALL_RUNS, "status", id, summary),
              hub.has_subscribers(id)
  RunManager  manager.runs[id] = LiveRun(...) (read by get/infer/stop/delete and the WS),
              manager.weights_path(id) (the final .npz, read by infer after a restart)
  LiveRun     status, started_at, finished_at, progress, steps, steps_saved, epochs, result,
              error, stop_reason (set by POST /stop), done, data, last_evaluation,
              filter_layers, publish_weights(weights)
  trainer     summary(run), set_status(run, status, hub, store, **fields)
  probes      activation_histograms, weight_histograms, filters, conv_layers, evaluate
  datasets    load(name, 1, test_size, input_shape, seed=0) for the test set and probe batch
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
import threading
import time
from typing import Any

from ...engine import ModelFileError, Sequential, load_model
from ..errors import ApiError, conflict, not_found
from ..settings import Settings
from . import datasets, probes
from .hub import ALL_RUNS, Hub
from .live import FINISHED, LiveRun
from .manager import RunManager
from .store import RunStore
from .trainer import PROBE_SIZE, set_status, summary

PROBE_EVERY = 1.0  # s: histograms and filters at most this often per run (they cost ~5 ms)


class RemoteRuns:
    def __init__(self, settings: Settings, store: RunStore, hub: Hub,
                 manager: RunManager) -> None:
        self.settings, self.store, self.hub, self.manager = settings, store, hub, manager
        self._tokens: dict[int, str] = {}
        self._latest: dict[int, bytes] = {}  # newest weights file, written at the end
        self._probed: dict[int, float] = {}
        self._rate: dict[int, tuple[float, int]] = {}
        self._lock = threading.Lock()

    # ---- (1) create ------------------------------------------------------------------------
    def create(self, body: Any) -> dict[str, Any]:
        spec = body.spec
        model = Sequential.from_config(spec, rng=0, max_params=self.settings.max_params)
        spec = model.get_config()  # normalised: what the page and infer() rebuild from
        data = None
        if body.dataset is not None:
            try:
                data = datasets.load(body.dataset, 1, body.test_size, spec["input_shape"], 0)
            except ValueError as exc:
                raise ApiError(422, "invalid", str(exc), field="dataset") from None
        total = body.epochs * body.steps_per_epoch
        config = {"name": body.name or "remote run", "source": "remote",
                  "dataset": body.dataset, "train_size": body.train_size,
                  "test_size": body.test_size if data is not None else None,
                  "loss": body.loss, "optimizer": body.optimizer.model_dump(),
                  "weight_decay": body.weight_decay, "batch_size": body.batch_size,
                  "epochs": body.epochs, "initial_epoch": body.initial_epoch,
                  "seed": None, "eval_every": 0, "probe_every": 0}
        run_id, created = self.store.create(config["name"], {**config, "spec": spec})
        run = LiveRun(run_id, config["name"], config, spec, created)
        run.data = data
        run.started_at = time.time()
        start_step = body.initial_epoch * body.steps_per_epoch
        run.progress = {"step": start_step, "total_steps": total,
                        "epoch": body.initial_epoch, "epochs": body.epochs,
                        "steps_per_sec": None, "eta_seconds": None}
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[run_id] = token
            self._rate[run_id] = (time.monotonic(), start_step, None)
        self.manager.runs[run_id] = run
        set_status(run, "running", self.hub, self.store, started_at=run.started_at)
        return {"id": run_id, "token": token}

    def _run(self, run_id: int, token: str) -> LiveRun:
        expected = self._tokens.get(run_id)
        if expected is None:
            if self.store.get(run_id) is None:
                raise not_found("run", run_id)
            raise conflict(f"run {run_id} does not take remote updates in this server process")
        if not hmac.compare_digest(expected.encode(), token.encode()):
            raise ApiError(403, "forbidden", f"wrong token for run {run_id}", field="token")
        run = self.manager.runs.get(run_id)
        if run is None:
            raise not_found("run", run_id)
        if run.status in FINISHED:
            raise conflict(f"run {run_id} has already ended ({run.status})")
        return run

    # ---- (2) events ------------------------------------------------------------------------
    def events(self, run_id: int, token: str, events: list[Any], lr: float | None) -> dict:
        run = self._run(run_id, token)
        pending: list[tuple[int, float | None]] = []
        for event in events:
            if event.type == "step":
                pending.append((event.step, event.loss))
                run.steps.append([event.step, event.loss])
                continue
            self._publish_steps(run, pending, lr)
            pending = []
            row = event.model_dump(exclude={"type"})
            run.epochs.append(row)
            run.progress["epoch"] = row["epoch"]
            self.store.add_epoch(run_id, row["epoch"], row)
            self.hub.publish(run_id, "epoch", run_id, row)
            self.hub.publish(ALL_RUNS, "status", run_id, summary(run))
        self._publish_steps(run, pending, lr)
        new = run.steps[run.steps_saved:]
        self.store.add_steps(run_id, [(s, loss) for s, loss in new])
        run.steps_saved += len(new)
        self.store.update(run_id, progress=run.progress)
        return {"accepted": len(events), "stop": run.stop_reason is not None}

    def _publish_steps(self, run: LiveRun, steps: list[tuple[int, float | None]],
                       lr: float | None) -> None:
        if not steps:
            return
        last_step, last_loss = steps[-1]
        now = time.monotonic()
        # Steps per second over windows of >= 1 s of arrivals: one batch of events arrives
        # in a few milliseconds, which says nothing about the client's speed.
        t0, s0, sps = self._rate.get(run.id, (now, last_step, None))
        if now - t0 >= 1.0:
            sps = (last_step - s0) / (now - t0)
            self._rate[run.id] = (now, last_step, sps)
        total = run.progress["total_steps"]
        eta = (total - last_step) / sps if sps else None
        run.progress.update(step=last_step, epoch=max(run.progress["epoch"], 1),
                            steps_per_sec=sps, eta_seconds=eta)
        finite = [loss for _, loss in steps if loss is not None]
        self.hub.publish(run.id, "step", run.id, {
            "loss_sum": sum(finite), "count": len(finite), "last_loss": last_loss,
            "step": last_step, "epoch": run.progress["epoch"], "total_steps": total,
            "steps_per_sec": sps, "eta_seconds": eta, "lr": lr})

    # ---- (3) weights -----------------------------------------------------------------------
    def weights(self, run_id: int, token: str, data: bytes, epoch: int | None) -> dict:
        run = self._run(run_id, token)
        try:
            model = load_model(data, rng=0, name="the weights upload")
        except ModelFileError as exc:
            raise ApiError(422, "invalid", str(exc), field="body") from None
        spec = model.get_config()
        if (spec["input_shape"], spec["layers"]) != (run.spec["input_shape"],
                                                     run.spec["layers"]):
            raise ApiError(422, "invalid", f"these weights belong to another model than run "
                           f"{run_id}'s spec", field="body")
        run.publish_weights(model.get_weights())
        with self._lock:
            self._latest[run_id] = data
        self._probe(run, model, epoch)
        return {"version": run.snapshot_version}

    def _probe(self, run: LiveRun, model: Any, epoch: int | None) -> None:
        step = run.progress.get("step")
        now = time.monotonic()
        if self.hub.has_subscribers(run.id) and (
                epoch is not None or now - self._probed.get(run.id, 0.0) >= PROBE_EVERY):
            self._probed[run.id] = now
            if run.data is not None:
                probe = run.data.x_test[:PROBE_SIZE]
                self.hub.publish(run.id, "activations", run.id, {
                    "step": step, "layers": probes.activation_histograms(model, probe)})
            self.hub.publish(run.id, "weights", run.id,
                             {"step": step, "params": probes.weight_histograms(model)})
            for index in sorted(set(run.filter_layers) | set(probes.conv_layers(model)[:1])):
                self.hub.publish(run.id, "filters", run.id,
                                 {"step": step, **probes.filters(model, index)}, layer=index)
        if epoch is not None and run.data is not None:
            d = run.data
            result = probes.evaluate(model, d.x_test, d.y_test, len(d.classes))
            run.last_evaluation = {"step": step, "epoch": epoch, **result}
            self.hub.publish(run.id, "evaluation", run.id, run.last_evaluation)

    # ---- (4) end ---------------------------------------------------------------------------
    def end(self, run_id: int, token: str, status: str, error: str | None,
            result: dict[str, Any] | None) -> dict:
        run = self._run(run_id, token)
        with self._lock:
            latest = self._latest.pop(run_id, None)
            self._tokens.pop(run_id, None)
            self._probed.pop(run_id, None)
            self._rate.pop(run_id, None)
        if latest is not None and status in ("completed", "stopped"):
            _write_atomically(self.manager.weights_path(run_id), latest)
        ev = run.last_evaluation
        run.result = {"epochs": run.epochs[-1] if run.epochs else None,
                      "evaluation": None if ev is None else {"accuracy": ev["accuracy"],
                                                             "confusion": ev["confusion"]},
                      **(result or {})}
        run.error = None if error is None else {"code": status, "message": error}
        run.finished_at = time.time()
        if run.data is not None:
            run.data.x_train = run.data.y_train = None
        set_status(run, status, self.hub, self.store, finished_at=run.finished_at,
                   result=run.result, error=run.error)
        run.done.set()
        return self.manager.get(run_id, history=False)


def _write_atomically(path: Any, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
