"""SGD, Momentum, AdaGrad and Adam on MNIST (the book, ch. 6 §6.1.8,
optimizer_compare_mnist.py): 784 → 100×4 → 10 ReLU, He init, batch 128, 2000 iterations."""

from __future__ import annotations

from typing import Any

from .base import QUIET, Hooks, LabError, check_int
from .common import (
    compile_classifier,
    mlp,
    mnist_subset,
    smooth,
    train_side_by_side,
)

BOOK_LRS = {"sgd": 0.01, "momentum": 0.01, "adagrad": 0.01, "adam": 0.001}
OPTIONAL = {"nesterov": 0.01, "rmsprop": 0.001}  # not in the book's figure; can be added
MAX_ITERATIONS = 5000


def run(iterations: int = 2000, batch_size: int = 128, train_size: int = 60000,
        lrs: dict[str, float] | None = None, seed: int = 0,
        hooks: Hooks = QUIET) -> dict[str, Any]:
    check_int("iterations", iterations, 1, MAX_ITERATIONS)
    check_int("batch_size", batch_size, 1, 1000)
    check_int("train_size", train_size, batch_size, 60000)
    rates = dict(BOOK_LRS) if lrs is None else dict(lrs)
    if not rates:
        raise LabError("pick at least one optimizer", "lrs")
    for name, lr in rates.items():
        if name not in BOOK_LRS and name not in OPTIONAL:
            raise LabError(f"unknown optimizer {name!r}", "lrs")
        if not 0 < lr <= 10:
            raise LabError(f"learning rate of {name} must be in (0, 10], got {lr}", "lrs")
    x, y, _, _ = mnist_subset(train_size)
    # Same seed for every network: identical He-initialised weights, only the optimizer differs.
    models = {name: compile_classifier(mlp([100] * 4, init="he", seed=seed), name, lr)
              for name, lr in rates.items()}
    hooks.report({"phase": "training", "optimizers": list(rates)})
    losses = train_side_by_side(models, x, y, iterations=iterations, batch_size=batch_size,
                                hooks=hooks, seed=seed)
    return {"iterations": len(next(iter(losses.values()))), "lrs": rates,
            "final_loss": {n: float(sum(v[-100:]) / max(1, len(v[-100:])))
                           for n, v in losses.items()},
            "smoothed": {n: smooth(v, 20)[::10] for n, v in losses.items()}}

