"""Background jobs for the long labs: a tiny manager of threads with a concurrency cap.

Each job keeps its whole event list (progress messages are small and few), so a WebSocket
that connects late replays everything from the start and a page reload loses nothing.
Stopping is cooperative: the lab checks ``hooks.stopped()`` between training steps.
"""

from __future__ import annotations

import itertools
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..labs.base import Hooks, LabError
from .jsonenc import dumps

TERMINAL = ("done", "stopped", "error")


@dataclass
class Event:
    seq: int
    type: str  # state | progress | result | error
    data: Any
    # Encoded once, in the lab's thread: sockets replay it without re-encoding on the loop.
    data_json: str


@dataclass
class LabJob:
    id: str
    lab: str
    params: dict[str, Any]
    status: str = "queued"
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    result: Any = None
    error: str | None = None
    events: list[Event] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def emit(self, type_: str, data: Any) -> None:
        with self.lock:
            self.events.append(Event(len(self.events) + 1, type_, data, dumps(data)))

    def set_status(self, status: str) -> None:
        if status == "running":
            self.started = time.time()
        if status in TERMINAL:
            self.finished = time.time()
        # The event first: a socket that sees a terminal status must find its event queued.
        self.emit("state", {"status": status})
        self.status = status

    def events_after(self, seq: int) -> list[Event]:
        with self.lock:
            return self.events[seq:]

    def summary(self) -> dict[str, Any]:
        seconds = None
        if self.started is not None:
            seconds = round((self.finished or time.time()) - self.started, 3)
        return {"id": self.id, "lab": self.lab, "params": self.params, "status": self.status,
                "created": self.created, "seconds": seconds, "error": self.error}

    def detail(self) -> dict[str, Any]:
        """Summary plus every progress message and the result (the polling alternative)."""
        progress = [e.data for e in self.events_after(0) if e.type == "progress"]
        return {**self.summary(), "progress": progress, "result": self.result}


class LabJobManager:
    """Runs at most ``max_running`` labs at once (the machine has 2 cores and user runs need
    them too); the rest wait in order.  Keeps the newest ``keep`` jobs."""

    def __init__(self, max_running: int = 2, keep: int = 50) -> None:
        self.slots = threading.BoundedSemaphore(max_running)
        self.keep = keep
        self.jobs: dict[str, LabJob] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def submit(self, lab: str, fn: Callable[..., Any], params: dict[str, Any]) -> LabJob:
        job = LabJob(id=f"lab-{next(self._ids)}-{int(time.time() * 1000) % 100000}",
                     lab=lab, params=params)
        job.emit("state", {"status": "queued"})
        with self._lock:
            self.jobs[job.id] = job
            self._prune()
        threading.Thread(target=self._run, args=(job, fn), name=f"lab {job.id}",
                         daemon=True).start()
        return job

    def _run(self, job: LabJob, fn: Callable[..., Any]) -> None:
        with self.slots:
            if job.stop_event.is_set():
                job.set_status("stopped")
                return
            job.set_status("running")
            hooks = Hooks(report=lambda msg: job.emit("progress", msg),
                          stopped=job.stop_event.is_set)
            try:
                job.result = fn(**job.params, hooks=hooks)
            except LabError as exc:
                job.error = exc.message
                job.emit("error", {"code": "bad_parameter", "message": exc.message,
                                   "field": exc.field})
                job.set_status("error")
                return
            except Exception as exc:  # a failing lab must never take the server down
                job.error = f"{type(exc).__name__}: {exc}"
                job.emit("error", {"code": "lab_failed", "message": job.error, "field": None,
                                   "trace": traceback.format_exc(limit=5)})
                job.set_status("error")
                return
            job.emit("result", job.result)
            job.set_status("stopped" if job.stop_event.is_set() else "done")

    def get(self, job_id: str) -> LabJob | None:
        return self.jobs.get(job_id)

    def stop(self, job_id: str) -> LabJob | None:
        job = self.jobs.get(job_id)
        if job is not None and job.status not in TERMINAL:
            job.stop_event.set()
        return job

    def list(self) -> list[LabJob]:
        return sorted(self.jobs.values(), key=lambda j: j.created, reverse=True)

    # list(...) copies the values in one step: another thread may add or prune jobs while a
    # generator would still be walking the dict.
    def running(self) -> int:
        return sum(1 for j in list(self.jobs.values()) if j.status == "running")

    def waiting(self) -> int:
        return sum(1 for j in list(self.jobs.values()) if j.status == "queued")

    def _prune(self) -> None:
        finished = [j for j in self.list() if j.status in TERMINAL]
        for job in finished[self.keep:]:
            del self.jobs[job.id]


MANAGER = LabJobManager()
