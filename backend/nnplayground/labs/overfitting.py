"""Overfitting and how to fight it (the book, ch. 6 §6.4: overfit_weight_decay.py and
overfit_dropout.py).  300 training images, 784 → 100×6 → 10 ReLU, SGD lr 0.01, batch 100,
201 epochs; weight decay λ (the book: 0.1) and/or dropout (the book: ratio 0.2)."""

from __future__ import annotations

from typing import Any

from .base import QUIET, Hooks, LabError, check_int
from .common import accuracy, compile_classifier, mlp, mnist_subset, train_epochs


def run(epochs: int = 201, weight_decay: float = 0.0, dropout: float = 0.0,
        train_size: int = 300, test_size: int = 10000, batch_size: int = 100,
        lr: float = 0.01, seed: int = 0, eval_every: int = 1,
        hooks: Hooks = QUIET) -> dict[str, Any]:
    check_int("epochs", epochs, 1, 500)
    check_int("train_size", train_size, 10, 60000)
    check_int("test_size", test_size, 10, 10000)
    check_int("batch_size", batch_size, 1, 1000)
    check_int("eval_every", eval_every, 1, 500)
    if not 0 <= weight_decay <= 10:
        raise LabError(f"weight_decay must be in [0, 10], got {weight_decay}", "weight_decay")
    if not 0 <= dropout < 1:
        raise LabError(f"dropout must be in [0, 1), got {dropout}", "dropout")
    if not 0 < lr <= 10:
        raise LabError(f"lr must be in (0, 10], got {lr}", "lr")
    x, y, xt, yt = mnist_subset(train_size, test_size)
    model = compile_classifier(mlp([100] * 6, init="he", dropout=dropout, seed=seed), "sgd", lr,
                             weight_decay=weight_decay)
    measured: list[int] = []
    train_acc: list[float] = []
    test_acc: list[float] = []

    def record(epoch: int) -> None:
        # The book measures every epoch; evaluating 10,000 test images costs more than the
        # 3 training steps of an epoch, so quick runs may measure less often.
        if epoch % eval_every and epoch != epochs:
            return
        measured.append(epoch)
        train_acc.append(accuracy(model, x, y))
        test_acc.append(accuracy(model, xt, yt))
        hooks.report({"epoch": epoch, "epochs": epochs,
                      "train_acc": train_acc[-1], "test_acc": test_acc[-1]})

    train_epochs({"net": model}, x, y, epochs=epochs, batch_size=batch_size, hooks=hooks,
                 on_epoch=record, seed=seed)
    return {"epochs": measured, "train_acc": train_acc, "test_acc": test_acc,
            "final": {"train": train_acc[-1], "test": test_acc[-1],
                      "gap": train_acc[-1] - test_acc[-1]},
            "weight_decay": weight_decay, "dropout": dropout}
