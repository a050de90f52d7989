"""SGD, Momentum, AdaGrad and Adam on MNIST (the book, ch. 6 §6.1.8,
optimizer_compare_mnist.py): 784 → 100×4 → 10 ReLU, He init, batch 128, 2000 iterations."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from .base import QUIET, Hooks
from .common import (
    BatchSize,
    Lr,
    OptimizerName,
    Seed,
    TrainBatchParams,
    compile_classifier,
    mlp,
    mnist_subset,
    smooth,
    train_side_by_side,
)
from .registry import lab

BOOK_LRS = {"sgd": 0.01, "momentum": 0.01, "adagrad": 0.01, "adam": 0.001}
OPTIONAL = {"nesterov": 0.01, "rmsprop": 0.001}  # not in the book's figure; can be added


class Params(TrainBatchParams):
    iterations: Annotated[int, Field(ge=1, le=5000)] = 2000
    batch_size: BatchSize = 128
    train_size: Annotated[int, Field(ge=100, le=60000)] = 60000
    lrs: Annotated[dict[OptimizerName, Lr], Field(min_length=1)] | None = None  # None: book's
    seed: Seed = 0


@lab("optimizers_mnist", Params, section="6.1.8")
def run(iterations: int, batch_size: int, train_size: int, lrs: dict[str, float] | None,
        seed: int, hooks: Hooks = QUIET) -> dict[str, Any]:
    rates = dict(BOOK_LRS) if lrs is None else dict(lrs)
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

