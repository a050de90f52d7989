"""The job service: the one place routers (and tests, and scripts) go to create, control,
read and predict with jobs of every kind."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..labs.registry import Lab, LabParams
from . import training
from .config import RunConfig
from .errors import Busy, Conflict, ExecutorUnavailable, NotFound, error_record
from .executor import Executor, LocalExecutor, Task
from .hub import Hub
from .labjob import run_lab
from .model import FINISHED, Kind, Status
from .predictions import Predictions, ProbsCache
from .recorder import Recorder, lab_summary, owner_topic
from .state import LabState, LiveJob, TrainState
from .store import JobStore

T = TypeVar("T")
log = logging.getLogger("nnplayground.jobs")


@dataclass
class JobSettings:
    weights_dir: Path
    max_concurrent: int = 2
    snapshot_interval: float = 0.2  # seconds between weight snapshots for live predictions
    pause_grace: float = 120.0  # a run paused longer hands its worker slot to the queue
    lab_idle_seconds: float = 5.0  # a lab job nobody reads for this long is stopped
    max_waiting_labs: int = 8


class JobService(Predictions):
    def __init__(self, settings: JobSettings, store: JobStore, hub: Hub,
                 executor: Executor | None = None,
                 make_executor: Callable[[Recorder], Executor] | None = None) -> None:
        self.settings, self.store, self.hub = settings, store, hub
        settings.weights_dir.mkdir(parents=True, exist_ok=True)
        self.recorder = Recorder(store, hub, settings.weights_dir)
        self.executor = executor or LocalExecutor(settings.max_concurrent, self.recorder,
                                                  settings.pause_grace)
        if make_executor is not None:  # one that needs the recorder (the Ray executor)
            self.executor = make_executor(self.recorder)
        self.recorder.positions = self.executor.queue
        self.probs_cache = ProbsCache()
        self._closing = threading.Event()
        self._reaper: threading.Thread | None = None

    @property
    def live(self) -> dict[int, LiveJob]:
        return self.recorder.jobs

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        self.executor.start()
        self._reaper = threading.Thread(target=self._reap, name="nnpg-lab-reaper", daemon=True)
        self._reaper.start()

    def shutdown(self, timeout: float = 5.0) -> None:
        """Running and queued jobs end as 'interrupted': the process is going away."""
        self._closing.set()
        for job_id in self.executor.shutdown(timeout):
            job = self.live.get(job_id)
            if job is not None:
                self.recorder.finish(job, Status.INTERRUPTED)

    def _reap(self) -> None:
        """Stops lab jobs whose page went away (no socket, no read for a while)."""
        while not self._closing.wait(0.5):
            now = time.monotonic()
            for job in list(self.live.values()):
                if job.kind == Kind.LAB and job.status not in FINISHED \
                        and not self.hub.has_subscribers(job.id) \
                        and now - job.last_read > self.settings.lab_idle_seconds:
                    log.info("lab job %s has had no reader for %.0f s: stopping it", job.id,
                             now - job.last_read)
                    self.stop(job.id, Kind.LAB, actor="system:idle")

    # -- creating jobs -------------------------------------------------------------------
    def _submit(self, job: LiveJob, work: Callable[[Any], Any]) -> None:
        self.live[job.id] = job
        try:
            self.executor.submit(Task(job.id, self.recorder.body(job, work), owner=job.owner,
                                      work=work, job=job))
        except ExecutorUnavailable as exc:  # never started: its row must not stay queued
            self.recorder.finish(job, Status.FAILED, error=error_record(exc, exc.message))
            self.live.pop(job.id, None)
            raise

    def create_run(self, config: RunConfig, owner: str | None = None) -> dict[str, Any]:
        cfg = config.model_dump()
        job_id, created = self.store.create(Kind.TRAIN, config.name, cfg, owner)
        job = TrainState(job_id, Kind.TRAIN, config.name, cfg, created, owner)
        self.store.add_audit(owner, "start", job_id, {"kind": "train", "name": config.name})
        interval = self.settings.snapshot_interval
        self._submit(job, lambda ctx: training.train(config, ctx, interval))
        return self.get_run(job_id)

    def create_lab(self, lab: Lab, params: LabParams, owner: str | None = None
                   ) -> dict[str, Any]:
        waiting = sum(1 for j in list(self.live.values())
                      if j.kind == Kind.LAB and j.status == Status.QUEUED)
        if waiting >= self.settings.max_waiting_labs:
            raise Busy(f"{waiting} lab jobs are already waiting; stop one or wait for them "
                       "to finish", "lab", limit=self.settings.max_waiting_labs)
        cfg = {"lab": lab.name, "params": params.model_dump(mode="json")}
        job_id, created = self.store.create(Kind.LAB, lab.name, cfg, owner)
        job = LabState(job_id, Kind.LAB, lab.name, cfg, created, owner)
        self.store.add_audit(owner, "start", job_id, {"kind": "lab", "name": lab.name})
        self._submit(job, lambda ctx: run_lab(lab, params, ctx))
        return self.lab_summary(job_id)

    # -- reading -------------------------------------------------------------------------
    def _row(self, job_id: int, kind: Kind | None = None,
             fresh: LiveJob | None = None) -> dict[str, Any]:
        job = self.live.get(job_id)
        source = fresh or job
        row = source.row() if source is not None else self.store.get(job_id)
        if row is None or (kind is not None and row["kind"] != kind
                           and not (kind == Kind.TRAIN and row["kind"] == Kind.REMOTE)):
            what = "lab job" if kind == Kind.LAB else "run"
            raise NotFound(f"{what} {job_id} does not exist", code="not_found", id=job_id)
        if job is not None:
            job.last_read = time.monotonic()
        row["queue_position"] = self.recorder.position(job_id)
        return row

    def get_run(self, job_id: int, history: bool = True,
                fresh: LiveJob | None = None) -> dict[str, Any]:
        """``fresh``: a copy of the job's state read from where it runs (a cluster server
        that mirrors it), in place of this server's view."""
        row = self._row(job_id, Kind.TRAIN, fresh)
        if history:
            job = fresh or self.live.get(job_id)
            if isinstance(job, TrainState):
                with job.lock:  # the history and its event number in one step
                    state = job.state()
                # The newest histograms too: a late joiner skips the events up to ``seq``,
                # and those may hold the only set (a fast run ends before its page joins).
                row.update(history=state["history"], seq=state["seq"], status=state["status"],
                           activations=state["activations"])
            else:
                row["history"] = self.store.history(job_id)
        return row

    def _listed(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for row in rows:
            job = self.live.get(row["id"])
            if job is not None:
                row = job.row()
            row["queue_position"] = self.recorder.position(row["id"])
            out.append(row)
        return out

    def list_runs(self, limit: int = 100, offset: int = 0,
                  owner: str | None = None) -> list[dict[str, Any]]:
        """``owner`` None: everyone's runs (one learner on localhost, or the teacher).
        Runs a script streamed in (kind "remote") are runs too."""
        return self._listed(self.store.list((Kind.TRAIN, Kind.REMOTE), limit, offset, owner))

    def lab_summary(self, job_id: int) -> dict[str, Any]:
        row = self._row(job_id, Kind.LAB)
        return {"id": row["id"], "kind": row["kind"], "status": row["status"],
                "queue_position": row["queue_position"], "error": row["error"],
                **lab_summary(row)}

    def get_lab(self, job_id: int) -> dict[str, Any]:
        summary = self.lab_summary(job_id)
        job = self.live.get(job_id)
        if isinstance(job, LabState):
            with job.lock:
                progress, result, seq = list(job.partials), job.result, job.seq
                summary["status"] = str(job.status)
            summary["seq"] = seq
        else:
            progress = [d for _, t, d in self.store.events(job_id) if t == "progress"]
            result = (self.store.get(job_id) or {}).get("result")
        return {**summary, "progress": progress, "result": result}

    def list_labs(self, limit: int = 100, offset: int = 0,
                  owner: str | None = None) -> list[dict[str, Any]]:
        rows = self._listed(self.store.list(Kind.LAB, limit, offset, owner))
        return [{"id": r["id"], "kind": r["kind"], "status": r["status"],
                 "queue_position": r["queue_position"], "error": r["error"], **lab_summary(r)}
                for r in rows]

    def counts(self) -> dict[str, int]:
        return {"running": self.executor.running(), "queued": len(self.executor.queue())}

    def jobs(self, owner: str | None = None) -> dict[str, Any]:
        """Every live job (or one owner's), with the whole queue in order."""
        live = [self.recorder.summary(j) for j in list(self.live.values())
                if j.status not in FINISHED and (owner is None or j.owner == owner)]
        return {"queue": self.executor.queue(), "running": self.executor.running(),
                "slots": self.settings.max_concurrent, "jobs": live}

    def state(self, job_id: int) -> tuple[Kind, dict[str, Any]]:
        """What a late joiner of a job's socket gets first: on a cluster server the job's
        own state, read from its actor (Executor.fresh), not this server's mirror of it."""
        fresh = self.executor.fresh(job_id)
        row = self._row(job_id, fresh=fresh)
        kind = Kind(row["kind"])
        if kind == Kind.LAB:
            return kind, self.get_lab(job_id)
        return kind, self.get_run(job_id, fresh=fresh if isinstance(fresh, TrainState) else None)

    def touch(self, job_id: int) -> None:
        job = self.live.get(job_id)
        if job is not None:
            job.last_read = time.monotonic()

    # -- control -------------------------------------------------------------------------
    def _live_job(self, job_id: int, kind: Kind | None = Kind.TRAIN) -> LiveJob:
        self._row(job_id, kind)  # 404 for an unknown id or another kind's
        job = self.live.get(job_id)
        if job is None:
            raise Conflict(f"job {job_id} is not live in this server process (it finished "
                           "before a restart)", code="not_live", id=job_id)
        return job

    def _running_control(self, job_id: int, kind: Kind | None, verb: str) -> Any:
        job = self._live_job(job_id, kind)
        control = self.executor.control(job_id)
        if job.status not in (Status.RUNNING, Status.PAUSED) or control is None:
            raise Conflict(f"job {job_id} is {job.status}; only a running or paused job can be "
                           f"{verb}", code=f"cannot_{verb}", id=job_id, status=str(job.status))
        return control

    def pause(self, job_id: int, kind: Kind | None = Kind.TRAIN,
              actor: str | None = None) -> None:
        self._running_control(job_id, kind, "paused").pause()
        self.store.add_audit(actor, "pause", job_id)

    def resume(self, job_id: int, kind: Kind | None = Kind.TRAIN,
               actor: str | None = None) -> None:
        self._running_control(job_id, kind, "resumed").resume()
        self.store.add_audit(actor, "resume", job_id)

    def stop(self, job_id: int, kind: Kind | None = Kind.TRAIN,
             actor: str | None = None) -> None:
        job = self._live_job(job_id, kind)
        if job.status in FINISHED:
            return
        self.store.add_audit(actor, "stop", job_id)
        if self.executor.dequeue(job_id):  # never started: it ends right here
            self.recorder.finish(job, Status.STOPPED)
            return
        control = self.executor.control(job_id)
        if control is not None:
            control.stop(Status.STOPPED)

    def set_lr(self, job_id: int, lr: float) -> None:
        job = self._live_job(job_id)
        if job.status in FINISHED:
            raise Conflict(f"run {job_id} is {job.status}; the learning rate can only change "
                           "while it is queued, running or paused", code="finished",
                           id=job_id, status=str(job.status))
        control = self.executor.control(job_id)
        if job.status != Status.QUEUED and control is not None:
            control.request_lr(lr)
        job.config["optimizer"]["lr"] = lr  # a queued run simply starts with the new rate
        self.store.update(job_id, config=job.config)

    def delete(self, job_id: int, kind: Kind | None = Kind.TRAIN,
               actor: str | None = None) -> None:
        row = self._row(job_id, kind)
        self.store.add_audit(actor, "delete", job_id, {"name": row["name"],
                                                       "owner": row.get("owner")})
        job = self.live.get(job_id)
        if job is not None:
            self.stop(job_id, actor=actor)
            job.done.wait(5.0)
            self.live.pop(job_id, None)
        self.store.delete(job_id)
        self.recorder.weights_path(job_id).unlink(missing_ok=True)
        self.hub.publish("all", "deleted", job_id, {"id": job_id})
        if row.get("owner") is not None:
            self.hub.publish(owner_topic(row["owner"]), "deleted", job_id, {"id": job_id})

    def watch_filters(self, job_id: int, layer: int) -> None:
        control = self.executor.control(job_id)
        if control is not None:
            control.watch_filters(layer)

    def unwatch_filters(self, job_id: int, layer: int) -> None:
        control = self.executor.control(job_id)
        if control is not None:
            control.unwatch_filters(layer)
