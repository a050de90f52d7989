"""The server side of every job's events: live state, store rows and hub messages.

Job code emits; the recorder applies each event to the job's live state (``record``, a
method of each job kind), writes what must survive a restart, and hands the rest to the
hub.  Status changes go through the one transition table.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .context import JobContext, StopJob
from .errors import error_record
from .hub import ALL_RUNS, Hub
from .model import FINISHED, Kind, Status, check_transition
from .state import LiveJob, TrainState
from .store import JobStore

log = logging.getLogger("nnplayground.jobs")
Work = Callable[[JobContext], Any]


class Recorder:
    def __init__(self, store: JobStore, hub: Hub, weights_dir: Path) -> None:
        self.store, self.hub, self.weights_dir = store, hub, weights_dir
        self.jobs: dict[int, LiveJob] = {}
        self.positions: Callable[[], list[int]] = list

    def weights_path(self, job_id: int) -> Path:
        return self.weights_dir / f"run-{job_id}.npz"

    # -- what the context calls ----------------------------------------------------------
    def event(self, job_id: int, type_: str, data: Any, layer: int | None = None) -> None:
        job = self.jobs.get(job_id)
        if job is None:
            return
        with job.lock:  # applied and numbered in one step: a late joiner's state is exact
            out = job.record(type_, data, self.store)
            job.seq += 1
            if out is not None:
                self.hub.publish(job_id, type_, job_id, out, layer=layer, seq=job.seq)
        if type_ == "epoch" and job.kind != Kind.LAB:
            self._publish_runs(job, self.summary(job))

    def status(self, job_id: int, status: Status, **fields: Any) -> None:
        job = self.jobs[job_id]
        with job.lock:
            check_transition(job.status, status)
            job.status = status
            for key, value in fields.items():
                setattr(job, key, value)
            job.seq += 1
            seq = job.seq
        try:
            if status in FINISHED:
                job.flush(self.store)
            self.store.update(job_id, status=status, progress=job.progress, **fields)
        except Exception:  # the live state is right; the next start marks the row
            log.exception("could not record status %s of job %s", status, job_id)
        summary = self.summary(job)
        self.hub.publish(job_id, "status", job_id, summary, seq=seq)
        if job.kind != Kind.LAB:
            self._publish_runs(job, summary)

    def weights(self, job_id: int, weights: list[Any]) -> None:
        job = self.jobs.get(job_id)
        if isinstance(job, TrainState):
            job.snapshot.publish(weights)

    def watched(self, job_id: int) -> bool:
        return self.hub.has_subscribers(job_id)

    def save_model(self, job_id: int, model: Any) -> None:
        """Written under a temporary name, flushed to disk, then renamed: a crash leaves
        the old file or the new one, never half of one."""
        path = self.weights_path(job_id)
        tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.npz")
        try:
            model.save(str(tmp))
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def queue_changed(self) -> None:
        for pos, job_id in enumerate(self.positions(), 1):
            job = self.jobs.get(job_id)
            if job is not None:
                summary = {**self.summary(job), "queue_position": pos}
                self.hub.publish(job_id, "status", job_id, summary)
                if job.kind != Kind.LAB:
                    self._publish_runs(job, summary)

    def _publish_runs(self, job: LiveJob, summary: dict[str, Any]) -> None:
        """The all-runs stream, and its one-owner twin (a learner's /ws/runs)."""
        self.hub.publish(ALL_RUNS, "status", job.id, summary)
        if job.owner is not None:
            self.hub.publish(owner_topic(job.owner), "status", job.id, summary)

    # -- views ---------------------------------------------------------------------------
    def position(self, job_id: int) -> int | None:
        queue = self.positions()
        return queue.index(job_id) + 1 if job_id in queue else None

    def summary(self, job: LiveJob) -> dict[str, Any]:
        out = {"id": job.id, "kind": str(job.kind), "name": job.name, "owner": job.owner,
               "status": str(job.status), "progress": job.progress, "error": job.error,
               "queue_position": self.position(job.id)}
        if job.kind == Kind.LAB:
            out.update(lab_summary(job.row()))
        return out

    # -- the lifecycle of one job ----------------------------------------------------------
    def body(self, job: LiveJob, work: Work) -> Callable[[JobContext], None]:
        """What the executor runs: status running, the work, then exactly one final
        status -- whatever the work does."""

        def run(ctx: JobContext) -> None:
            final, result, error = Status.COMPLETED, None, None
            try:
                self.status(job.id, Status.RUNNING, started_at=time.time())
                result = work(ctx)
                if ctx.stop_reason() is not None:  # a lab that left its loop early
                    final = ctx.stop_reason()
            except StopJob as sig:
                final = sig.status
                if sig.status == Status.DIVERGED:
                    error = {"code": "diverged", "message": sig.message, "step": sig.step,
                             "params": {"step": sig.step}}
            except Exception as exc:  # one broken job never takes the server down
                log.exception("job %s failed", job.id)
                final = Status.FAILED
                # The reason in words, without the server's own paths or a traceback.
                text = str(exc).replace(str(self.weights_dir.parent), "<data dir>")
                error = error_record(exc, f"{type(exc).__name__}: {text}")
            finally:
                self.finish(job, final, result, error)

        return run

    def finish(self, job: LiveJob, final: Status, result: Any = None,
               error: dict[str, Any] | None = None) -> None:
        if job.status in FINISHED:
            job.done.set()
            return
        if job.result is None or result is not None:
            job.result = result
        job.error = error
        try:
            self.status(job.id, final, finished_at=time.time(), result=job.result, error=error)
        finally:
            job.done.set()


def owner_topic(owner: str) -> tuple[str, str]:
    """The hub topic of one owner's runs."""
    return ("owner", owner)


def lab_summary(row: dict[str, Any]) -> dict[str, Any]:
    """The lab-specific fields of a lab job's summary (live or from the store)."""
    started, finished = row.get("started_at"), row.get("finished_at")
    seconds = None
    if started is not None:
        seconds = round((finished or time.time()) - started, 3)
    cfg = row.get("config") or {}
    return {"lab": cfg.get("lab"), "params": cfg.get("params"), "created_at": row["created_at"],
            "started_at": started, "finished_at": finished, "seconds": seconds,
            "created": row["created_at"]}
