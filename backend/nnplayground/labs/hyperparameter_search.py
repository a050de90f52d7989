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


def split(train_size: int, validation_rate: float, seed: int) -> tuple[np.ndarray, ...]:
    """The book's split: the first images, shuffled, the first ``validation_rate`` of them
    held out for validation.  Recomputed by each trial, wherever it runs."""
    x, y = mnist_train_only(train_size)
    order = np.random.default_rng(seed).permutation(len(x))  # the book shuffles first
    x, y = x[order], y[order]
    n_val = int(len(x) * validation_rate)
    return x[:n_val], y[:n_val], x[n_val:], y[n_val:]


def trial(t: dict[str, Any], hooks: Hooks) -> dict[str, Any] | None:
    """One trial: a fresh network trained with one (lr, weight decay); None if stopped."""
    x_val, y_val, x_tr, y_tr = split(t["train_size"], t["validation_rate"], t["seed"])
    lr, wd, n, epochs = t["lr"], t["weight_decay"], t["trial"], t["epochs"]
    model = compile_classifier(mlp([100] * 6, init="he", seed=t["seed"] + n), "sgd", lr,
                             weight_decay=wd)
    train_acc: list[float] = []
    val_acc: list[float] = []

    def record(epoch: int) -> None:
        train_acc.append(accuracy(model, x_tr, y_tr))
        val_acc.append(accuracy(model, x_val, y_val))
        if epoch % 10 == 0:  # the trial under way, so the page shows something at once
            hooks.report({"running": {"trial": n, "lr": lr, "weight_decay": wd,
                                      "epoch": epoch, "val_curve": list(val_acc)}})

    train_epochs({"net": model}, x_tr, y_tr, epochs=epochs, batch_size=t["batch_size"],
                 hooks=hooks, on_epoch=record, seed=t["seed"] + n)
    if len(val_acc) != epochs + 1:  # stopped halfway: an unfinished trial is no result
        return None
    return {"trial": n, "lr": lr, "weight_decay": wd, "val_acc": val_acc[-1],
            "train_curve": train_acc, "val_curve": val_acc}


@lab("hyperparameter_search", Params, section="6.5")
def run(trials: int, epochs: int, train_size: int, validation_rate: float,
        lr_exp: tuple[float, float], wd_exp: tuple[float, float], batch_size: int, seed: int,
        hooks: Hooks = QUIET) -> dict[str, Any]:
    (lr_lo, lr_hi), (wd_lo, wd_hi) = lr_exp, wd_exp
    rng = np.random.default_rng(seed)
    rng.permutation(min(train_size, 60_000))  # the shuffle's draw, as the book makes it
    plan = []
    for n in range(trials):  # drawn up front, in the book's order, wherever trials run
        lr = float(10 ** rng.uniform(lr_lo, lr_hi))
        wd = float(10 ** rng.uniform(wd_lo, wd_hi))
        plan.append({"trial": n, "lr": lr, "weight_decay": wd, "epochs": epochs,
                     "train_size": train_size, "validation_rate": validation_rate,
                     "batch_size": batch_size, "seed": seed})
    results = []
    for item in hooks.map(trial, plan, hooks):
        if item is None:
            break
        results.append(item)
        hooks.report({"trial": item, "done": len(results), "trials": trials})
    results.sort(key=lambda r: r["trial"])
    x_val = split(train_size, validation_rate, seed)[0]
    best = sorted(results, key=lambda r: r["val_acc"], reverse=True)
    return {"trials": [{k: r[k] for k in ("trial", "lr", "weight_decay", "val_acc")}
                       for r in results],
            "best": best[:5], "train_size": min(train_size, 60_000) - len(x_val),
            "validation_size": len(x_val)}
