"""Batch Normalization across weight scales (the book, ch. 6 §6.3, batch_norm_test.py).

1,000 training images, 784 → 100×5 → 10 ReLU, SGD lr 0.01, batch 100, 20 epochs, for each
of 16 weight scales np.logspace(0, −4, 16): the same net with and without BatchNorm.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field

from .base import QUIET, Hooks
from .common import (
    BatchSize,
    Lr,
    Seed,
    TrainBatchParams,
    accuracy,
    compile_classifier,
    mlp,
    mnist_subset,
    train_epochs,
)
from .registry import lab

BOOK_SCALES = np.logspace(0, -4, num=16)
ScaleIndex = Annotated[int, Field(ge=0, le=len(BOOK_SCALES) - 1)]


class Params(TrainBatchParams):
    epochs: Annotated[int, Field(ge=1, le=100)] = 20
    # Indices into the book's 16 scales (None: all of them), so a quick run can pick a few
    # and still match the book's panels.
    scales: Annotated[list[ScaleIndex], Field(min_length=1, max_length=16)] | None = None
    train_size: Annotated[int, Field(ge=100, le=10000)] = 1000
    batch_size: BatchSize = 100
    lr: Lr = 0.01
    seed: Seed = 0


@lab("batch_norm", Params, section="6.3")
def run(epochs: int, scales: list[int] | None, train_size: int, batch_size: int, lr: float,
        seed: int, hooks: Hooks = QUIET) -> dict[str, Any]:
    picked = list(range(len(BOOK_SCALES))) if scales is None else list(scales)
    x, y, _, _ = mnist_subset(train_size)
    panels = []
    for i in picked:
        if hooks.stopped():
            break
        scale = float(BOOK_SCALES[i])
        init = {"name": "normal", "std": scale}
        models = {name: compile_classifier(mlp([100] * 5, init=init, batchnorm=bn, seed=seed),
                                           "sgd", lr)
                  for name, bn in (("bn", True), ("plain", False))}
        curves: dict[str, list[float]] = {"bn": [], "plain": []}

        def record(epoch: int, models: dict = models, curves: dict = curves,
                   i: int = i, scale: float = scale) -> None:
            for name, model in models.items():
                curves[name].append(accuracy(model, x, y))
            hooks.report({"scale_index": i, "scale": scale, "epoch": epoch,
                          "train_acc": {n: c[-1] for n, c in curves.items()}})

        train_epochs(models, x, y, epochs=epochs, batch_size=batch_size, hooks=hooks,
                     on_epoch=record, seed=seed + i)
        panels.append({"scale_index": i, "scale": scale, "train_acc": curves})
    return {"epochs": epochs, "panels": panels,
            "scales": [float(s) for s in BOOK_SCALES]}
