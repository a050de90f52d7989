"""The live state of a job on the server side, built from the job's own events.

Split by concern: a run's step history (bounded), its inference snapshot (what predictions
read, never the model being trained), and the partial results of a lab.  Each job kind's
class decides what an event changes and what reaches the store (``record``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .encode import dumps
from .model import Kind, Status
from .store import JobStore

MAX_STEP_POINTS = 10_000  # ~20 bytes a point in memory: a 12 M-step run stays under 1 MB
STEP_FLUSH_SECONDS = 5.0  # the step history reaches the store at least this often


class StepHistory:
    """Every step's loss while there are few; past ``max_points`` neighbours merge into their
    mean (the stride doubles), so a long run keeps its whole curve at bounded size."""

    def __init__(self, max_points: int = MAX_STEP_POINTS) -> None:
        self.max_points = max_points
        self.points: list[list] = []  # [[step, mean loss], ...]
        self.stride = 1
        self._acc: list[float] = []
        self.saved = 0  # points already in the store
        self.rewrite = False  # merged since the last flush: the store is replaced whole

    def extend(self, losses: list[list]) -> None:
        for step, loss in losses:
            self._acc.append(np.nan if loss is None else loss)
            if len(self._acc) >= self.stride:
                mean = float(np.mean(self._acc))
                self.points.append([step, mean if np.isfinite(mean) else None])
                self._acc.clear()
                if len(self.points) > self.max_points:
                    self._merge()

    def _merge(self) -> None:
        """Each pair of neighbours becomes one point at the later step, with their mean."""
        merged = []
        for i in range(0, len(self.points) - 1, 2):
            (_, a), (s, b) = self.points[i], self.points[i + 1]
            both = [v for v in (a, b) if v is not None]
            merged.append([s, sum(both) / len(both) if both else None])
        if len(self.points) % 2:  # an odd last point starts the next pair, with its losses
            _, last = self.points[-1]
            self._acc = [np.nan if last is None else last] * self.stride + self._acc
        self.points, self.stride, self.rewrite = merged, self.stride * 2, True

    def flush(self, store: JobStore, job_id: int) -> None:
        if self.rewrite:
            store.replace_steps(job_id, self.points)
            self.rewrite = False
        else:
            store.add_steps(job_id, self.points[self.saved:])
        self.saved = len(self.points)


@dataclass
class Snapshot:
    """The latest published weights and a model of its own that predictions run on."""

    weights: list[np.ndarray] | None = None
    version: int = 0
    time: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    model: Any = None
    model_version: int = -1

    def publish(self, weights: list[np.ndarray]) -> None:
        self.weights = weights  # one reference swap: readers see the old or the new list
        self.version += 1
        self.time = time.monotonic()

    def run(self, build: Callable[[], Any], fn: Callable[[Any], Any]) -> Any:
        with self.lock:  # layers keep forward caches on themselves: one prediction at a time
            weights, version = self.weights, self.version
            if self.model is None:
                self.model = build()
            if self.model_version != version:
                self.model.set_weights(weights)
                self.model_version = version
            return fn(self.model)


@dataclass(eq=False)
class LiveJob:
    """What every live job has: its row (fresh values) and an end signal."""

    id: int
    kind: Kind
    name: str
    config: dict[str, Any]
    created_at: float
    owner: str | None = None
    status: Status = Status.QUEUED
    started_at: float | None = None
    finished_at: float | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    error: dict[str, Any] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    last_read: float = field(default_factory=time.monotonic)  # a socket or GET looked
    seq: int = 0  # events applied so far; a late joiner's state says up to where
    lock: threading.RLock = field(default_factory=threading.RLock)

    def row(self) -> dict[str, Any]:
        return {"id": self.id, "kind": str(self.kind), "name": self.name, "owner": self.owner,
                "status": str(self.status), "created_at": self.created_at,
                "started_at": self.started_at, "finished_at": self.finished_at,
                "progress": self.progress, "result": self.result, "error": self.error,
                "config": self.config}

    def record(self, type_: str, data: Any, store: JobStore) -> Any:
        """Apply one event; return what watchers get (None: nothing to send)."""
        return data

    def flush(self, store: JobStore) -> None:
        """Write what is only in memory (called at pauses and at the end)."""

    def state(self) -> dict[str, Any]:
        """Everything so far, for a late joiner."""
        return {**self.row(), "seq": self.seq}


@dataclass(eq=False)
class TrainState(LiveJob):
    history: StepHistory = field(default_factory=StepHistory)
    epochs: list[dict[str, Any]] = field(default_factory=list)
    snapshot: Snapshot = field(default_factory=Snapshot)
    last_evaluation: dict[str, Any] | None = None
    last_activations: dict[str, Any] | None = None  # the newest histograms, for late joiners
    _flushed: float = field(default_factory=time.monotonic)
    _stepped: bool = False  # whether the store has seen a step of this run yet

    def record(self, type_: str, data: Any, store: JobStore) -> Any:
        if type_ == "step":
            self.history.extend(data.pop("losses", []))
            self.progress.update({k: data[k] for k in ("step", "epoch", "steps_per_sec",
                                                       "eta_seconds", "total_steps")
                                  if k in data})
            # The first step is stored at once: a page that reconnects to another server
            # (the first one died) starts from the store, and must not see less than it saw.
            # With a fast engine the first step came within the first STEP_FLUSH_SECONDS.
            if not self._stepped or time.monotonic() - self._flushed >= STEP_FLUSH_SECONDS:
                self.flush(store)
                self._stepped = True
        elif type_ == "progress":  # the run's totals, at its start
            self.progress = dict(data)
            return None
        elif type_ == "epoch":
            self.epochs.append(data)
            store.add_epoch(self.id, data["epoch"], data)
            self.flush(store)
        elif type_ == "evaluation":
            self.last_evaluation = data
        elif type_ == "activations":
            self.last_activations = data
        return data

    def flush(self, store: JobStore) -> None:
        self.history.flush(store, self.id)
        store.update(self.id, progress=self.progress)
        self._flushed = time.monotonic()

    def state(self) -> dict[str, Any]:
        return {**self.row(), "seq": self.seq, "activations": self.last_activations,
                "history": {"steps": [list(p) for p in self.history.points],
                            "epochs": list(self.epochs)}}


@dataclass(eq=False)
class LabState(LiveJob):
    partials: list[Any] = field(default_factory=list)

    def record(self, type_: str, data: Any, store: JobStore) -> Any:
        if type_ == "progress":
            self.partials.append(data)
            store.add_events(self.id, [(len(self.partials), type_, dumps(data))])
        elif type_ == "result":
            self.result = data
        return data

    def state(self) -> dict[str, Any]:
        return {**self.row(), "seq": self.seq, "progress": list(self.partials)}
