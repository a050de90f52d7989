"""What a finished or live run answers: predictions on its weights, its test set evaluated,
its toy points.  A part of JobService (a mixin: it reads the service's live jobs and rows)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..engine import Sequential
from . import datasets, probes, training
from .config import RunConfig
from .errors import ConfigError, Conflict
from .model import FINISHED, Kind
from .state import TrainState

T = TypeVar("T")
CACHED_PROBS = 8  # test-set probabilities kept for paging through a cell: 10,000 × 10 = 0.8 MB


class ProbsCache:
    """The test set's probabilities per (run, weights version): paging through a cell, or a
    second cell of the same weights, does not run the whole test set through the model again."""

    def __init__(self, size: int = CACHED_PROBS) -> None:
        self.size, self.lock, self.items = size, threading.Lock(), OrderedDict()

    def get(self, key: Any, compute: Callable[[], np.ndarray]) -> np.ndarray:
        if key is None:  # nothing to reuse: compute() answers (or raises) as it is
            return compute()
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        probs = compute()  # outside the lock: one slow model does not hold up the others
        with self.lock:
            self.items[key] = probs
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return probs


class Predictions:
    live: dict[int, Any]
    recorder: Any
    probs_cache: ProbsCache  # made by JobService.__init__
    _row: Callable[..., dict[str, Any]]

    # -- inference -----------------------------------------------------------------------
    def infer(self, job_id: int, fn: Callable[[Any], T]) -> T:
        """``fn(model)`` on a model of its own holding the run's latest published weights
        (the training model is never touched)."""
        job = self.live.get(job_id)
        if isinstance(job, TrainState) and not self._ended_elsewhere(job):
            if job.snapshot.weights is None:
                raise Conflict(f"run {job_id} has no weights yet (status {job.status})",
                               code="no_weights_yet", id=job_id, status=str(job.status))
            spec = job.config["spec"]
            return job.snapshot.run(
                lambda: Sequential.from_config(spec, rng=np.random.default_rng(0)), fn)
        self._row(job_id, Kind.TRAIN)
        path = self.recorder.weights_path(job_id)
        if not path.exists():
            raise Conflict(f"run {job_id} left no saved weights (only completed runs keep "
                           "their weights across restarts)", code="no_weights", id=job_id)
        return fn(Sequential.load(str(path)))

    def evaluate(self, job_id: int) -> dict[str, Any]:
        """The test set of the run's config (reloaded: runs do not keep data in memory)."""
        config = RunConfig.model_validate(self._row(job_id, Kind.TRAIN)["config"])
        data = training.load_data(config)
        return self.infer(job_id, lambda m: probes.evaluate(
            m, data.x_test, data.y_test, len(data.classes), data.image_shape))

    def cell(self, job_id: int, true: int, pred: int, offset: int, limit: int) -> dict[str, Any]:
        """Every test example the run's newest weights put in one confusion-matrix cell."""
        config = RunConfig.model_validate(self._row(job_id, Kind.TRAIN)["config"])
        top = len(datasets.dataset_info(config.dataset).classes) - 1  # checked before loading
        for field, value in (("true", true), ("pred", pred)):
            if value > top:
                raise ConfigError(f"{field} {value} is not a class of {config.dataset} (0..{top})",
                                  field, code="less_than_equal", le=top, input=value)
        data = training.load_data(config)
        probs = self.probs_cache.get(
            self._weights_key(job_id),
            lambda: self.infer(job_id, lambda m: probes.class_probs(m, data.x_test)))
        return probes.cell_probs(probs, data.x_test, data.y_test, true, pred, data.image_shape,
                                 offset, limit)

    def _ended_elsewhere(self, job: TrainState) -> bool:
        """A run this server only mirrors (on a cluster another node trained it) that has
        ended and saved its weights: the mirror never holds them, the shared file does.
        (Seen in the cluster test: a prediction right after the run ended got a 409.)"""
        return (job.snapshot.weights is None and job.status in FINISHED
                and self.recorder.weights_path(job.id).exists())

    def _weights_key(self, job_id: int) -> tuple | None:
        """Which weights a prediction would use now: a live run's published version, or the
        saved file (its mtime: a finished run's weights do not change)."""
        job = self.live.get(job_id)
        if isinstance(job, TrainState) and not self._ended_elsewhere(job):
            return job_id, "live", job.snapshot.version
        try:
            return job_id, "saved", self.recorder.weights_path(job_id).stat().st_mtime_ns
        except OSError:
            return None  # no weights: infer() answers 409

    def points(self, job_id: int, limit: int) -> dict[str, list]:
        cfg = self._row(job_id, Kind.TRAIN)["config"]
        try:
            return datasets.toy_points(cfg["dataset"], cfg["train_size"], cfg["seed"], limit)
        except ValueError as exc:
            raise Conflict(str(exc), "dataset", code="not_toy",
                           dataset=cfg["dataset"]) from None
