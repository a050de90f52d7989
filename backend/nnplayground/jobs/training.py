"""The body of a training-run job: data, model, ``fit`` with the run's callbacks, and the
final weights.  It sees only its RunConfig and its JobContext."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import OPTIMIZERS, Sequential
from ..engine.callbacks import Callback, lr_schedule
from . import datasets
from .callbacks import (
    ControlCallback,
    EvaluationCallback,
    ProbeCallback,
    SnapshotCallback,
    StreamCallback,
)
from .config import RunConfig
from .context import JobContext, StopJob
from .model import Status

PROBE_SIZE = 100  # training images the activation histograms are computed on


def build_model(config: RunConfig) -> Sequential:
    model = Sequential.from_config(config.spec, rng=np.random.default_rng(config.seed))
    opt = {**config.optimizer.model_dump(), "weight_decay": config.weight_decay}
    model.compile(optimizer=OPTIMIZERS.create(opt), loss=config.loss, metrics=["accuracy"])
    return model


def load_data(config: RunConfig) -> datasets.RunData:
    return datasets.load(config.dataset, config.train_size, config.test_size,
                         config.spec["input_shape"], config.seed)


def train(config: RunConfig, ctx: JobContext, snapshot_interval: float) -> dict[str, Any]:
    """Train; return the run's result.  Raises StopJob for stopped / diverged runs."""
    data = load_data(config)
    model = build_model(config)
    ctx.check_stop(0)
    stream = StreamCallback(ctx, config.epochs, config.batch_size, len(data.x_train))
    evaluation = EvaluationCallback(ctx, data, config.eval_every, before_emit=stream.flush)
    snapshot = SnapshotCallback(ctx, snapshot_interval)
    callbacks: list[Callback] = [
        evaluation, stream, ProbeCallback(ctx, data.x_train[:PROBE_SIZE], config.probe_every),
        snapshot, ControlCallback(ctx, on_pause=lambda: (stream.flush(), snapshot.publish())),
    ]
    # The presets' schedules (DeepConvNet's x0.75 per epoch, SimpleConvNet's linear decay)
    # are what take them to the book's accuracies in a few epochs; a mid-run lr change is
    # scheduled from.  They run first, so the other callbacks see this batch's lr.
    callbacks[:0] = lr_schedule(config.lr_schedule, config.lr_decay)
    diverged = False
    try:
        with np.errstate(all="ignore"):  # overflow is reported as divergence, not warnings
            model.fit(data.x_train, data.y_train, epochs=config.epochs,
                      batch_size=config.batch_size, shuffle=True, callbacks=callbacks,
                      verbose=0)
    except StopJob as sig:
        diverged = sig.status == Status.DIVERGED
        raise
    finally:
        stream.flush()
        if not diverged:  # predictions keep working on a stopped run's last weights
            snapshot.publish()
        data.x_train = data.y_train = None  # the training set goes as soon as training ends
    ctx.save_model(model)
    ev = evaluation.last
    return {"epochs": stream.epoch_rows[-1] if stream.epoch_rows else None,
            "evaluation": None if ev is None else {"accuracy": ev["accuracy"],
                                                   "confusion": ev["confusion"]},
            "params": model.count_params()}
