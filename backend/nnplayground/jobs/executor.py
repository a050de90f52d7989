"""One executor interface -- submit, pause, resume, stop, change the learning rate, a visible
queue -- and the local executor: a bounded pool of worker threads with a queue that takes
owners in turn (round-robin, fair.py; FIFO when there is one owner).

``max_concurrent`` counts every kind of job together (runs and lab jobs share the cores).
Another executor (a process pool, a Ray cluster) is a second class with these methods.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import fair
from .context import Control, JobContext, LocalContext
from .model import Status

log = logging.getLogger("nnplayground.jobs")


@dataclass(eq=False)
class Task:
    """One job as the executor sees it: who it is and the body to run."""

    job_id: int
    body: Callable[[JobContext], None]  # never raises: it records its own end
    control: Control = field(default_factory=Control)
    owner: str | None = None
    # What an executor in other processes needs (it cannot ship ``body``, which closes
    # over this process's recorder): the job's own work and its live state.
    work: Callable[[JobContext], Any] | None = None
    job: Any = None


class Executor(ABC):
    def start(self) -> None:  # noqa: B027 - most executors need nothing here
        """Called once the service starts (a cluster executor attaches to live jobs)."""

    @abstractmethod
    def submit(self, task: Task) -> None: ...

    @abstractmethod
    def dequeue(self, job_id: int) -> bool:
        """Remove a job that has not started; True when it was still queued."""

    @abstractmethod
    def control(self, job_id: int) -> Control | None:
        """The live controls of a queued or running job (pause, stop, lr, filters)."""

    @abstractmethod
    def queue(self) -> list[int]:
        """Queued job ids, next first."""

    @abstractmethod
    def running(self) -> int: ...

    @abstractmethod
    def shutdown(self, timeout: float = 5.0) -> list[int]:
        """Stop taking jobs; stop running ones as interrupted; return the queued ids."""

    def set_running_limit(self, limit: fair.RunningLimit) -> None:
        """A per-owner cap on running jobs (a class's fair share), for the queue to honour."""
        self.running_limit = limit

    def position(self, job_id: int) -> int | None:
        queue = self.queue()
        return queue.index(job_id) + 1 if job_id in queue else None

    def fresh(self, job_id: int) -> Any:
        """A copy of a live job's state read from where it runs, when this server only
        mirrors it (a page joins its socket); None when this server's view is the job."""
        return None


class LocalExecutor(Executor):
    def __init__(self, slots: int, sink: Any, pause_grace: float = 120.0) -> None:
        self.slots, self.sink, self.pause_grace = slots, sink, pause_grace
        self._free = slots
        self._queue: deque[Task] = deque()
        self._live: dict[int, Task] = {}
        self._threads: set[threading.Thread] = set()
        self._reclaiming = 0  # resumed jobs waiting for a slot go before the queue
        self._cond = threading.Condition()
        self._closing = False
        # Per-owner cap on running jobs (a class's fair share); set by the server.
        self.running_limit: fair.RunningLimit = fair.no_limit
        self._turns: dict[str | None, int] = {}  # owner -> when it last started a job
        self._clock = 0

    # -- the queue -----------------------------------------------------------------------
    def submit(self, task: Task) -> None:
        with self._cond:
            if self._closing:
                raise RuntimeError("the executor is shutting down")
            self._live[task.job_id] = task
            self._queue.append(task)
            self._dispatch()
        self.sink.queue_changed()

    def _running_by_owner(self) -> dict[str | None, int]:
        queued = {t.job_id for t in self._queue}
        counts: dict[str | None, int] = {}
        for task in self._live.values():
            if task.job_id not in queued:
                counts[task.owner] = counts.get(task.owner, 0) + 1
        return counts

    def _next(self) -> Task | None:
        """Owners in turn, each owner's jobs first come first served; None when every
        waiting owner is at their running limit."""
        index = fair.pick(self._queue, self._running_by_owner(), self._turns,
                          self.running_limit)
        if index is None:
            return None
        task = self._queue[index]
        del self._queue[index]
        self._clock += 1
        self._turns[task.owner] = self._clock
        return task

    def _dispatch(self) -> None:  # holds self._cond
        started = False
        while self._free > 0 and self._queue and not self._reclaiming and not self._closing:
            task = self._next()
            if task is None:
                break
            self._free -= 1
            thread = threading.Thread(target=self._run, args=(task,), daemon=True,
                                      name=f"nnpg-job-{task.job_id}")
            self._threads.add(thread)
            thread.start()
            started = True
        if started:
            threading.Thread(target=self.sink.queue_changed, daemon=True).start()

    def _run(self, task: Task) -> None:
        slot = _Slot(self)
        try:
            task.body(LocalContext(task.job_id, task.control, self.sink, slot))
        except Exception:  # the body records its own failures; this is a last resort
            log.exception("job %s escaped its runner", task.job_id)
        finally:
            with self._cond:
                self._live.pop(task.job_id, None)
                if not slot.released:
                    self._free += 1
                self._threads.discard(threading.current_thread())
                self._cond.notify_all()
                self._dispatch()

    def set_running_limit(self, limit: fair.RunningLimit) -> None:
        """A new per-owner cap; a raised cap may let waiting jobs start at once."""
        with self._cond:
            self.running_limit = limit
            self._dispatch()
        self.sink.queue_changed()

    def dequeue(self, job_id: int) -> bool:
        with self._cond:
            task = next((t for t in self._queue if t.job_id == job_id), None)
            if task is None:
                return False
            self._queue.remove(task)
            self._live.pop(job_id, None)
        self.sink.queue_changed()
        return True

    def control(self, job_id: int) -> Control | None:
        task = self._live.get(job_id)
        return None if task is None else task.control

    def queue(self) -> list[int]:
        with self._cond:
            return fair.order(self._queue, self._turns)

    def running(self) -> int:
        with self._cond:
            return len(self._live) - len(self._queue)

    def shutdown(self, timeout: float = 5.0) -> list[int]:
        with self._cond:
            self._closing = True
            queued = [t.job_id for t in self._queue]
            self._queue.clear()
            for job_id in queued:
                self._live.pop(job_id, None)
            for task in self._live.values():
                task.control.stop(Status.INTERRUPTED)
            threads = list(self._threads)
            self._cond.notify_all()
        for thread in threads:
            thread.join(timeout)
        return queued


class _Slot:
    """A running job's worker slot, which a long pause may hand back to the queue."""

    def __init__(self, executor: LocalExecutor) -> None:
        self.executor, self.released = executor, False
        self.pause_grace = executor.pause_grace

    def release(self) -> None:
        ex = self.executor
        with ex._cond:
            self.released = True
            ex._free += 1
            ex._dispatch()

    def reacquire(self) -> None:
        ex = self.executor
        with ex._cond:
            ex._reclaiming += 1
            while ex._free <= 0 and not ex._closing:
                ex._cond.wait()
            ex._reclaiming -= 1
            ex._free -= 1
            self.released = False
