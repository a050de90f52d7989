"""The local executor: a bounded pool, a FIFO queue with positions, controls per job, a long
pause handing its slot to the queue."""

from __future__ import annotations

import threading
import time

import pytest

from nnplayground.jobs.context import Control, JobContext
from nnplayground.jobs.executor import LocalExecutor, Task
from nnplayground.jobs.model import TRANSITIONS, IllegalTransition, Status, check_transition


class Sink:
    """What a context reports to, kept in lists (the recorder's methods, minus the store)."""

    def __init__(self) -> None:
        self.statuses: list[tuple[int, Status]] = []
        self.events: list[tuple[int, str]] = []

    def event(self, job_id, type_, data, layer=None) -> None:
        self.events.append((job_id, type_))

    def status(self, job_id, status, **fields) -> None:
        self.statuses.append((job_id, status))

    def queue_changed(self) -> None: ...

    def watched(self, job_id) -> bool:
        return False


def wait(pred, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_transition_table() -> None:
    check_transition(Status.QUEUED, Status.RUNNING)
    check_transition(Status.PAUSED, Status.RUNNING)
    check_transition(Status.QUEUED, Status.STOPPED)  # stopped before it started
    for end in (Status.COMPLETED, Status.FAILED, Status.DIVERGED, Status.INTERRUPTED):
        assert TRANSITIONS[end] == frozenset()
        with pytest.raises(IllegalTransition):
            check_transition(end, Status.RUNNING)
    with pytest.raises(IllegalTransition):
        check_transition(Status.QUEUED, Status.PAUSED)  # a job must run before it pauses


def test_slots_cap_concurrency_and_the_queue_is_first_come_first_served() -> None:
    ex = LocalExecutor(slots=2, sink=Sink())
    gates = {i: threading.Event() for i in range(5)}
    started: list[int] = []

    def body(i: int):
        def run(ctx: JobContext) -> None:
            started.append(i)
            gates[i].wait(5)
        return run

    for i in range(5):
        ex.submit(Task(i, body(i)))
    wait(lambda: len(started) == 2)
    assert started == [0, 1] and ex.queue() == [2, 3, 4] and ex.running() == 2
    assert ex.position(3) == 2 and ex.position(0) is None
    assert ex.dequeue(3) and ex.queue() == [2, 4]  # a queued job leaves without running
    gates[1].set()
    wait(lambda: started == [0, 1, 2])
    gates[0].set()
    wait(lambda: started == [0, 1, 2, 4])
    for g in gates.values():
        g.set()
    assert ex.shutdown() == []


def test_controls_reach_the_running_job() -> None:
    sink = Sink()
    ex = LocalExecutor(slots=1, sink=sink)
    seen: dict[str, object] = {}
    at_top = threading.Event()

    def run(ctx: JobContext) -> None:
        for step in range(10_000):
            at_top.set()
            lr = ctx.take_lr_request()
            if lr is not None:
                seen["lr"] = lr
            ctx.wait_while_paused()
            if ctx.should_stop():
                seen["stopped_at"] = step
                return
            time.sleep(0.002)

    ex.submit(Task(7, run))
    at_top.wait(5)
    control = ex.control(7)
    assert isinstance(control, Control)
    control.request_lr(0.5)
    control.pause()
    wait(lambda: (7, Status.PAUSED) in sink.statuses)
    control.resume()
    wait(lambda: (7, Status.RUNNING) in sink.statuses)
    control.stop()
    wait(lambda: "stopped_at" in seen)
    assert seen["lr"] == 0.5
    wait(lambda: ex.control(7) is None)  # gone from the executor once it ended


def test_a_long_pause_hands_its_slot_to_the_queue() -> None:
    sink = Sink()
    ex = LocalExecutor(slots=1, sink=sink, pause_grace=0.2)
    order: list[str] = []
    b_done = threading.Event()

    def a(ctx: JobContext) -> None:
        order.append("a starts")
        while not ctx.should_stop():
            ctx.wait_while_paused()
            if order[-1] == "b ends":
                order.append("a goes on")
                return
            time.sleep(0.01)

    def b(ctx: JobContext) -> None:
        order.append("b starts")
        time.sleep(0.1)
        order.append("b ends")
        b_done.set()

    ex.submit(Task(1, a))
    wait(lambda: order == ["a starts"])
    ex.submit(Task(2, b))
    assert ex.queue() == [2]  # one slot, held by a
    ex.control(1).pause()
    b_done.wait(5)  # a's pause outlasted the grace: b ran in its slot
    ex.control(1).resume()
    wait(lambda: order[-1] == "a goes on")
    assert order == ["a starts", "b starts", "b ends", "a goes on"]
    ex.shutdown()


def test_shutdown_interrupts_running_jobs_and_returns_the_queued() -> None:
    ex = LocalExecutor(slots=1, sink=Sink())
    reasons: list[Status | None] = []

    def run(ctx: JobContext) -> None:
        while not ctx.should_stop():
            time.sleep(0.005)
        reasons.append(ctx.stop_reason())

    ex.submit(Task(1, run))
    ex.submit(Task(2, run))
    wait(lambda: ex.running() == 1)
    assert ex.shutdown() == [2]
    assert reasons == [Status.INTERRUPTED]
    with pytest.raises(RuntimeError):
        ex.submit(Task(3, run))
