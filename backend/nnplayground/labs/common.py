"""What the MNIST labs share: the book's subsets, its MultiLayerNet as a model spec, and the
side-by-side training loop of its compare scripts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ..engine.model import Sequential
from ..engine.optimizers import OPTIMIZERS
from .base import Hooks, LabError
from .registry import LabParams

# Parameter types several labs share (their bounds written once).
Seed = Annotated[int, Field(ge=0, le=2**32 - 1)]
OptimizerName = Literal["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
Lr = Annotated[float, Field(gt=0, le=10)]
BatchSize = Annotated[int, Field(ge=1, le=1000)]


class TrainBatchParams(LabParams):
    """Parameters of a lab that draws mini-batches of ``batch_size`` from ``train_size``
    images: a batch larger than the training set is a relation no single field can check."""

    @model_validator(mode="after")
    def _batch_fits(self) -> TrainBatchParams:
        train, batch = self.train_size, self.batch_size  # type: ignore[attr-defined]
        if batch > train:
            raise LabError(f"batch_size ({batch}) must not exceed train_size ({train})",
                           "batch_size", code="batch_exceeds_train", params={"train_size": train})
        return self


def mnist_subset(train_size: int, test_size: int = 0
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The first ``train_size`` training and ``test_size`` test images, flattened to 784
    floats in [0, 1] (the book's ``load_mnist(normalize=True)``), labels as class ids.
    The book always takes the first images, and so do we (same numbers, run after run)."""
    from ..engine.data import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist()
    return (x_train[:train_size], y_train[:train_size],
            x_test[:test_size], y_test[:test_size])


def mnist_train_only(train_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Training images only: for labs that must never see the test set (the search)."""
    from ..engine.data import load_mnist

    (x_train, y_train), _ = load_mnist()
    return x_train[:train_size], y_train[:train_size]


def mlp_spec(hidden: list[int], *, init: Any = "he", activation: str = "relu",
             batchnorm: bool = False, dropout: float = 0.0, dropout_mode: str = "inverted",
             inputs: int = 784, outputs: int = 10) -> dict[str, Any]:
    """The book's MultiLayerNet(Extend) as a model spec: Dense → [BatchNorm] → activation →
    [Dropout], repeated, then a Dense output layer (softmax lives in the loss)."""
    stack: list[dict[str, Any]] = []
    for units in hidden:
        stack.append({"type": "dense", "units": units, "init": init})
        if batchnorm:
            # The book's BatchNormalization adds 10e-7 to the variance.  With the engine's
            # default 1e-5, tiny init scales (std 1e-4 gives variances ~1e-6) are not
            # normalised and BN stalls where the book's figure shows it learning.
            stack.append({"type": "batchnorm", "eps": 1e-6})
        stack.append({"type": activation})
        if dropout > 0:
            stack.append({"type": "dropout", "rate": dropout, "mode": dropout_mode})
    stack.append({"type": "dense", "units": outputs, "init": init})
    return {"name": "MultiLayerNet", "input_shape": [inputs], "layers": stack}


def mlp(hidden: list[int], *, seed: int = 0, **options: Any) -> Sequential:
    """Build :func:`mlp_spec` with its own seeded generator (one generator per network)."""
    return Sequential.from_config(mlp_spec(hidden, **options), rng=np.random.default_rng(seed))


def compile_classifier(model: Sequential, optimizer: str, lr: float,
                     weight_decay: float = 0.0) -> Sequential:
    model.compile(optimizer=OPTIMIZERS.create(optimizer, lr=lr, weight_decay=weight_decay),
                  loss="softmax_cross_entropy", metrics=["accuracy"])
    return model


def accuracy(model: Sequential, x: np.ndarray, y: np.ndarray, batch: int = 2000) -> float:
    """Inference-mode accuracy, in chunks so 10,000 test images need little memory."""
    if len(x) == 0:
        return float("nan")
    hits = 0
    for i in range(0, len(x), batch):
        pred = np.asarray(model.predict(x[i:i + batch])).argmax(axis=1)
        hits += int((pred == y[i:i + batch]).sum())
    return hits / len(x)


def smooth(values: list[float], window: int = 10) -> list[float]:
    """Moving average of the last ``window`` values (the book smooths its loss curves)."""
    out, acc = [], 0.0
    for i, v in enumerate(values):
        acc += v
        if i >= window:
            acc -= values[i - window]
        out.append(acc / min(i + 1, window))
    return out


def train_side_by_side(models: dict[str, Sequential], x: np.ndarray, y: np.ndarray, *,
                       iterations: int, batch_size: int, hooks: Hooks, seed: int = 0,
                       report_every: int = 10) -> dict[str, list[float]]:
    """The book's compare scripts: at each iteration draw one random mini-batch
    (``np.random.choice``, with replacement) and take one step on EVERY network with it, so
    the curves differ only by what is being compared.  Streams the mean loss of the last
    ``report_every`` steps per network; returns every step's loss."""
    rng = np.random.default_rng(seed)
    losses: dict[str, list[float]] = {name: [] for name in models}
    for it in range(1, iterations + 1):
        if hooks.stopped():
            break
        idx = rng.choice(len(x), batch_size)
        xb, yb = x[idx], y[idx]
        for name, model in models.items():
            losses[name].append(float(model.train_step(xb, yb)))
        if it % report_every == 0 or it == iterations:
            k = (it - 1) % report_every + 1
            hooks.report({"iteration": it, "iterations": iterations,
                          "loss": {n: float(np.mean(v[-k:])) for n, v in losses.items()}})
    return losses


def train_epochs(models: dict[str, Sequential], x: np.ndarray, y: np.ndarray, *, epochs: int,
                 batch_size: int, hooks: Hooks, on_epoch: Callable[[int], None],
                 seed: int = 0) -> None:
    """The book's Trainer-less scripts: an "epoch" is max(n / batch, 1) iterations of one
    random mini-batch each, shared by every network; ``on_epoch(e)`` runs before training
    (e = 0) and after each epoch, where the scripts record their accuracies."""
    rng = np.random.default_rng(seed)
    per_epoch = max(len(x) // batch_size, 1)
    on_epoch(0)
    for epoch in range(1, epochs + 1):
        for _ in range(per_epoch):
            if hooks.stopped():
                return
            idx = rng.choice(len(x), batch_size)
            for model in models.values():
                model.train_step(x[idx], y[idx])
        on_epoch(epoch)
