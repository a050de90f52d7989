"""Remote runs: a script's own ``fit`` (``callbacks.Playground``) shown as a run like any other.

The client trains; this service only records and republishes what it sends: (1) create a
job of kind "remote", (2) turn batches of step/epoch events into the job's events (history,
store, watchers), (3) take weight snapshots (.npz model files, size-capped, never pickle) so
predictions, filters, histograms and the confusion matrix work, (4) end the job with its
final status (or "interrupted" once its client has been silent for IDLE_SECONDS).
Its live state is a TrainState, so GET /api/runs/{id}, /ws/runs/{id},
/predict and /evaluate serve it with their usual code; no executor slot is taken.

Exactly what it uses of the job system:
  JobStore  store.create(Kind.REMOTE, name, config)
  JobService  jobs.live[id] = TrainState(...) (read by get/infer/delete and the sockets)
  Recorder  recorder.status(id, RUNNING, started_at=...), recorder.event(id, type, data
            [, layer]) for "progress", "step" (with "losses"), "epoch", "activations",
            "weights", "filters", "evaluation"; recorder.weights(id, weights);
            recorder.watched(id); recorder.finish(job, status, result, error);
            recorder.weights_path(id) (the final .npz, read by infer after a restart)
  jobs.datasets.load and jobs.probes (activation/weight histograms, filters, evaluate)
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...engine import ModelFileError, Sequential, load_model
from ...jobs import datasets, probes
from ...jobs.config import RunConfig
from ...jobs.model import FINISHED, Kind, Status
from ...jobs.service import JobService
from ...jobs.state import TrainState
from ..errors import ApiError
from ..settings import Settings

PROBE_EVERY = 1.0  # s: histograms and filters at most this often per run (they cost ~5 ms)
PROBE_SIZE = 100  # test images the activation histograms are computed on
# A client that sent nothing for this long is gone (a killed kernel never says "end"): its
# run ends as "interrupted" the next time any remote run is created or updated.
IDLE_SECONDS = 600.0


@dataclass
class Remote:
    """What this service keeps per remote run beyond the job's own live state."""

    token: str
    data: datasets.RunData | None
    latest: bytes | None = None  # the newest weights file, written when the run ends
    probed: float = 0.0
    rate: tuple[float, int, float | None] = (0.0, 0, None)  # window start, step, steps/s
    seen: float = field(default_factory=time.monotonic)  # the client's last request
    lock: threading.Lock = field(default_factory=threading.Lock)


