"""Perceptrons (the book, ch. 2) and decision boundaries of a small MLP on 2-D toy sets.

A perceptron is a Dense layer with one unit and fixed weights followed by the engine's Step
layer: y = 1 if w1·x1 + w2·x2 + b > 0 else 0.  XOR is not linearly separable, so no single
perceptron computes it; two layers do (the book: XOR = AND(NAND, OR)).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from ..engine.data import TOY_DATASETS, make_toy
from ..engine.model import Sequential
from .base import QUIET, Hooks, rounded
from .common import OptimizerName, Seed, compile_classifier
from .registry import LabParams, lab

# The book's parameters (§2.3): any (w1, w2, b) on the right side of the four points works.
GATES: dict[str, tuple[float, float, float]] = {
    "and": (0.5, 0.5, -0.7),
    "nand": (-0.5, -0.5, 0.7),
    "or": (0.5, 0.5, -0.2),
}
INPUTS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)
TRUTH = {"and": [0, 0, 0, 1], "nand": [1, 1, 1, 0], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0]}


def _perceptron_layer(weights: np.ndarray, bias: np.ndarray) -> Sequential:
    """Dense(units) + Step with the given weights (inputs × units) and biases."""
    spec = {"input_shape": [weights.shape[0]],
            "layers": [{"type": "dense", "units": weights.shape[1]}, {"type": "step"}]}
    model = Sequential.from_config(spec, rng=np.random.default_rng(0))
    model.set_weights([weights.astype(np.float32), bias.astype(np.float32)])
    return model


Weight = Annotated[float, Field(ge=-100, le=100)]


class GateParams(LabParams):
    w1: Weight
    w2: Weight
    b: Weight


class NoParams(LabParams):
    pass


@lab("perceptron_gate", GateParams, kind="instant", route="/perceptron/gate", section="2.3")
def gate(w1: float, w2: float, b: float) -> dict[str, Any]:
    """Truth table of one perceptron and which gate (if any) it implements."""
    model = _perceptron_layer(np.array([[w1], [w2]]), np.array([b]))
    out = np.asarray(model.predict(INPUTS)).reshape(-1).astype(int).tolist()
    matches = [name for name, table in TRUTH.items() if table == out]
    return {"w1": w1, "w2": w2, "b": b, "inputs": INPUTS.astype(int).tolist(), "outputs": out,
            "matches": matches}


@lab("perceptron_xor", NoParams, kind="instant", route="/perceptron/xor", method="GET",
     section="2.5")
def xor_two_layers() -> dict[str, Any]:
    """NAND and OR side by side in layer 1, AND in layer 2."""
    nand, or_, and_ = GATES["nand"], GATES["or"], GATES["and"]
    hidden_layer = _perceptron_layer(np.array([[nand[0], or_[0]], [nand[1], or_[1]]]),
                                     np.array([nand[2], or_[2]]))
    out_layer = _perceptron_layer(np.array([[and_[0]], [and_[1]]]), np.array([and_[2]]))
    s = np.asarray(hidden_layer.predict(INPUTS))
    y = np.asarray(out_layer.predict(s)).reshape(-1)
    return {"inputs": INPUTS.astype(int).tolist(), "s1_nand": s[:, 0].astype(int).tolist(),
            "s2_or": s[:, 1].astype(int).tolist(), "outputs": y.astype(int).tolist(),
            "layer1": {"nand": list(nand), "or": list(or_)}, "layer2": {"and": list(and_)}}


def _grid(n: int, lim: float) -> tuple[np.ndarray, np.ndarray]:
    axis = np.linspace(-lim, lim, n, dtype=np.float32)
    gx, gy = np.meshgrid(axis, axis)
    return axis, np.stack([gx.ravel(), gy.ravel()], axis=1)


class ToyParams(LabParams):
    dataset: Literal[tuple(TOY_DATASETS)] = "spiral"  # type: ignore[valid-type]
    hidden: Annotated[list[Annotated[int, Field(ge=1, le=64)]], Field(max_length=6)] = [8, 8]
    activation: Literal["tanh", "relu", "sigmoid", "leakyrelu"] = "tanh"
    optimizer: OptimizerName = "adam"
    lr: Annotated[float, Field(gt=0, le=10)] = 0.03
    epochs: Annotated[int, Field(ge=1, le=2000)] = 200
    n: Annotated[int, Field(ge=10, le=2000)] = 300
    noise: Annotated[float, Field(ge=0, le=1)] = 0.1
    batch_size: Annotated[int, Field(ge=1, le=2000)] = 10
    grid: Annotated[int, Field(ge=10, le=80)] = 40
    every: Annotated[int, Field(ge=1, le=500)] = 10
    seed: Seed = 0


@lab("toy_boundary", ToyParams, section="2.5")
def train_toy(dataset: str, hidden: list[int], activation: str, optimizer: str, lr: float,
              epochs: int, n: int, noise: float, batch_size: int, grid: int, every: int,
              seed: int, hooks: Hooks = QUIET) -> dict[str, Any]:
    """An MLP on a toy set; every ``every`` epochs streams P(class 1) on a grid × grid mesh."""
    x, y = make_toy(dataset, n=n, noise=noise, seed=seed)
    layers: list[dict[str, Any]] = []
    for units in hidden:
        layers += [{"type": "dense", "units": units, "init": "xavier_normal"},
                   {"type": activation}]
    layers.append({"type": "dense", "units": 2, "init": "xavier_normal"})
    model = Sequential.from_config({"input_shape": [2], "layers": layers},
                                   rng=np.random.default_rng(seed))
    compile_classifier(model, optimizer, lr)
    lim = float(np.abs(x).max()) * 1.1
    axis, mesh = _grid(grid, lim)
    hooks.report({"points": {"x": rounded(x, 4), "y": y.tolist()}, "axis": rounded(axis, 4)})
    rng = np.random.default_rng(seed + 1)
    loss = float("nan")
    for epoch in range(1, epochs + 1):
        if hooks.stopped():
            break
        order = rng.permutation(n)
        losses = [model.train_step(x[order[i:i + batch_size]], y[order[i:i + batch_size]])
                  for i in range(0, n, batch_size)]
        loss = float(np.mean(losses))
        if epoch % every == 0 or epoch == epochs:
            prob = np.asarray(model.predict_proba(mesh))[:, 1].reshape(grid, grid)
            acc = float((np.asarray(model.predict(x)).argmax(1) == y).mean())
            hooks.report({"epoch": epoch, "loss": loss, "accuracy": acc,
                          "z": rounded(prob, 3)})
    return {"loss": loss, "accuracy": float((np.asarray(model.predict(x)).argmax(1) == y).mean())}
