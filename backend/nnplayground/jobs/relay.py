"""A job's events, from the Ray actor that owns the job to every app server.

Each job on a Ray cluster has a home on a host actor (ray_actor.JobHome; "the actor" below)
that runs the job's Recorder:
it applies the job's events to the job's state, writes the store, and keeps a numbered
log of the raw events (``EventLog``).  Each app server keeps a *mirror* of every live job
(``Mirror``): the actor's state at attach time, then the log's entries applied in order
with the same ``job.record`` the actor used, published to the server's own hub with the
actor's numbers.  So a watcher on any server gets the same state and stream, and a
late joiner's state is exact (it is read under the mirror's lock, at a known number).

Long polls carry the other direction too: each poll says how many sockets the server has
open on the job and how long since anyone there read it, so the job knows whether anyone
watches anywhere (histograms cost time) and lab jobs nobody reads are stopped cluster-wide.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from .model import FINISHED, Kind, Status
from .state import LiveJob, Snapshot

log = logging.getLogger("nnplayground.jobs")
LOG_SIZE = 4000  # entries kept per job: ~80 s of a run's events at the fastest emit rate
LEASE_SECONDS = 3.0  # a server that has not polled this long no longer counts as a watcher
POLL_SECONDS = 1.0
NOT_COPIED = ("lock", "done", "snapshot")


def job_fields(job: LiveJob) -> dict[str, Any]:
    """The job's data, without its locks and signals (what crosses processes)."""
    with job.lock:
        return {f.name: copy.deepcopy(getattr(job, f.name)) for f in dataclasses.fields(job)
                if f.init and f.name not in NOT_COPIED}


class EventLog:
    """The actor's side: numbered entries, long polls, and the leases of the servers that
    poll.  It also stands in for the Recorder's hub (sockets are on the app servers)."""

    def __init__(self, size: int = LOG_SIZE) -> None:
        self.entries: deque[tuple] = deque(maxlen=size)
        self.cond = threading.Condition()
        self.leases: dict[str, tuple[float, int, float]] = {}  # server: (when, sockets, idle)

    def publish(self, *args: Any, **kwargs: Any) -> None:
        """The Recorder's hub call: the actor logs raw events itself (``append``)."""

    def has_subscribers(self, topic: object = None) -> bool:
        now = time.monotonic()
        return any(now - when < LEASE_SECONDS and subs for when, subs, _ in
                   list(self.leases.values()))

    def idle(self) -> float:
        """Seconds since anyone on any server read the job (0 while a socket is open)."""
        now = time.monotonic()
        fresh = [0.0 if subs else idle for when, subs, idle in list(self.leases.values())
                 if now - when < LEASE_SECONDS]
        return min(fresh, default=math.inf)

    def append(self, seq: int, what: str, type_: str | None, data: Any,
               layer: int | None = None) -> None:
        with self.cond:
            self.entries.append((seq, what, type_, data, layer))
            self.cond.notify_all()

    def poll(self, server: str, since: int, subs: int, idle: float,
             timeout: float = POLL_SECONDS) -> dict[str, Any]:
        end = time.monotonic() + timeout
        with self.cond:
            self.leases[server] = (time.monotonic(), subs, idle)
            while not (self.entries and self.entries[-1][0] > since):
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            first = self.entries[0][0] if self.entries else since + 1
            new = [e for e in self.entries if e[0] > since]
        return {"entries": new, "resync": first > since + 1, "idle": self.idle()}


class RemoteSnapshot(Snapshot):
    """A mirror's inference snapshot: the weights are fetched from the job's actor when
    read (at most every ``every`` seconds), so predictions work on every server."""

    def __init__(self, fetch: Callable[[int], tuple[int, Any]], every: float = 0.1) -> None:
        self._weights: Any = None
        super().__init__()
        self._fetch, self._every, self._checked = fetch, every, -math.inf

    @property  # type: ignore[override]
    def weights(self) -> Any:
        now = time.monotonic()
        if now - self._checked >= self._every:
            self._checked = now
            try:
                version, weights = self._fetch(self.version)
            except Exception:  # the actor is gone: the last weights stay usable
                version, weights = self.version, None
            if weights is not None:
                self._weights, self.version = weights, version
        return self._weights

    @weights.setter
    def weights(self, value: Any) -> None:
        self._weights = value


