"""The home of a job on a Ray cluster, in one of a few detached host actors (no CPU of
their own, ``JOB_HOSTS`` in ray_executor.py; job ``n`` lives on host ``n % JOB_HOSTS``).

A first version gave every job an actor of its own: a new worker process per job, ~6 s
from POST to the first step on our loaded 2-core box and ~100 MB each (benchmarks/README.md).
A few long-lived hosts keep that cost to the first job, and one database connection per
host instead of one per job.

The job's home owns what the app server owns for a local job: the job's live state and Recorder (so
the store is written from here, whichever app server started the job or goes away), the
controls (pause, stop, learning rate, filters), the latest weight snapshot, and the event
log every app server long-polls (relay.py).  The job's body runs as a Ray task of its own
(ray_context.run_job) with ``cpus_per_job`` CPUs: Ray's scheduler is the queue, and the
job is "queued" until its task starts on some node.

Faults: the task is not retried (``max_retries=0``).  A worker killed mid-run ends the job
as failed with the code ``worker_lost`` and the node and process it ran on; other jobs go
on.  Retrying from a checkpoint would replay a learner's run with other numbers than the
ones they watched, so a failed run says so and the learner starts it again.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import ray
from ray.exceptions import RayError, TaskCancelledError

from ..engine import Sequential
from .context import Control, StopJob
from .errors import error_record
from .model import FINISHED, TRANSITIONS, Status
from .recorder import Recorder
from .relay import EventLog, job_fields
from .store import JobStore, SqliteJobStore

log = logging.getLogger("nnplayground.jobs")
FINISHED_VALUES = frozenset(s.value for s in FINISHED)
LINGER_SECONDS = 10.0  # a finished job's home stays this long: pollers read its end
STATUS = "_status"  # the job's own status changes (pause, resume) ride with its events


def open_store(location: str) -> JobStore:
    """``postgresql://...`` or the path of a SQLite file (one machine only)."""
    if location.startswith(("postgresql://", "postgres://")):
        from .pg_store import PgJobStore

        return PgJobStore(location)
    return SqliteJobStore(Path(location))


class JobHandle:
    """A job's methods on its host, called like an actor's: ``handle.poll.remote(...)``."""

    def __init__(self, host: Any, job_id: int) -> None:
        self.host, self.job_id = host, job_id

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return _Method(self.host, self.job_id, name)


class _Method:
    def __init__(self, host: Any, job_id: int, name: str) -> None:
        self.host, self.job_id, self.name = host, job_id, name

    def remote(self, *args: Any) -> Any:
        return self.host.call.remote(self.job_id, self.name, *args)


class JobHost:
    """The Ray actor: the homes of the jobs placed on it, one store connection for all."""

    def __init__(self, store: str) -> None:
        self.store = open_store(store)
        self.homes: dict[int, JobHome] = {}

    def add(self, job_cls: type, fields: dict[str, Any], work: Any, weights_dir: str,
            cpus: float) -> None:
        job_id = fields["id"]
        row = self.store.get(job_id)
        if row is None or row["status"] != Status.QUEUED.value:
            # The app server gave up waiting for this call (ExecutorUnavailable) and marked
            # the job failed: it must not start now that the host got round to it.
            log.warning("job %s is %s, not queued: not started", job_id,
                        None if row is None else row["status"])
            return
        me = JobHandle(ray.get_runtime_context().current_actor, job_id)
        home = JobHome(job_cls, fields, work, self.store, weights_dir, cpus, me,
                       retire=lambda: self.homes.pop(job_id, None))
        self.homes[job_id] = home
        home.start()

    def call(self, job_id: int, method: str, *args: Any) -> Any:
        home = self.homes.get(job_id)
        if home is None:
            raise LookupError(f"job {job_id} is not on this host (finished, or the host "
                              "was restarted)")
        return getattr(home, method)(*args)


