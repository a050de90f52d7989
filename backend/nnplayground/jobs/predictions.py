"""What a finished or live run answers: predictions on its weights, its test set evaluated,
its toy points.  A part of JobService (a mixin: it reads the service's live jobs and rows)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from ..engine import Sequential
from . import datasets, probes, training
from .config import RunConfig
from .errors import Conflict
from .model import Kind
from .state import TrainState

T = TypeVar("T")


class Predictions:
    live: dict[int, Any]
    recorder: Any
    _row: Callable[..., dict[str, Any]]

    # -- inference -----------------------------------------------------------------------
    def infer(self, job_id: int, fn: Callable[[Any], T]) -> T:
        """``fn(model)`` on a model of its own holding the run's latest published weights
        (the training model is never touched)."""
        job = self.live.get(job_id)
        if isinstance(job, TrainState):
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

    def points(self, job_id: int, limit: int) -> dict[str, list]:
        cfg = self._row(job_id, Kind.TRAIN)["config"]
        try:
            return datasets.toy_points(cfg["dataset"], cfg["train_size"], cfg["seed"], limit)
        except ValueError as exc:
            raise Conflict(str(exc), "dataset", code="not_toy",
                           dataset=cfg["dataset"]) from None