class _Discard:
    """The store of a mirror: the job's actor writes the real one."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


DISCARD = _Discard()


class Mirror:
    """One live job as an app server sees it; a thread long-polls the job's actor."""

    def __init__(self, job: LiveJob, actor: Any, recorder: Any, server: str,
                 get: Callable[[Any], Any], on_lost: Callable[[LiveJob], None]) -> None:
        self.job, self.actor, self.recorder, self.server = job, actor, recorder, server
        self._get, self._on_lost = get, on_lost
        job.snapshot = RemoteSnapshot(lambda v: get(actor.snapshot.remote(v)))
        self.closing = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True,
                                       name=f"nnpg-mirror-{job.id}")

    def start(self) -> Mirror:
        self.thread.start()
        return self

    def _loop(self) -> None:
        job, hub = self.job, self.recorder.hub
        failures = 0
        while not self.closing.is_set() and job.status not in FINISHED:
            subs = 1 if hub.has_subscribers(job.id) else 0
            idle = time.monotonic() - job.last_read
            try:
                out = self._get(self.actor.poll.remote(self.server, job.seq, subs, idle))
            except Exception as exc:
                failures += 1
                if self._actor_gone(exc) or failures >= 30:
                    log.warning("job %s: its actor is unreachable (%s)", job.id, exc)
                    self._on_lost(job)
                    return
                time.sleep(0.2)
                continue
            failures = 0
            if out["resync"]:
                self.resync()
                continue
            for entry in out["entries"]:
                self.apply(entry)
            if math.isfinite(out["idle"]):
                job.last_read = max(job.last_read, time.monotonic() - out["idle"])

    @staticmethod
    def _actor_gone(exc: Exception) -> bool:
        """The host died, or no longer has the job (LookupError from its ``call``)."""
        return isinstance(exc, LookupError) or type(exc).__name__ in (
            "RayActorError", "ActorDiedError", "ActorUnavailableError")

    def resync(self) -> None:
        """This server fell behind the actor's log: take the whole state again."""
        _, fields = self._get(self.actor.state.remote())
        job = self.job
        with job.lock:
            for key, value in fields.items():
                setattr(job, key, value)
        self.publish_status(job.seq)

    def apply(self, entry: tuple) -> None:
        seq, what, type_, data, layer = entry
        job, hub = self.job, self.recorder.hub
        if seq <= job.seq:
            return
        with job.lock:  # applied and numbered in one step, as on the actor
            if what == "status":
                for key, value in data.items():
                    setattr(job, key, Status(value) if key == "status" else value)
                out = None
            else:
                out = job.record(type_, data, DISCARD)
            job.seq = seq
        if what == "status":
            self.publish_status(seq)
            return
        if out is not None:
            hub.publish(job.id, type_, job.id, out, layer=layer, seq=seq)
        if type_ == "epoch" and job.kind != Kind.LAB:
            hub.publish("all", "status", job.id, self.recorder.summary(job))

    def publish_status(self, seq: int) -> None:
        job, hub = self.job, self.recorder.hub
        summary = self.recorder.summary(job)
        hub.publish(job.id, "status", job.id, summary, seq=seq)
        if job.kind != Kind.LAB:
            hub.publish("all", "status", job.id, summary)
        self.recorder.queue_changed()
        if job.status in FINISHED:
            job.done.set()


class AttachingJobs(dict):
    """The recorder's live jobs on a cluster app server: a job started through another
    server is attached (mirrored) the first time anything here asks for it."""

    def __init__(self, attach: Callable[[int], LiveJob | None]) -> None:
        super().__init__()
        self._attach = attach

    def get(self, key: Any, default: Any = None) -> Any:
        job = super().get(key)
        if job is None and isinstance(key, int):
            job = self._attach(key)
        return default if job is None else job
