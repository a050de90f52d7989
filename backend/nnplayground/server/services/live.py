"""In-memory state of a run this server process owns: control flags for the training
thread, the step history not yet written to SQLite, and the latest weight snapshot that
predictions read (so they never touch the model being trained)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

FINISHED = frozenset({"completed", "stopped", "failed", "diverged", "interrupted"})


class StopRun(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised from a callback to leave ``fit`` at once with the run's final status."""

    def __init__(self, status: str, step: int | None = None, message: str | None = None):
        super().__init__(status)
        self.status, self.step, self.message = status, step, message


@dataclass
class LiveRun:
    id: int
    name: str
    config: dict[str, Any]
    spec: dict[str, Any]
    created_at: float
    status: str = "queued"
    started_at: float | None = None
    finished_at: float | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    steps: list[list] = field(default_factory=list)  # [[step, loss], ...]
    steps_saved: int = 0  # how many of ``steps`` are already in SQLite
    epochs: list[dict[str, Any]] = field(default_factory=list)
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    # control, set by request threads and read by the training thread at each batch end
    resume: threading.Event = field(default_factory=threading.Event)
    stop_reason: str | None = None
    lr_request: float | None = None
    filter_layers: Counter = field(default_factory=Counter)
    done: threading.Event = field(default_factory=threading.Event)
    # inference side
    snapshot: list[np.ndarray] | None = None
    snapshot_version: int = 0
    snapshot_time: float = 0.0
    infer_lock: threading.Lock = field(default_factory=threading.Lock)
    infer_model: Any = None
    infer_version: int = -1
    data: Any = None  # RunData while the run is live: evaluation needs the test set
    last_evaluation: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.resume.set()

    def request_stop(self, reason: str = "stopped") -> None:
        self.stop_reason = reason
        self.resume.set()  # a paused run must wake up to stop

    def publish_weights(self, weights: list[np.ndarray]) -> None:
        self.snapshot = weights  # a single reference swap: readers see old or new, never half
        self.snapshot_version += 1
        self.snapshot_time = time.monotonic()

    def history(self) -> dict[str, list]:
        return {"steps": [list(s) for s in self.steps], "epochs": list(self.epochs)}
