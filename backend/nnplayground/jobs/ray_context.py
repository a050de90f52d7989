"""The context of a job running in a Ray worker, and the tasks it runs in.

Events are buffered in the worker and sent to the job's actor every ``FLUSH_SECONDS`` in
one call, whose answer brings the controls back (stop, pause, learning rate, who watches):
one round trip carries both directions, so a control reaches the job within
``FLUSH_SECONDS`` plus one call (~2 ms on one machine), far inside the one second asked.
Sending each event on its own would cost a round trip per event, and Ray does not keep
the order of calls to an actor that serves several at once.

``map`` runs a search's trials as Ray tasks of their own, spread over the nodes
(``SPREAD``); the job's task waits for them in ``ray.wait``, during which Ray lends its CPU
to the trials.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import ray

from ..labs.base import Hooks
from .context import JobContext, StopJob
from .encode import clean
from .model import Status
from .ray_actor import STATUS
from .recorder import Recorder

log = logging.getLogger("nnplayground.jobs")
FLUSH_SECONDS = 0.1


class RemoteContext(JobContext):
    def __init__(self, job_id: int, actor: Any, weights_dir: str, cpus: float,
                 piece: bool = False) -> None:
        self.job_id, self.actor, self.weights_dir, self.cpus = job_id, actor, weights_dir, cpus
        self.piece = piece  # a trial: its own controls, but the job's status is not its own
        self._events: list[tuple] = []
        self._weights: list[Any] | None = None
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._controls: dict[str, Any] = {"stop": None, "paused": False, "lr": None,
                                          "watched": False, "filters": []}
        self._lr: float | None = None
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._flusher, daemon=True, name="nnpg-flush")

    # -- the link to the actor ---------------------------------------------------------------
    def begin(self) -> None:
        node, pid = ray.get_runtime_context().get_node_id(), os.getpid()
        self._apply(ray.get(self.actor.begin.remote(node, pid)))
        self._thread.start()

    def start_piece(self) -> None:
        self.flush()
        self._thread.start()

    def flush(self) -> None:
        with self._flushing:  # one call at a time keeps the events in order
            with self._lock:
                events, self._events = self._events, []
                weights, self._weights = self._weights, None
            self._apply(ray.get(self.actor.push.remote(events, weights, not self.piece)))

    def _apply(self, controls: dict[str, Any]) -> None:
        if controls.get("lr") is not None:
            self._lr = controls["lr"]
        self._controls = controls

    def _flusher(self) -> None:
        while not self._closed.wait(FLUSH_SECONDS):
            try:
                self.flush()
            except ray.exceptions.RayActorError:  # nobody records this job any more
                log.error("job %s: its actor is gone; stopping", self.job_id)
                self._controls = {**self._controls, "stop": Status.INTERRUPTED.value,
                                  "paused": False}
                return
            except Exception:
                log.exception("job %s: could not send its events", self.job_id)

    def close(self) -> None:
        self._closed.set()
        if self._thread.is_alive():
            self._thread.join()
        self.flush()

    # -- the JobContext seam -----------------------------------------------------------------
    def emit(self, type_: str, data: Any, layer: int | None = None) -> None:
        with self._lock:
            self._events.append((type_, data, layer))

    def stop_reason(self) -> Status | None:
        stop = self._controls["stop"]
        return None if stop is None else Status(stop)

    def wait_while_paused(self, on_pause: Any = None) -> None:
        if not self._controls["paused"] or self.stop_reason() is not None:
            return
        if on_pause is not None:  # buffered steps first, as in LocalContext
            on_pause()
        if not self.piece:
            self.emit(STATUS, Status.PAUSED.value)
        while self._controls["paused"] and self.stop_reason() is None:
            time.sleep(0.02)
        if not self.piece and self.stop_reason() is None:
            self.emit(STATUS, Status.RUNNING.value)

    def take_lr_request(self) -> float | None:
        lr, self._lr = self._lr, None
        return lr

    def publish_weights(self, weights: list[Any]) -> None:
        self._weights = weights  # only the latest goes at the next flush

    def watched(self) -> bool:
        return bool(self._controls["watched"])

    def filter_layers(self) -> set[int]:
        return set(self._controls["filters"])

    def save_model(self, model: Any) -> None:
        Recorder(None, None, Path(self.weights_dir)).save_model(self.job_id, model)  # type: ignore[arg-type]

    def map(self, fn: Callable[[Any, Hooks], Any], items: Iterable[Any], hooks: Hooks
            ) -> Iterator[Any]:
        opts = {"num_cpus": self.cpus, "max_retries": 0, "scheduling_strategy": "SPREAD",
                "name": f"nnpg-job-{self.job_id}-piece"}
        pending = {run_piece.options(**opts).remote(fn, item, self.job_id, self.actor,
                                                    self.weights_dir, self.cpus): i
                   for i, item in enumerate(items)}
        try:
            while pending:
                if hooks.stopped():
                    return
                done, _ = ray.wait(list(pending), num_returns=1, timeout=0.2)
                for ref in done:
                    index = pending.pop(ref)
                    node, pid, result = ray.get(ref)
                    self.emit("placement", {"piece": index, "node": node, "pid": pid})
                    yield result
        finally:
            for ref in pending:
                ray.cancel(ref)


def _portable(exc: BaseException) -> BaseException:
    """The exception itself when it survives pickling (its type and fields reach the
    store), else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _run_job(work: Callable[[JobContext], Any], job_id: int, actor: Any, weights_dir: str,
             cpus: float) -> tuple[str, Any]:
    ctx = RemoteContext(job_id, actor, weights_dir, cpus)
    ctx.begin()
    try:
        reason = ctx.stop_reason()
        if reason is not None:  # stopped while it waited for a node
            return "raise", StopJob(reason, 0)
        return "ok", work(ctx)
    except Exception as exc:  # StopJob included: the actor turns it into the final status
        return "raise", _portable(exc)
    finally:
        ctx.close()


def _run_piece(fn: Callable[[Any, Hooks], Any], item: Any, job_id: int, actor: Any,
               weights_dir: str, cpus: float) -> tuple[str, int, Any]:
    ctx = RemoteContext(job_id, actor, weights_dir, cpus, piece=True)
    ctx.start_piece()

    def stopped() -> bool:
        ctx.wait_while_paused()
        return ctx.should_stop()

    hooks = Hooks(report=lambda msg: ctx.emit("progress", clean(msg)), stopped=stopped)
    try:
        return ray.get_runtime_context().get_node_id(), os.getpid(), fn(item, hooks)
    finally:
        ctx.close()


run_job = ray.remote(max_retries=0)(_run_job)
run_piece = ray.remote(max_retries=0)(_run_piece)