class RemoteRuns:
    def __init__(self, settings: Settings, jobs: JobService,
                 idle_seconds: float = IDLE_SECONDS) -> None:
        self.settings, self.jobs, self.idle_seconds = settings, jobs, idle_seconds
        self.recorder = jobs.recorder
        self._runs: dict[int, Remote] = {}

    def _reap(self) -> None:
        """End the runs of clients that went silent (see IDLE_SECONDS)."""
        now = time.monotonic()
        for job_id, remote in list(self._runs.items()):
            job = self.jobs.live.get(job_id)
            if now - remote.seen <= self.idle_seconds or not self._runs.pop(job_id, None):
                continue
            if isinstance(job, TrainState) and job.status not in FINISHED:
                self.recorder.finish(job, Status.INTERRUPTED, None, {
                    "code": "client_gone", "params": {"seconds": round(self.idle_seconds)},
                    "message": f"the script sent nothing for {self.idle_seconds:.0f} s"})

    # ---- (1) create ------------------------------------------------------------------------
    def create(self, body: Any, owner: str | None = None) -> dict[str, Any]:
        self._reap()
        model = Sequential.from_config(body.spec, rng=0, max_params=self.settings.max_params)
        spec = model.get_config()  # normalised: what the page and infer() rebuild from
        data = None
        if body.dataset is not None:
            try:
                data = datasets.load(body.dataset, 1, body.test_size, spec["input_shape"], 0)
            except ValueError as exc:
                raise ApiError(422, "invalid", str(exc), field="dataset") from None
        # A RunConfig like a page run's, so every reader of a run's config reads this one.
        config = RunConfig(
            name=body.name or "remote run", spec=spec, dataset=body.dataset or "mnist",
            train_size=body.train_size, test_size=body.test_size, loss=body.loss,
            optimizer=body.optimizer, weight_decay=body.weight_decay,
            batch_size=body.batch_size, epochs=body.epochs, seed=0,
            eval_every=0, probe_every=0).model_dump()
        job_id, created = self.jobs.store.create(Kind.REMOTE, config["name"], config, owner)
        job = TrainState(job_id, Kind.REMOTE, config["name"], config, created, owner)
        start = body.initial_epoch * body.steps_per_epoch
        self._runs[job_id] = Remote(secrets.token_urlsafe(24), data,
                                    rate=(time.monotonic(), start, None))
        self.jobs.live[job_id] = job
        self.recorder.status(job_id, Status.RUNNING, started_at=time.time())
        self.recorder.event(job_id, "progress", {
            "step": start, "total_steps": body.epochs * body.steps_per_epoch,
            "epoch": body.initial_epoch, "epochs": body.epochs, "steps_per_sec": None,
            "eta_seconds": None})
        return {"id": job_id, "token": self._runs[job_id].token}

    def _check(self, job_id: int, token: str) -> tuple[TrainState, Remote]:
        self._reap()
        remote = self._runs.get(job_id)
        job = self.jobs.live.get(job_id)
        if remote is None or not isinstance(job, TrainState):
            if self.jobs.store.get(job_id) is None:
                raise ApiError(404, "not_found", f"run {job_id} does not exist")
            raise ApiError(409, "conflict", f"run {job_id} does not take remote updates "
                           "(it ended, or it is not a live remote run of this server process)")
        if not hmac.compare_digest(remote.token.encode(), token.encode()):
            raise ApiError(403, "forbidden", f"wrong token for run {job_id}", field="token")
        if job.status in FINISHED:
            raise ApiError(409, "conflict", f"run {job_id} has already ended ({job.status})")
        remote.seen = time.monotonic()
        return job, remote

    # ---- (2) events ------------------------------------------------------------------------
    def events(self, job_id: int, token: str, events: list[Any], lr: float | None) -> dict:
        job, remote = self._check(job_id, token)
        with remote.lock:  # one client, but requests may overlap after a timeout
            pending: list[list] = []
            for event in events:
                if event.type == "step":
                    pending.append([event.step, event.loss])
                    continue
                self._steps(job, remote, pending, lr)
                pending = []
                self.recorder.event(job_id, "epoch", event.model_dump(exclude={"type"}))
            self._steps(job, remote, pending, lr)
        return {"accepted": len(events)}

    def _steps(self, job: TrainState, remote: Remote, losses: list[list],
               lr: float | None) -> None:
        if not losses:
            return
        step = losses[-1][0]
        now = time.monotonic()
        # Steps per second over windows of >= 1 s of arrivals: one batch of events arrives
        # in a few milliseconds, which says nothing about the client's speed.
        t0, s0, sps = remote.rate
        if now - t0 >= 1.0:
            sps = (step - s0) / (now - t0)
            remote.rate = (now, step, sps)
        total = job.progress.get("total_steps") or step
        finite = [loss for _, loss in losses if loss is not None]
        epoch = len(job.epochs) + 1
        self.recorder.event(job.id, "step", {
            "loss_sum": sum(finite), "count": len(finite), "last_loss": losses[-1][1],
            "step": step, "epoch": epoch, "steps_per_sec": sps,
            "eta_seconds": (total - step) / sps if sps else None, "lr": lr,
            "total_steps": total, "losses": losses})

    # ---- (3) weights -----------------------------------------------------------------------
    def weights(self, job_id: int, token: str, data: bytes, epoch: int | None) -> dict:
        job, remote = self._check(job_id, token)
        try:
            model = load_model(data, rng=0, name="the weights upload")
        except ModelFileError as exc:
            raise ApiError(422, "invalid", str(exc), field="body") from None
        model.compile("sgd", loss=job.config["loss"], metrics=None)  # probabilities as trained
        spec, own = model.get_config(), job.config["spec"]
        if (spec["input_shape"], spec["layers"]) != (own["input_shape"], own["layers"]):
            raise ApiError(422, "invalid", f"these weights belong to another model than run "
                           f"{job_id}'s spec", field="body")
        self.recorder.weights(job_id, model.get_weights())
        remote.latest = data
        self._probe(job, remote, model, epoch)
        return {"version": job.snapshot.version}

    def _probe(self, job: TrainState, remote: Remote, model: Any, epoch: int | None) -> None:
        step, emit = job.progress.get("step"), self.recorder.event
        now = time.monotonic()
        if self.recorder.watched(job.id) and (epoch is not None
                                              or now - remote.probed >= PROBE_EVERY):
            remote.probed = now
            if remote.data is not None:
                emit(job.id, "activations", {"step": step, "layers": probes.activation_histograms(
                    model, remote.data.x_test[:PROBE_SIZE])})
            emit(job.id, "weights", {"step": step, "params": probes.weight_histograms(model)})
            for index in probes.conv_layers(model)[:1]:
                emit(job.id, "filters", {"step": step, **probes.filters(model, index)},
                     layer=index)
        if epoch is not None and remote.data is not None:
            d = remote.data
            result = probes.evaluate(model, d.x_test, d.y_test, len(d.classes), d.image_shape)
            emit(job.id, "evaluation", {"step": step, "epoch": epoch, **result})

    # ---- (4) end ---------------------------------------------------------------------------
    def end(self, job_id: int, token: str, status: str, error: str | None,
            result: dict[str, Any] | None) -> dict:
        job, remote = self._check(job_id, token)
        self._runs.pop(job_id, None)
        if remote.latest is not None and status in ("completed", "stopped"):
            _write_atomically(self.recorder.weights_path(job_id), remote.latest)
        ev = job.last_evaluation
        summary = {"epochs": job.epochs[-1] if job.epochs else None,
                   "evaluation": None if ev is None else {"accuracy": ev["accuracy"],
                                                          "confusion": ev["confusion"]},
                   **(result or {})}
        self.recorder.finish(job, Status(status), summary,
                             None if error is None else {"code": status, "message": error})
        return self.jobs.get_run(job_id, history=False)


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp-remote", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
