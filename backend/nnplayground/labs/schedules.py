"""Learning-rate schedules: the same network, the same mini-batches, four ways of moving the
learning rate during training — constant, step decay, cosine, and linear warm-up then cosine.

Not an experiment of the book (it keeps lr fixed, §6.1, and decays it only inside AdaGrad);
it follows the book's compare scripts: every network starts from identical weights and takes
its step on the same random batch, so the curves differ only by the schedule.
"""

from __future__ import annotations

import math
from collections.abc import Callable
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
    smooth,
)
from .registry import lab

Schedule = Callable[[int], float]  # iteration (0-based) -> multiplier of the base lr


def schedules(iterations: int, warmup: float) -> dict[str, Schedule]:
    warm = max(1, round(warmup * iterations))

    def cosine(i: int, start: int = 0) -> float:
        return 0.5 * (1 + math.cos(math.pi * (i - start) / max(1, iterations - start)))

    return {
        "constant": lambda i: 1.0,
        # ×0.1 at half and again at three quarters of the run (the usual ResNet-style steps).
        "step": lambda i: 0.1 ** ((i >= iterations // 2) + (i >= 3 * iterations // 4)),
        "cosine": cosine,
        "warmup_cosine": lambda i: (i + 1) / warm if i < warm else cosine(i, warm),
    }


class Params(TrainBatchParams):
    iterations: Annotated[int, Field(ge=10, le=5000)] = 1000
    lr: Lr = 0.1
    warmup: Annotated[float, Field(ge=0, le=0.5)] = 0.1
    train_size: Annotated[int, Field(ge=100, le=60000)] = 10000
    test_size: Annotated[int, Field(ge=100, le=10000)] = 10000
    batch_size: BatchSize = 100
    report_every: Annotated[int, Field(ge=1, le=500)] = 20
    seed: Seed = 0


@lab("lr_schedules", Params, section="6.1")
def run(iterations: int, lr: float, warmup: float, train_size: int, test_size: int,
        batch_size: int, report_every: int, seed: int, hooks: Hooks = QUIET) -> dict[str, Any]:
    x, y, xt, yt = mnist_subset(train_size, test_size)
    rules = schedules(iterations, warmup)
    # Same seed: identical He-initialised weights; only the schedule differs.
    models = {name: compile_classifier(mlp([100, 100], init="he", seed=seed), "sgd", lr)
              for name in rules}
    rng = np.random.default_rng(seed)
    losses: dict[str, list[float]] = {n: [] for n in rules}
    rates: dict[str, list[float]] = {n: [] for n in rules}
    for it in range(iterations):
        if hooks.stopped():
            break
        idx = rng.choice(len(x), batch_size)
        for name, model in models.items():
            model.optimizer.lr = lr * rules[name](it)
            rates[name].append(model.optimizer.lr)
            losses[name].append(float(model.train_step(x[idx], y[idx])))
        if (it + 1) % report_every == 0 or it + 1 == iterations:
            k = it % report_every + 1
            hooks.report({"iteration": it + 1, "iterations": iterations,
                          "loss": {n: float(np.mean(v[-k:])) for n, v in losses.items()},
                          "lr": {n: v[-1] for n, v in rates.items()}})
    done = len(next(iter(losses.values())))
    return {"iterations": done, "lr": lr,
            "rates": {n: v[::max(1, done // 200)] for n, v in rates.items()},
            "smoothed": {n: smooth(v, 20)[::max(1, report_every // 2)]
                         for n, v in losses.items()},
            "test_accuracy": {n: accuracy(m, xt, yt) for n, m in models.items()},
            "test_size": test_size}
