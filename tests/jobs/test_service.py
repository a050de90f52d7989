"""The job service without the web layer: runs and lab jobs through one executor, events into
live state and the store, bounded step history, one final status whatever the job does."""

from __future__ import annotations

import time

import numpy as np
import pytest

from nnplayground.jobs.config import resolve
from nnplayground.jobs.errors import Conflict, NotFound
from nnplayground.jobs.hub import Hub
from nnplayground.jobs.model import Kind, Status
from nnplayground.jobs.service import JobService, JobSettings
from nnplayground.jobs.state import StepHistory, TrainState
from nnplayground.jobs.store import SqliteJobStore
from nnplayground.labs.registry import all_labs
from tests.server.conftest import TINY_RUN


@pytest.fixture
def service(tmp_path):
    svc = JobService(JobSettings(weights_dir=tmp_path / "w", max_concurrent=1,
                                 lab_idle_seconds=60), SqliteJobStore(tmp_path / "db"), Hub())
    svc.start()
    yield svc
    svc.shutdown()


def until(pred, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_run_completes_with_history_result_and_weights(service: JobService) -> None:
    run = service.create_run(resolve(TINY_RUN))
    until(lambda: service.get_run(run["id"])["status"] == "completed")
    row = service.get_run(run["id"])
    assert len(row["history"]["epochs"]) == 2
    steps = row["history"]["steps"]
    assert [s for s, _ in steps] == list(range(1, 21))  # 200 samples / batch 20 x 2 epochs
    assert row["result"]["evaluation"]["accuracy"] == row["history"]["epochs"][-1][
        "val_accuracy"]  # one evaluation per epoch feeds both
    assert service.recorder.weights_path(run["id"]).exists()
    assert service.store.history(run["id"])["steps"] == steps  # and the same in the store
    probs = service.infer(run["id"], lambda m: m.predict_proba(np.zeros((1, 2), np.float32)))
    assert probs.shape == (1, 2)


def test_a_mirrored_run_that_ended_elsewhere_predicts_from_its_saved_weights(
        service: JobService) -> None:
    """On a cluster a server mirrors runs other nodes train; the mirror never holds their
    weights.  Once such a run has ended with its weights saved, predictions read the file
    (they got a 409 no_weights_yet in a cluster test); with no file, the 409 stays."""
    run = service.create_run(resolve(TINY_RUN))
    until(lambda: service.get_run(run["id"])["status"] == "completed")
    want = service.infer(run["id"], lambda m: m.predict_proba(np.ones((1, 2), np.float32)))
    row = service.get_run(run["id"])
    mirror = TrainState(id=run["id"], kind=Kind.TRAIN, name=row["name"],
                        config=row["config"], created_at=time.time(),
                        status=Status.COMPLETED)
    service.live[run["id"]] = mirror  # what a mirror of another node's run looks like
    try:
        got = service.infer(run["id"], lambda m: m.predict_proba(np.ones((1, 2), np.float32)))
        np.testing.assert_array_equal(got, want)
        path = service.recorder.weights_path(run["id"])
        path.rename(path.with_suffix(".gone"))
        with pytest.raises(Conflict) as err:
            service.infer(run["id"], lambda m: m.predict(np.ones((1, 2), np.float32)))
        assert err.value.code == "no_weights_yet"
    finally:
        service.live.pop(run["id"], None)


def test_a_joining_page_gets_the_state_from_where_the_job_runs(service: JobService,
                                                               monkeypatch) -> None:
    """On a cluster server (Executor.fresh) the first state is the job's own, not the
    mirror's last poll; the mirror stays as it is for the server's other watchers."""
    run = service.create_run(resolve(TINY_RUN))
    until(lambda: service.get_run(run["id"])["status"] == "completed")
    row = service.get_run(run["id"])

    def job(step: int, seq: int) -> TrainState:
        return TrainState(id=run["id"], kind=Kind.TRAIN, name=row["name"],
                          config=row["config"], created_at=time.time(),
                          status=Status.RUNNING, progress={"step": step}, seq=seq)

    stale, actors = job(0, 3), job(162, 40)
    service.live[run["id"]] = stale
    try:
        monkeypatch.setattr(service.executor, "fresh", lambda i: actors if i == run["id"]
                            else None)
        kind, state = service.state(run["id"])
        assert kind == Kind.TRAIN and state["progress"] == {"step": 162}
        assert state["seq"] == 40 and state["status"] == "running"
        assert stale.progress == {"step": 0} and stale.seq == 3
        monkeypatch.setattr(service.executor, "fresh", lambda i: None)  # this server's own
        assert service.state(run["id"])[1]["progress"] == {"step": 0}
    finally:
        service.live.pop(run["id"], None)


def test_a_failing_job_ends_failed_without_a_traceback(service: JobService) -> None:
    bad = resolve({**TINY_RUN, "spec": {"input_shape": [2], "layers": [
        {"type": "dense", "units": 3}]}, "loss": "mse", "dataset": "xor"})
    bad.spec["layers"][0]["units"] = 2  # a 2-unit mse net trains; break the data instead
    bad.dataset = "no_such_dataset"
    run = service.create_run(bad)
    until(lambda: service.get_run(run["id"])["status"] == "failed")
    error = service.get_run(run["id"])["error"]
    assert "no_such_dataset" in error["message"] and "trace" not in error
    assert "Traceback" not in str(error)


def test_lab_jobs_and_runs_share_the_slot(service: JobService) -> None:
    lab = all_labs()["universal_approximation"]
    job = service.create_lab(lab, lab.validate({"iterations": 20000, "every": 50}))
    run = service.create_run(resolve(TINY_RUN))
    until(lambda: service.lab_summary(job["id"])["status"] == "running")
    assert service.get_run(run["id"])["queue_position"] == 1
    with pytest.raises(NotFound):
        service.set_lr(job["id"], 0.1)  # a lab job is not a run: it has no learning rate
    service.stop(job["id"], Kind.LAB)
    until(lambda: service.get_run(run["id"])["status"] == "completed")
    lab_row = service.get_lab(job["id"])
    assert lab_row["status"] == "stopped" and lab_row["progress"] and lab_row["result"]
    with pytest.raises(NotFound):
        service.get_run(job["id"])  # the kinds do not mix
    with pytest.raises(NotFound):
        service.get_lab(run["id"])


def test_stopping_a_queued_run_never_starts_it(service: JobService) -> None:
    first = service.create_run(resolve({**TINY_RUN, "train_size": 5000, "batch_size": 5,
                                        "epochs": 100}))
    second = service.create_run(resolve(TINY_RUN))
    until(lambda: service.get_run(first["id"])["status"] == "running")
    service.stop(second["id"])
    assert service.get_run(second["id"])["status"] == "stopped"
    assert service.get_run(second["id"])["started_at"] is None
    service.stop(first["id"])
    until(lambda: service.get_run(first["id"])["status"] == "stopped")


def test_step_history_stays_bounded_and_keeps_the_mean() -> None:
    h = StepHistory(max_points=100)
    losses = [[s, float(s)] for s in range(1, 1001)]
    h.extend(losses)
    assert len(h.points) <= 100 and h.stride == 16
    # Every point is the mean of the losses it stands for: the whole curve stays honest.
    assert h.points[0][1] == pytest.approx(np.mean(range(1, 17)))
    assert h.points[-1][0] <= 1000
    total = sum(v for _, v in h.points) * h.stride
    assert total == pytest.approx(sum(range(1, h.points[-1][0] + 1)))


def test_a_diverged_run_says_at_which_step(service: JobService) -> None:
    run = service.create_run(resolve({**TINY_RUN, "loss": "mse",
                                      "optimizer": {"name": "sgd", "lr": 1000.0}}))
    until(lambda: service.get_run(run["id"])["status"] in ("diverged", "completed"))
    row = service.get_run(run["id"])
    assert row["status"] == "diverged" and row["error"]["code"] == "diverged"
    assert row["error"]["params"]["step"] == row["error"]["step"] >= 1


class RecordingSink:
    """What a training run tells the recorder, in order."""

    def __init__(self) -> None:
        self.log: list[tuple[str, object]] = []

    def event(self, _job, type_, data, _layer=None) -> None:
        self.log.append(("event", type_))

    def status(self, _job, status) -> None:
        self.log.append(("status", str(status)))

    def weights(self, _job, _weights) -> None:
        pass

    def watched(self, _job) -> bool:
        return False

    def save_model(self, _job, _model) -> None:
        pass


class NoSlot:
    pause_grace = 1e9

    def release(self) -> None: ...

    def reacquire(self) -> None: ...


def test_no_step_is_sent_after_the_paused_status(tmp_path) -> None:
    """A watcher that reads "paused" sees the step count stand still: the buffered steps go
    out before the status, never after it (the page once moved 61 → 62 after "paused")."""
    import threading

    from nnplayground.jobs import training
    from nnplayground.jobs.context import Control, LocalContext
    from nnplayground.jobs.model import Status

    config = resolve({**TINY_RUN, "train_size": 2000, "epochs": 50, "batch_size": 10})
    sink, control = RecordingSink(), Control()
    ctx = LocalContext(1, control, sink, NoSlot())
    worker = threading.Thread(target=lambda: _train_quietly(training, config, ctx), daemon=True)
    worker.start()
    until(lambda: sink.log.count(("event", "step")) >= 3)
    control.pause()
    until(lambda: ("status", str(Status.PAUSED)) in sink.log)
    time.sleep(0.3)  # what a late flush would have sent by now
    log = list(sink.log)
    control.stop(Status.STOPPED)
    worker.join(20)
    paused_at = log.index(("status", str(Status.PAUSED)))
    assert ("event", "step") not in log[paused_at + 1:], log[paused_at - 3:]


def _train_quietly(training, config, ctx) -> None:
    import contextlib

    from nnplayground.jobs.context import StopJob

    with contextlib.suppress(StopJob):  # the test stops it
        training.train(config, ctx, snapshot_interval=0.5)
