"""The Ray executor (``NNPG_EXECUTOR=ray``): every job runs on a Ray cluster, and every app
server can watch and control every job, whichever server started it.

Each job gets a home (ray_actor.JobHome) on one of ``JOB_HOSTS`` detached host actors,
named ``nnpg-host-<id % JOB_HOSTS>``, that owns the job's state, controls and event log;
its body runs as a Ray task with ``cpus_per_job`` CPUs, so Ray's scheduler is the queue
across all nodes.  This side keeps a mirror of every live
job (relay.Mirror) in the recorder's ``jobs``, so the JobService reads and controls jobs
exactly as it does with the local executor.

An app server that goes away takes nothing with it: hosts are detached, the jobs' tasks
belong to their hosts, and the store is written by the hosts.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from typing import Any

import ray
from ray.exceptions import RayError

from .errors import ExecutorUnavailable
from .executor import Executor, Task
from .model import FINISHED, LIVE, Kind, Status
from .ray_actor import JobHandle, JobHost
from .recorder import Recorder
from .relay import AttachingJobs, Mirror, job_fields
from .state import LiveJob

log = logging.getLogger("nnplayground.jobs")
NAMESPACE = "nnplayground"
CALL_TIMEOUT = 10.0
ORPHAN_SECONDS = 15.0  # a live row this old with no home was cut off (its host died)
DISCOVER_SECONDS = 1.0
RUN_HERE = frozenset({Kind.TRAIN.value, Kind.LAB.value})


# Hosts of the jobs' records: every app server must use the same number.  4 hosts of ~100 MB
# and one database connection each hold a class of 100 (their work is ~1 ms per job event
# batch, see benchmarks/README.md); a host lost takes its jobs' live state with it.
JOB_HOSTS = 4


def host_name(job_id: int) -> str:
    return f"nnpg-host-{job_id % JOB_HOSTS}"


def _get(ref: Any) -> Any:
    return ray.get(ref, timeout=CALL_TIMEOUT)


class RemoteControl:
    """The Control interface, for a job whose actor may be on another machine."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def pause(self) -> None:
        _get(self.actor.pause.remote())

    def resume(self) -> None:
        _get(self.actor.resume.remote())

    def stop(self, reason: Status = Status.STOPPED) -> None:
        _get(self.actor.stop.remote(str(reason)))

    def request_lr(self, lr: float) -> None:
        _get(self.actor.request_lr.remote(lr))

    def watch_filters(self, layer: int) -> None:
        _get(self.actor.watch_filters.remote(layer))

    def unwatch_filters(self, layer: int) -> None:
        _get(self.actor.unwatch_filters.remote(layer))


