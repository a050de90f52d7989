"""Run manager: a visible FIFO queue and a pool of worker threads capped at
``max_concurrent``.  Training never runs on the event loop."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ...engine import Sequential
from ..errors import ApiError, conflict, not_found
from ..settings import Settings
from . import trainer
from .hub import ALL_RUNS, Hub
from .live import FINISHED, LiveRun
from .store import RunStore

T = TypeVar("T")
log = logging.getLogger("nnplayground.server")


class RunManager:
    def __init__(self, settings: Settings, store: RunStore, hub: Hub) -> None:
        self.settings, self.store, self.hub = settings, store, hub
        self.runs: dict[int, LiveRun] = {}
        self.queue: deque[int] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._workers: list[threading.Thread] = []
        settings.weights_dir.mkdir(parents=True, exist_ok=True)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        for i in range(self.settings.max_concurrent):
            t = threading.Thread(target=self._worker, name=f"nnpg-train-{i}", daemon=True)
            t.start()
            self._workers.append(t)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Running and queued runs end as 'interrupted': the process is going away."""
        with self._cond:
            self._closing = True
            for run_id in self.queue:
                run = self.runs[run_id]
                run.status = "interrupted"
                self.store.update(run_id, status="interrupted")
            self.queue.clear()
            self._cond.notify_all()
        for run in list(self.runs.values()):
            if run.status not in FINISHED:
                run.request_stop("interrupted")
        for t in self._workers:
            t.join(timeout)

    def _worker(self) -> None:
        while True:
            with self._cond:
                while not self.queue and not self._closing:
                    self._cond.wait()
                if self._closing:
                    return
                run = self.runs[self.queue.popleft()]
                self._publish_queue()
            try:
                trainer.train(run, self.hub, self.store, self.settings.snapshot_interval,
                              self.weights_path(run.id))
            except Exception:  # never lose a worker thread (train() already records errors)
                log.exception("worker crashed while finishing run %s", run.id)
                run.done.set()

    def _publish_queue(self) -> None:
        for pos, run_id in enumerate(self.queue, 1):
            self.hub.publish(ALL_RUNS, "status", run_id, {**trainer.summary(self.runs[run_id]),
                                                          "queue_position": pos})

    def weights_path(self, run_id: int) -> Path:
        return self.settings.weights_dir / f"run-{run_id}.npz"

    # -- commands ------------------------------------------------------------------------
    def create(self, name: str, config: dict[str, Any], spec: dict[str, Any]) -> LiveRun:
        run_id, created = self.store.create(name, {**config, "spec": spec})
        run = LiveRun(run_id, name, config, spec, created)
        with self._cond:
            self.runs[run_id] = run
            self.queue.append(run_id)
            self._cond.notify()
        self.hub.publish(ALL_RUNS, "status", run_id, trainer.summary(run))
        return run

    def live(self, run_id: int) -> LiveRun:
        run = self.runs.get(run_id)
        if run is None:
            if self.store.get(run_id) is None:
                raise not_found("run", run_id)
            raise conflict(f"run {run_id} is not live in this server process "
                           "(it finished before a restart)")
        return run

    def pause(self, run_id: int) -> None:
        run = self.live(run_id)
        if run.status not in ("running", "paused"):
            raise conflict(f"run {run_id} is {run.status}; only a running run can be paused")
        run.resume.clear()

    def resume(self, run_id: int) -> None:
        run = self.live(run_id)
        if run.status not in ("running", "paused"):
            raise conflict(f"run {run_id} is {run.status}; only a paused run can be resumed")
        run.resume.set()

    def stop(self, run_id: int) -> None:
        run = self.live(run_id)
        if run.status in FINISHED:
            return
        with self._cond:
            if run_id in self.queue:  # never started: stopped right here
                self.queue.remove(run_id)
                run.stop_reason = "stopped"
                trainer.set_status(run, "stopped", self.hub, self.store)
                run.done.set()
                self._publish_queue()
                return
        run.request_stop("stopped")

    def set_lr(self, run_id: int, lr: float) -> None:
        run = self.live(run_id)
        if run.status in FINISHED:
            raise conflict(f"run {run_id} is {run.status}; the learning rate can only change "
                           "while it is queued, running or paused")
        if run.status != "queued":  # a queued run simply starts with the new rate
            run.lr_request = lr
        run.config["optimizer"]["lr"] = lr

    def delete(self, run_id: int) -> None:
        run = self.runs.get(run_id)
        if run is None and self.store.get(run_id) is None:
            raise not_found("run", run_id)
        if run is not None:
            self.stop(run_id)
            run.done.wait(5.0)
            self.runs.pop(run_id, None)
        self.store.delete(run_id)
        self.weights_path(run_id).unlink(missing_ok=True)
        self.hub.publish(ALL_RUNS, "deleted", run_id, {"id": run_id})

    # -- views ---------------------------------------------------------------------------
    def queue_position(self, run_id: int) -> int | None:
        try:
            return list(self.queue).index(run_id) + 1
        except ValueError:
            return None

    def running_counts(self) -> dict[str, int]:
        statuses = [r.status for r in self.runs.values()]
        return {"running": statuses.count("running") + statuses.count("paused"),
                "queued": len(self.queue)}

    def get(self, run_id: int, history: bool = True) -> dict[str, Any]:
        row = self.store.get(run_id)
        if row is None:
            raise not_found("run", run_id)
        run = self.runs.get(run_id)
        if run is not None:  # live values are fresher than the database
            row.update(status=run.status, progress=run.progress, result=run.result,
                       error=run.error, started_at=run.started_at, finished_at=run.finished_at)
            row["config"] = {**row["config"], "optimizer": run.config["optimizer"]}
        row["queue_position"] = self.queue_position(run_id)
        if history:
            row["history"] = run.history() if run is not None else self.store.history(run_id)
        return row

    def list(self) -> list[dict[str, Any]]:
        rows = self.store.list()
        for row in rows:
            run = self.runs.get(row["id"])
            if run is not None:
                row.update(status=run.status, progress=run.progress, error=run.error)
            row["queue_position"] = self.queue_position(row["id"])
        return rows

    # -- inference -----------------------------------------------------------------------
    def infer(self, run_id: int, fn: Callable[[Any], T]) -> T:
        """Call ``fn(model)`` on a separate model holding the run's latest published weights.

        The training model is never touched, and the lock only serialises predictions
        (layers keep forward caches on themselves)."""
        run = self.runs.get(run_id)
        if run is None:
            model = self._finished_model(run_id)
            return fn(model)
        with run.infer_lock:
            snapshot, version = run.snapshot, run.snapshot_version
            if snapshot is None:
                raise conflict(f"run {run_id} has no weights yet (status {run.status})")
            if run.infer_model is None:
                run.infer_model = Sequential.from_config(run.spec, rng=np.random.default_rng(0))
            if run.infer_version != version:
                run.infer_model.set_weights(snapshot)
                run.infer_version = version
            return fn(run.infer_model)

    def _finished_model(self, run_id: int) -> Any:
        if self.store.get(run_id) is None:
            raise not_found("run", run_id)
        path = self.weights_path(run_id)
        if not path.exists():
            raise ApiError(409, "no_weights", f"run {run_id} left no saved weights (only "
                           "completed runs keep their weights across restarts)")
        return Sequential.load(str(path))
