"""Random search for the learning rate and weight decay (the book, ch. 6 §6.5,
hyperparameter_optimization.py).

The book's setup: the first 500 training images, shuffled, 20% carved off as validation data;
784 → 100×6 → 10, SGD, batch 100, 50 epochs; lr = 10^U(−6, −2), weight decay = 10^U(−8, −4).
Only training images are ever loaded here: tuning on the test set would make its accuracy
meaningless, so the search cannot even see it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .base import QUIET, Hooks, LabError, check_int
from .common import accuracy, compile_classifier, mlp, mnist_train_only, train_epochs

MAX_TRIALS = 200


def _log_range(name: str, value: list[float]) -> tuple[float, float]:
    if len(value) != 2 or not value[0] < value[1] or not -12 <= value[0] <= value[1] <= 1:
        raise LabError(f"{name} must be [low, high] exponents with -12 <= low < high <= 1, "
                       f"got {value}", name)
    return float(value[0]), float(value[1])


def run(trials: int = 100, epochs: int = 50, train_size: int = 500,
        validation_rate: float = 0.2, lr_exp: list[float] | None = None,
        wd_exp: list[float] | None = None, batch_size: int = 100, seed: int = 0,
        hooks: Hooks = QUIET) -> dict[str, Any]:
    check_int("trials", trials, 1, MAX_TRIALS)
    check_int("epochs", epochs, 1, 200)
    check_int("train_size", train_size, 20, 10000)
    check_int("batch_size", batch_size, 1, 1000)
    if not 0.05 <= validation_rate <= 0.5:
        raise LabError(f"validation_rate must be in [0.05, 0.5], got {validation_rate}",
                       "validation_rate")
    lr_lo, lr_hi = _log_range("lr_exp", lr_exp or [-6, -2])
    wd_lo, wd_hi = _log_range("wd_exp", wd_exp or [-8, -4])
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
