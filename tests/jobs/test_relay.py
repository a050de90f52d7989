"""The relay without Ray: a mirror fed from an event log ends with the state of the job it
mirrors (same step curve, epochs, progress and event number) and republishes each event
with the job's own number; leases say who watches and how long since anyone read."""

from __future__ import annotations

import time

from nnplayground.jobs.model import Kind, Status
from nnplayground.jobs.recorder import Recorder
from nnplayground.jobs.relay import EventLog, Mirror, job_fields
from nnplayground.jobs.state import TrainState
from nnplayground.jobs.store import SqliteJobStore


class _Call:
    def __init__(self, fn):
        self.remote = fn


class FakeActor:
    """The actor's methods, called in this thread (``get`` is the identity)."""

    def __init__(self, log: EventLog, job: TrainState) -> None:
        self.poll = _Call(lambda *a: log.poll(*a, timeout=0.05))
        self.state = _Call(lambda: (type(job), job_fields(job)))
        self.snapshot = _Call(lambda v: (job.snapshot.version, job.snapshot.weights)
                              if job.snapshot.version > v else (v, None))


class FakeHub:
    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def publish(self, topic, type_, run, data, layer=None, seq=None) -> None:
        self.sent.append((topic, type_, seq))

    def has_subscribers(self, topic) -> bool:
        return topic == 1


def test_a_mirror_rebuilds_the_jobs_state_and_numbers(tmp_path) -> None:
    store = SqliteJobStore(tmp_path / "runs.sqlite3")
    job_id, created = store.create(Kind.TRAIN, "r", {"spec": {}})
    log = EventLog()
    home = Recorder(store, log, tmp_path)  # the actor's side
    job = TrainState(job_id, Kind.TRAIN, "r", {"spec": {}}, created)
    home.jobs[job_id] = job

    def event(type_, data):
        raw = dict(data)
        home.event(job_id, type_, data)
        log.append(job.seq, "event", type_, raw)

    def status(new):
        home.status(job_id, new)
        log.append(job.seq, "status", None, {"status": str(job.status),
                                              "progress": dict(job.progress)})

    status(Status.RUNNING)
    event("progress", {"step": 0, "total_steps": 6, "epoch": 0})
    event("step", {"loss_sum": 3.0, "count": 3, "step": 3, "losses": [[1, 1.2], [2, 1.0],
                                                                         [3, 0.8]]})
    # a server attaches halfway: it takes the state, then follows the log
    hub = FakeHub()
    server = Recorder(store, hub, tmp_path)
    cls, fields = FakeActor(log, job).state.remote()
    mirror_job = cls(**fields)
    server.jobs[job_id] = mirror_job
    mirror = Mirror(mirror_job, FakeActor(log, job), server, "srv", lambda x: x,
                    on_lost=lambda j: None)
    event("step", {"loss_sum": 1.5, "count": 3, "step": 6, "losses": [[4, 0.6], [5, 0.5],
                                                                        [6, 0.4]]})
    event("epoch", {"epoch": 1, "step": 6, "loss": 0.7})
    job.snapshot.publish([1, 2])
    status(Status.COMPLETED)
    mirror.start().thread.join(5)

    assert not mirror.thread.is_alive() and mirror_job.done.is_set()
    assert mirror_job.status == Status.COMPLETED and mirror_job.seq == job.seq == 6
    assert mirror_job.history.points == job.history.points
    assert [p[0] for p in mirror_job.history.points] == [1, 2, 3, 4, 5, 6]
    assert mirror_job.epochs == job.epochs and mirror_job.progress == job.progress
    assert [(t, s) for topic, t, s in hub.sent if topic == job_id] == \
        [("step", 4), ("epoch", 5), ("status", 6)]
    assert mirror_job.snapshot.weights == [1, 2]  # predictions read the job's snapshot
    # the server said it has a socket open: the job counts as watched, read just now
    assert log.has_subscribers() and log.idle() == 0.0


def test_leases_expire_and_idle_is_the_freshest_read(monkeypatch) -> None:
    log = EventLog()
    log.poll("a", 0, 0, 7.0, timeout=0)
    log.poll("b", 0, 0, 2.0, timeout=0)
    assert not log.has_subscribers() and log.idle() == 2.0
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 10)  # both servers went quiet
    assert log.idle() == float("inf")

