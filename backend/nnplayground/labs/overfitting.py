"""Overfitting and how to fight it (the book, ch. 6 §6.4: overfit_weight_decay.py and
overfit_dropout.py).  300 training images, 784 → 100×6 → 10 ReLU, SGD lr 0.01, batch 100,
201 epochs (301 in the dropout script); weight decay λ (the book: 0.1) and/or dropout (the
book: ratio 0.2, scaled at test time as the book's layer does: ``dropout_mode="book"``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from .base import QUIET, Hooks
from .common import accuracy, compile_classifier, mlp, mnist_subset, train_epochs
from .registry import LabParams, lab


class Params(LabParams):
    epochs: Annotated[int, Field(ge=1, le=500)] = 201
    weight_decay: Annotated[float, Field(ge=0, le=10)] = 0.0
    dropout: Annotated[float, Field(ge=0, lt=1)] = 0.0
    # "book": unscaled while training, × (1 − ratio) at test time (common/layers.py);
    # "inverted": × 1/(1 − ratio) while training, identity at test time (the engine default).
    dropout_mode: Literal["book", "inverted"] = "book"
    train_size: Annotated[int, Field(ge=10, le=60000)] = 300
    test_size: Annotated[int, Field(ge=10, le=10000)] = 10000
    batch_size: Annotated[int, Field(ge=1, le=1000)] = 100
    lr: Annotated[float, Field(gt=0, le=10)] = 0.01
    seed: Annotated[int, Field(ge=0, le=2**32 - 1)] = 0
    eval_every: Annotated[int, Field(ge=1, le=500)] = 1


@lab("overfitting", Params, section="6.4")
def run(epochs: int, weight_decay: float, dropout: float, dropout_mode: str, train_size: int,
        test_size: int, batch_size: int, lr: float, seed: int, eval_every: int,
        hooks: Hooks = QUIET) -> dict[str, Any]:
    x, y, xt, yt = mnist_subset(train_size, test_size)
    net = mlp([100] * 6, init="he", dropout=dropout, dropout_mode=dropout_mode, seed=seed)
    model = compile_classifier(net, "sgd", lr, weight_decay=weight_decay)
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
            "weight_decay": weight_decay, "dropout": dropout, "dropout_mode": dropout_mode}
