"""Batch Normalization across weight scales (the book, ch. 6 §6.3, batch_norm_test.py).

1,000 training images, 784 → 100×5 → 10 ReLU, SGD lr 0.01, batch 100, 20 epochs, for each
of 16 weight scales np.logspace(0, −4, 16): the same net with and without BatchNorm.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import QUIET, Hooks, LabError, check_int
from .common import accuracy, compile_classifier, mlp, mnist_subset, train_epochs

BOOK_SCALES = np.logspace(0, -4, num=16)


def run(epochs: int = 20, scales: list[int] | None = None, train_size: int = 1000,
        batch_size: int = 100, lr: float = 0.01, seed: int = 0,
        hooks: Hooks = QUIET) -> dict[str, Any]:
    """``scales`` are indices into the book's 16 scales (all of them by default), so a quick
    run can pick a few and still match the book's panels."""
    check_int("epochs", epochs, 1, 100)
    check_int("train_size", train_size, batch_size, 10000)
    check_int("batch_size", batch_size, 1, 1000)
    picked = list(range(len(BOOK_SCALES))) if scales is None else list(scales)
    if not picked:
        raise LabError("pick at least one weight scale", "scales")
    for i in picked:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(BOOK_SCALES):
            raise LabError(f"scale index must be 0..{len(BOOK_SCALES) - 1}, got {i!r}", "scales")
    if not 0 < lr <= 10:
        raise LabError(f"lr must be in (0, 10], got {lr}", "lr")
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
