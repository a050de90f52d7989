"""The queue of a class: owners in turn, FIFO within an owner, per-owner running caps.
Bodies block on events, so the order is decided by the executor alone, not by timing."""

from __future__ import annotations

import threading
from types import SimpleNamespace

from nnplayground.jobs import fair
from nnplayground.jobs.executor import LocalExecutor, Task


class Sink:
    def queue_changed(self) -> None:
        pass


def blocking(started: list[str], name: str, release: threading.Event):
    def body(ctx) -> None:
        started.append(name)
        release.wait(10)
    return body


def run_queue(jobs: list[tuple[str, str]], slots: int, limit=fair.no_limit) -> list[str]:
    """Submit (owner, name) in order, then let jobs end one at a time; the start order."""
    ex = LocalExecutor(slots, Sink())
    ex.running_limit = limit
    started: list[str] = []
    releases = {name: threading.Event() for _, name in jobs}
    for i, (owner, name) in enumerate(jobs):
        ex.submit(Task(i + 1, blocking(started, name, releases[name]), owner=owner))
    done = 0
    while done < len(jobs):
        assert _wait(lambda n=done: len(started) > n), started
        releases[started[done]].set()
        done += 1
    ex.shutdown()
    return started


def _wait(cond, timeout: float = 10.0) -> bool:
    ev = threading.Event()
    for _ in range(int(timeout / 0.005)):
        if cond():
            return True
        ev.wait(0.005)
    return cond()


def test_one_owner_is_first_come_first_served() -> None:
    jobs = [(None, f"r{i}") for i in range(5)]
    assert run_queue(jobs, slots=2) == ["r0", "r1", "r2", "r3", "r4"]


def test_a_learner_with_six_runs_does_not_block_two_others() -> None:
    jobs = [("A", f"A{i}") for i in range(1, 7)] + [("B", "B1"), ("C", "C1")]
    order = run_queue(jobs, slots=2)
    assert order[:2] == ["A1", "A2"]
    assert order.index("B1") < order.index("A3") and order.index("C1") < order.index("A3")
    assert order == ["A1", "A2", "B1", "C1", "A3", "A4", "A5", "A6"]


def test_the_running_cap_keeps_a_slot_for_others() -> None:
    """Cap 1: A never holds both slots, even while B has not queued yet."""
    ex = LocalExecutor(2, Sink())
    ex.running_limit = lambda owner: 1
    started: list[str] = []
    gate = threading.Event()
    for i in range(3):
        ex.submit(Task(i + 1, blocking(started, f"A{i}", gate), owner="A"))
    assert _wait(lambda: started == ["A0"])
    assert ex.queue() == [2, 3] and ex.running() == 1
    ex.submit(Task(9, blocking(started, "B0", gate), owner="B"))
    assert _wait(lambda: started == ["A0", "B0"])
    gate.set()
    assert _wait(lambda: len(started) == 4)
    ex.shutdown()


def test_the_shown_order_is_the_order_jobs_start() -> None:
    queue = [SimpleNamespace(job_id=i, owner=o) for i, o in
             enumerate(["A", "A", "A", "B", "C", "B"], 1)]
    # A started most recently, B and C never: B, C, then A, B, A, A.
    assert fair.order(queue, {"A": 5}) == [4, 5, 1, 6, 2, 3]
    assert fair.pick(queue, {"B": 1}, {"A": 5}, lambda o: 1) == 4  # C; B is at its cap
    assert fair.pick(queue, {"B": 1, "C": 1, "A": 1}, {}, lambda o: 1) is None


def test_the_dealt_order_is_repeated_picking() -> None:
    """order() deals owners in a cycle; it must agree with picking one job at a time."""
    import numpy as np

    rng = np.random.default_rng(7)
    for _ in range(200):
        owners = [f"o{int(k)}" for k in rng.integers(0, 5, size=int(rng.integers(0, 25)))]
        queue = [SimpleNamespace(job_id=i, owner=o) for i, o in enumerate(owners)]
        turns = {f"o{k}": int(rng.integers(0, 10)) for k in range(5) if rng.random() < 0.5}
        pending, clock, expected = list(queue), max(turns.values(), default=0), []
        local = dict(turns)
        while pending:
            task = pending.pop(fair.pick(pending, {}, local))
            clock += 1
            local[task.owner] = clock
            expected.append(task.job_id)
        assert fair.order(queue, turns) == expected, (owners, turns)