class JobHome:
    def __init__(self, job_cls: type, fields: dict[str, Any], work: Any, store: JobStore,
                 weights_dir: str, cpus: float, me: JobHandle, retire: Any) -> None:
        self.store, self.me, self.retire = store, me, retire
        self.log = EventLog()
        self.recorder = Recorder(self.store, self.log, Path(weights_dir))
        self.job = job_cls(**fields)
        self.recorder.jobs[self.job.id] = self.job
        self.control = Control()
        self.work, self.cpus, self.weights_dir = work, cpus, weights_dir
        self.lock = threading.Lock()  # one writer of the job's state and log at a time
        self.ref: Any = None
        self.begun = False
        self.placements: list[dict[str, Any]] = []

    # -- the job's lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        from .ray_context import run_job

        self.ref = run_job.options(num_cpus=self.cpus, max_retries=0,
                                   name=f"nnpg-job-{self.job.id}").remote(
            self.work, self.job.id, self.me, self.weights_dir, self.cpus)
        threading.Thread(target=self._wait, daemon=True).start()

    def begin(self, node: str, pid: int) -> dict[str, Any]:
        """The job's task started on ``node``: the job is running from now on."""
        row = self.store.get(self.job.id) or {}
        with self.lock:
            if row.get("status") in FINISHED_VALUES and self.job.status not in FINISHED:
                # Given up by its app server while this host was slow to add it (see add):
                # the row's word stands, and controls() below tells the task to stop.
                self.job.status, self.job.error = Status(row["status"]), row.get("error")
            if self.job.status != Status.QUEUED or self.control.stop_reason is not None:
                return self.controls()
            self.begun = True
            self._status(Status.RUNNING, started_at=time.time())
            self._event("placement", {"piece": None, "node": node, "pid": pid})
        lr = ((row.get("config") or {}).get("optimizer") or {}).get("lr")
        started = (self.job.config.get("optimizer") or {}).get("lr")
        if lr is not None and lr != started:  # changed while the job waited for a node
            self.control.request_lr(lr)
        return self.controls()

    def _wait(self) -> None:
        final, result, error = Status.COMPLETED, None, None
        try:
            how, value = ray.get(self.ref)
            if how == "raise":
                raise value
            result = value
            if self.control.stop_reason is not None:  # a lab that left its loop early
                final = self.control.stop_reason
        except StopJob as sig:
            final = sig.status
            if sig.status == Status.DIVERGED:
                error = {"code": "diverged", "message": sig.message, "step": sig.step,
                         "params": {"step": sig.step}}
        except TaskCancelledError:
            final = self.control.stop_reason or Status.STOPPED
        except RayError as exc:  # the worker process or its node went away
            where = self.placements[0] if self.placements else {}
            final = Status.FAILED
            error = {"code": "worker_lost", "field": None,
                     "message": f"the Ray worker running this job stopped "
                                f"({type(exc).__name__}) on node {where.get('node')}, "
                                f"process {where.get('pid')}; the job is not retried",
                     "params": {"node": where.get("node"), "pid": where.get("pid")}}
        except Exception as exc:
            log.exception("job %s failed", self.job.id)
            final = Status.FAILED
            error = error_record(exc)
        finally:
            with self.lock:
                self.recorder.finish(self.job, final, result, error)
                self._log_status()
            self._keep_weights()
            threading.Thread(target=self._retire, daemon=True).start()

    def _keep_weights(self) -> None:
        """A stopped run saves no model; its last snapshot is kept in the shared folder so
        predictions work on every app server after its actor is gone."""
        snapshot = getattr(self.job, "snapshot", None)
        path = self.recorder.weights_path(self.job.id)
        if snapshot is None or snapshot.weights is None or path.exists():
            return
        try:
            model = Sequential.from_config(self.job.config["spec"],
                                           rng=np.random.default_rng(0))
            model.set_weights(snapshot.weights)
            self.recorder.save_model(self.job.id, model)
        except Exception:
            log.exception("job %s: could not keep its last weights", self.job.id)

    def _retire(self) -> None:
        time.sleep(LINGER_SECONDS)
        self.retire()

    # -- what the job's task calls -----------------------------------------------------------
    def push(self, events: list[tuple], weights: list[Any] | None = None,
             take_lr: bool = True) -> dict[str, Any]:
        with self.lock:
            for type_, data, layer in events:
                if type_ == STATUS:
                    if Status(data) in TRANSITIONS[self.job.status]:
                        self._status(Status(data))
                else:
                    self._event(type_, data, layer)
        if weights is not None:
            self.recorder.weights(self.job.id, weights)
        return self.controls(take_lr)

    def controls(self, take_lr: bool = True) -> dict[str, Any]:
        c = self.control
        stop = c.stop_reason
        if stop is None and self.job.status in FINISHED:  # ended while it waited for a node
            stop = Status.STOPPED
        return {"stop": None if stop is None else str(stop), "paused": c.pause_requested,
                "lr": c.take_lr() if take_lr else None, "watched": self.log.has_subscribers(),
                "filters": sorted(c.filter_layers)}

    def _event(self, type_: str, data: Any, layer: int | None = None) -> None:
        raw = dict(data) if isinstance(data, dict) else data  # record() may pop from data
        if type_ == "placement":
            self.placements.append(data)
        self.recorder.event(self.job.id, type_, data, layer)
        self.log.append(self.job.seq, "event", type_, raw, layer)

    def _status(self, status: Status, **fields: Any) -> None:
        self.recorder.status(self.job.id, status, **fields)
        self._log_status()

    def _log_status(self) -> None:
        job = self.job
        with job.lock:
            data = {"status": str(job.status), "started_at": job.started_at,
                    "finished_at": job.finished_at, "progress": dict(job.progress),
                    "result": job.result, "error": job.error}
            self.log.append(job.seq, "status", None, data)

    # -- what app servers call ---------------------------------------------------------------
    def poll(self, server: str, since: int, subs: int, idle: float) -> dict[str, Any]:
        return self.log.poll(server, since, subs, idle)

    def state(self) -> tuple[type, dict[str, Any]]:
        return type(self.job), job_fields(self.job)

    def snapshot(self, version: int) -> tuple[int, Any]:
        snap = getattr(self.job, "snapshot", None)
        if snap is None or snap.version <= version:
            return version, None
        return snap.version, snap.weights

    def get_placements(self) -> list[dict[str, Any]]:
        return list(self.placements)

    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def stop(self, reason: str = Status.STOPPED.value) -> None:
        with self.lock:
            self.control.stop(Status(reason))
            if not self.begun and self.ref is not None:
                ray.cancel(self.ref)  # still waiting for a node: it never starts

    def request_lr(self, lr: float) -> None:
        self.control.request_lr(lr)

    def watch_filters(self, layer: int) -> None:
        self.control.watch_filters(layer)

    def unwatch_filters(self, layer: int) -> None:
        self.control.unwatch_filters(layer)