class RayExecutor(Executor):
    def __init__(self, recorder: Recorder, store: str, weights_dir: str,
                 address: str | None = None, cpus_per_job: float = 1.0) -> None:
        if not ray.is_initialized():
            ray.init(address=address or None, namespace=NAMESPACE, log_to_driver=False,
                     configure_logging=False)
        self.recorder, self.store, self.weights_dir = recorder, store, weights_dir
        self.cpus_per_job = cpus_per_job
        self._host_actor = ray.remote(JobHost)
        self.server = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.mirrors: dict[int, Mirror] = {}
        self._finished: set[int] = set()  # ids known to be over: never attached again
        self._lock = threading.RLock()
        self._closing = threading.Event()
        recorder.jobs = AttachingJobs(self.attach)
        self._discovery = threading.Thread(target=self._discover, daemon=True,
                                           name="nnpg-ray-discovery")

    def start(self) -> None:
        self.recover()
        self._discovery.start()

    # -- jobs ----------------------------------------------------------------------------
    def submit(self, task: Task) -> None:
        job = task.job
        if job is None or task.work is None:
            raise ValueError("the Ray executor runs a task's work, not a local body")
        try:
            host = self._host_actor.options(
                name=host_name(job.id), namespace=NAMESPACE, lifetime="detached",
                num_cpus=0, max_concurrency=1000, max_restarts=0,
                get_if_exists=True).remote(self.store)
            # Waited for: the mirror's first poll must find the job on its host.
            _get(host.add.remote(type(job), job_fields(job), task.work, self.weights_dir,
                                 self.cpus_per_job))
        except (RayError, ConnectionError) as exc:
            # Seen with both cores starved: the host did not answer in CALL_TIMEOUT.  The
            # caller marks the job failed; a host that gets to the call later finds that
            # row and does not start it (JobHost.add, JobHome.begin).
            log.warning("job %s: its Ray host did not take it (%s)", job.id, exc)
            raise ExecutorUnavailable(
                f"the Ray cluster did not take the job within {CALL_TIMEOUT:g} s "
                f"({type(exc).__name__})", seconds=CALL_TIMEOUT) from exc
        self._mirror(job, JobHandle(host, job.id))
        self.recorder.queue_changed()

    def _mirror(self, job: LiveJob, actor: Any) -> LiveJob:
        with self._lock:
            known = self.mirrors.get(job.id)
            if known is not None:
                return known.job
            self.recorder.jobs[job.id] = job
            self.mirrors[job.id] = Mirror(job, actor, self.recorder, self.server, _get,
                                          self._lost).start()
            return job

    def attach(self, job_id: int) -> LiveJob | None:
        """The live job ``job_id`` (started through any server), or None."""
        if job_id in self._finished or self._closing.is_set():
            return None
        row = self.recorder.store.get(job_id)
        if row is None:
            return None
        if Status(row["status"]) not in LIVE:
            self._finished.add(job_id)
            return None
        try:
            actor = JobHandle(ray.get_actor(host_name(job_id), namespace=NAMESPACE), job_id)
            cls, fields = _get(actor.state.remote())
        except Exception:  # no actor yet (being created), or gone
            return None
        return self._mirror(cls(**fields), actor)

    def _lost(self, job: LiveJob) -> None:
        """The job's actor died with the job live (its node went away)."""
        row = self.recorder.store.get(job.id) or {}
        if row.get("status") in {s.value for s in FINISHED}:
            self.mirrors[job.id].apply((job.seq + 1, "status", None, {
                k: row[k] for k in ("status", "started_at", "finished_at", "progress",
                                    "result", "error")}, None))
            return
        self.recorder.finish(job, Status.FAILED, error={
            "code": "worker_lost", "field": None, "params": {},
            "message": "the Ray actor that recorded this job went away (its node stopped)"})

    def recover(self) -> None:
        """At start: attach every live job; a live row without an actor is over."""
        for row in self._live_rows():
            if self.attach(row["id"]) is None and time.time() - row["created_at"] > \
                    ORPHAN_SECONDS and row["id"] not in self._finished:
                self.recorder.store.update(row["id"], status=Status.INTERRUPTED,
                                           finished_at=time.time())
                log.warning("job %s had no Ray actor: marked interrupted", row["id"])

    def _live_rows(self) -> list[dict[str, Any]]:
        """Live jobs this executor runs (a remote run lives in the server it streams to)."""
        live = {s.value for s in LIVE}
        return [r for r in self.recorder.store.list(None, 500)
                if r["status"] in live and r["kind"] in RUN_HERE]

    def _discover(self) -> None:
        while not self._closing.wait(DISCOVER_SECONDS):
            try:
                for row in self._live_rows():
                    if row["id"] not in self.mirrors:
                        self.attach(row["id"])
            except Exception:
                log.exception("could not look for jobs started elsewhere")

    # -- the Executor interface ----------------------------------------------------------
    def dequeue(self, job_id: int) -> bool:
        return False  # the job's actor takes a stop before its start as well as after

    def control(self, job_id: int) -> RemoteControl | None:
        mirror = self.mirrors.get(job_id)
        if mirror is None or mirror.job.status in FINISHED:
            return None
        return RemoteControl(mirror.actor)

    def fresh(self, job_id: int) -> LiveJob | None:
        """The job's state from its actor, not from the mirror's last poll: a page that
        reconnects here after its server died must not see less than it saw there (a
        cluster test saw step 0 here against 162 there).  The mirror stays as it is, so
        this server's other watchers still get every event after their own states."""
        mirror = self.mirrors.get(job_id)
        if mirror is None or mirror.job.status in FINISHED:
            return None
        try:
            cls, fields = _get(mirror.actor.state.remote())
        except Exception:  # noqa: BLE001 - the actor is gone or slow: the mirror's view
            log.warning("job %s: could not read its state from its actor", job_id)
            return None
        return cls(**fields)

    def queue(self) -> list[int]:
        return sorted(i for i, m in list(self.mirrors.items()) if m.job.status == Status.QUEUED)

    def running(self) -> int:
        return sum(1 for m in list(self.mirrors.values())
                   if m.job.status in (Status.RUNNING, Status.PAUSED))

    def shutdown(self, timeout: float = 5.0) -> list[int]:
        """This server goes away; the jobs do not (another server serves their watchers)."""
        self._closing.set()
        for mirror in list(self.mirrors.values()):
            mirror.closing.set()
        return []

