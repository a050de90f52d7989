"""Random search for the learning rate and weight decay (the book, ch. 6 §6.5,
hyperparameter_optimization.py).

The book's setup: the first 500 training images, shuffled, 20% carved off as validation data;
784 → 100×6 → 10, SGD, batch 100, 50 epochs; lr = 10^U(−6, −2), weight decay = 10^U(−8, −4).
Only training images are ever loaded here: tuning on the test set would make its accuracy
meaningless, so the search cannot even see it.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from pydantic import Field, field_validator

from .base import QUIET, Hooks, LabError
from .common import (
    BatchSize,
    Seed,
    accuracy,
    compile_classifier,
    mlp,
    mnist_train_only,
    train_epochs,
)
from .registry import LabParams, lab

Exponent = Annotated[float, Field(ge=-12, le=1)]


class Params(LabParams):
    trials: Annotated[int, Field(ge=1, le=200)] = 100
    epochs: Annotated[int, Field(ge=1, le=200)] = 50
    train_size: Annotated[int, Field(ge=100, le=10000)] = 500
    validation_rate: Annotated[float, Field(ge=0.05, le=0.5)] = 0.2
    lr_exp: tuple[Exponent, Exponent] = (-6.0, -2.0)
    wd_exp: tuple[Exponent, Exponent] = (-8.0, -4.0)
    batch_size: BatchSize = 100
    seed: Seed = 0

    @field_validator("lr_exp", "wd_exp")
    @classmethod
    def _low_below_high(cls, value: tuple[float, float], info: Any) -> tuple[float, float]:
        if not value[0] < value[1]:
            raise LabError(f"{info.field_name} must be [low, high] exponents with low < high, "
                           f"got {list(value)}", info.field_name, code="low_not_below_high")
        return value


@lab("hyperparameter_search", Params, section="6.5")
def run(trials: int, epochs: int, train_size: int, validation_rate: float,
        lr_exp: tuple[float, float], wd_exp: tuple[float, float], batch_size: int, seed: int,
        hooks: Hooks = QUIET) -> dict[str, Any]:
    (lr_lo, lr_hi), (wd_lo, wd_hi) = lr_exp, wd_exp
    rng = np.random.default_rng(seed)
    x, y = mnist_train_only(train_size)
    order = rng.permutation(len(x))  # the book shuffles before splitting
    x, y = x[order], y[order]
    n_val = int(len(x) * validation_rate)
    x_val, y_val, x_tr, y_tr = x[:n_val], y[:n_val], x[n_val:], y[n_val:]
    results = []
    for trial in range(trials):
        if hooks.stopped():
            break
        lr = float(10 ** rng.uniform(lr_lo, lr_hi))
        wd = float(10 ** rng.uniform(wd_lo, wd_hi))
        model = compile_classifier(mlp([100] * 6, init="he", seed=seed + trial), "sgd", lr,
                                 weight_decay=wd)
        train_acc: list[float] = []
        val_acc: list[float] = []

        def record(epoch: int, model: Any = model, train_acc: list = train_acc,
                   val_acc: list = val_acc, trial: int = trial, lr: float = lr,
                   wd: float = wd) -> None:
            train_acc.append(accuracy(model, x_tr, y_tr))
            val_acc.append(accuracy(model, x_val, y_val))
            if epoch % 10 == 0:  # the trial under way, so the page shows something at once
                hooks.report({"running": {"trial": trial, "lr": lr, "weight_decay": wd,
                                          "epoch": epoch, "val_curve": list(val_acc)}})

        train_epochs({"net": model}, x_tr, y_tr, epochs=epochs, batch_size=batch_size,
                     hooks=hooks, on_epoch=record, seed=seed + trial)
        if len(val_acc) != epochs + 1:  # stopped halfway: an unfinished trial is no result
            break
        item = {"trial": trial, "lr": lr, "weight_decay": wd, "val_acc": val_acc[-1],
                "train_curve": train_acc, "val_curve": val_acc}
        results.append(item)
        hooks.report({"trial": item, "done": len(results), "trials": trials})
    best = sorted(results, key=lambda r: r["val_acc"], reverse=True)
    return {"trials": [{k: r[k] for k in ("trial", "lr", "weight_decay", "val_acc")}
                       for r in results],
            "best": best[:5], "train_size": len(x_tr), "validation_size": n_val}
