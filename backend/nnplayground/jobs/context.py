"""All that job code sees of the world: a small context object.

A job emits typed events, asks whether it should stop, waits while paused, reads a
learning-rate request and publishes weight snapshots -- and nothing else.  It never sees
the web layer, the store or the sockets, so the same job body can run in another process
or on another machine behind a second implementation of this class.
"""

from __future__ import annotations

import threading
import time
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..labs.base import Hooks, run_in_turn
from .model import Status


class StopJob(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised inside a job to leave it at once with ``status`` (stopped, diverged, ...)."""

    def __init__(self, status: Status, step: int | None = None, message: str | None = None):
        super().__init__(str(status))
        self.status, self.step, self.message = Status(status), step, message


class Control:
    """Requests made to one job by other threads, read by the job at its safe points
    (every batch end of a training run, every step of a lab)."""

    def __init__(self) -> None:
        self._resume = threading.Event()
        self._resume.set()
        self._lock = threading.Lock()
        self.stop_reason: Status | None = None
        self._lr: float | None = None
        self.filter_layers: Counter[int] = Counter()  # conv layers that watchers look at

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    def stop(self, reason: Status = Status.STOPPED) -> None:
        self.stop_reason = reason
        self._resume.set()  # a paused job must wake up to stop

    @property
    def pause_requested(self) -> bool:
        return not self._resume.is_set() and self.stop_reason is None

    def wait_resumed(self, timeout: float | None = None) -> bool:
        return self._resume.wait(timeout)

    def request_lr(self, lr: float) -> None:
        with self._lock:
            self._lr = lr

    def take_lr(self) -> float | None:
        with self._lock:
            lr, self._lr = self._lr, None
            return lr

    def watch_filters(self, layer: int) -> None:
        with self._lock:
            self.filter_layers[layer] += 1

    def unwatch_filters(self, layer: int) -> None:
        with self._lock:
            if self.filter_layers[layer] > 0:
                self.filter_layers[layer] -= 1
            if not self.filter_layers[layer]:
                del self.filter_layers[layer]


class JobContext(ABC):
    """The job's side of the seam."""

    job_id: int

    @abstractmethod
    def emit(self, type_: str, data: Any, layer: int | None = None) -> None:
        """Publish one typed event (step, epoch, activations, progress, result, ...)."""

    @abstractmethod
    def stop_reason(self) -> Status | None:
        """Why the job should stop now, or None to carry on."""

    def should_stop(self) -> bool:
        return self.stop_reason() is not None

    def check_stop(self, step: int | None = None) -> None:
        reason = self.stop_reason()
        if reason is not None:
            raise StopJob(reason, step)

    @abstractmethod
    def wait_while_paused(self, on_pause: Any = None) -> None:
        """Block while a pause is requested (status "paused" meanwhile); ``on_pause()``
        runs once before blocking (e.g. to publish the weights the learner looks at)."""

    @abstractmethod
    def take_lr_request(self) -> float | None: ...

    @abstractmethod
    def publish_weights(self, weights: list[Any]) -> None:
        """A snapshot for live predictions; the job's own model is never read by others."""

    @abstractmethod
    def watched(self) -> bool:
        """Whether anyone watches live (histograms cost time and are for watchers only)."""

    @abstractmethod
    def filter_layers(self) -> set[int]:
        """Conv layers whose filters watchers asked for."""

    @abstractmethod
    def save_model(self, model: Any) -> None:
        """Keep the final model where predictions of a finished job find it."""

    def map(self, fn: Callable[[Any, Hooks], Any], items: Iterable[Any], hooks: Hooks
            ) -> Iterator[Any]:
        """Independent pieces of one job (a search's trials): in turn, in this thread.  An
        executor with many nodes overrides this to run them as tasks of their own."""
        return run_in_turn(fn, items, hooks)


class LocalContext(JobContext):
    """The context of a job running in a thread of this process (LocalExecutor)."""

    def __init__(self, job_id: int, control: Control, sink: Any, slot: Any) -> None:
        self.job_id, self.control, self.sink, self.slot = job_id, control, sink, slot

    def emit(self, type_: str, data: Any, layer: int | None = None) -> None:
        self.sink.event(self.job_id, type_, data, layer)

    def stop_reason(self) -> Status | None:
        return self.control.stop_reason

    def wait_while_paused(self, on_pause: Any = None) -> None:
        control = self.control
        if not control.pause_requested:
            return
        # The steps still buffered go out before the status: a watcher that reads "paused"
        # must see no step after it (the page's step count moved 61 → 62 once it said paused).
        if on_pause is not None:
            on_pause()
        self.sink.status(self.job_id, Status.PAUSED)
        # A long pause gives its worker slot to the queue; resuming takes one back first.
        released, since = False, time.monotonic()
        while not control.wait_resumed(timeout=0.25):
            if not released and time.monotonic() - since >= self.slot.pause_grace:
                self.slot.release()
                released = True
        if released:
            self.slot.reacquire()
        if control.stop_reason is None:
            self.sink.status(self.job_id, Status.RUNNING)

    def take_lr_request(self) -> float | None:
        return self.control.take_lr()

    def publish_weights(self, weights: list[Any]) -> None:
        self.sink.weights(self.job_id, weights)

    def watched(self) -> bool:
        return self.sink.watched(self.job_id)

    def filter_layers(self) -> set[int]:
        return set(self.control.filter_layers)

    def save_model(self, model: Any) -> None:
        self.sink.save_model(self.job_id, model)
