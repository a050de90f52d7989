"""Perceptrons (the book, ch. 2) and decision boundaries of a small MLP on 2-D toy sets.

A perceptron is a Dense layer with one unit and fixed weights followed by the engine's Step
layer: y = 1 if w1·x1 + w2·x2 + b > 0 else 0.  XOR is not linearly separable, so no single
perceptron computes it; two layers do (the book: XOR = AND(NAND, OR)).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.data import TOY_DATASETS, make_toy
from ..engine.model import Sequential
from .base import QUIET, Hooks, LabError, check_int, rounded
from .common import compile_classifier

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


def gate(w1: float, w2: float, b: float) -> dict[str, Any]:
    """Truth table of one perceptron and which gate (if any) it implements."""
    for name, v in (("w1", w1), ("w2", w2), ("b", b)):
        if not np.isfinite(v) or abs(v) > 100:
            raise LabError(f"{name} must be a finite number with |{name}| <= 100, got {v}", name)
    model = _perceptron_layer(np.array([[w1], [w2]]), np.array([b]))
    out = np.asarray(model.predict(INPUTS)).reshape(-1).astype(int).tolist()
    matches = [name for name, table in TRUTH.items() if table == out]
    return {"w1": w1, "w2": w2, "b": b, "inputs": INPUTS.astype(int).tolist(), "outputs": out,
            "matches": matches}


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


def train_toy(dataset: str = "spiral", hidden: list[int] | None = None,
              activation: str = "tanh", optimizer: str = "adam", lr: float = 0.03,
              epochs: int = 200, n: int = 300, noise: float = 0.1, batch_size: int = 10,
              grid: int = 40, every: int = 10, seed: int = 0,
              hooks: Hooks = QUIET) -> dict[str, Any]:
    """An MLP on a toy set; every ``every`` epochs streams P(class 1) on a grid × grid mesh."""
    if dataset not in TOY_DATASETS:
        raise LabError(f"unknown dataset {dataset!r}; choose one of: {', '.join(TOY_DATASETS)}",
                       "dataset")
    hidden = [8, 8] if hidden is None else hidden
    if len(hidden) > 6 or any(not isinstance(h, int) or not 1 <= h <= 64 for h in hidden):
        raise LabError(f"hidden must be at most 6 layers of 1..64 units, got {hidden}", "hidden")
    if activation not in ("tanh", "relu", "sigmoid", "leakyrelu"):
        raise LabError(f"activation must be tanh, relu, sigmoid or leakyrelu, got {activation!r}",
                       "activation")
    check_int("epochs", epochs, 1, 2000)
    check_int("n", n, 10, 2000)
    check_int("grid", grid, 10, 80)
    check_int("every", every, 1, 500)
    check_int("batch_size", batch_size, 1, 2000)
    if not 0 <= noise <= 1:
        raise LabError(f"noise must be in [0, 1], got {noise}", "noise")
    if not 0 < lr <= 10:
        raise LabError(f"lr must be in (0, 10], got {lr}", "lr")
    x, y = make_toy(dataset, n=n, noise=noise, seed=seed)
    layers: list[dict[str, Any]] = []
    for units in hidden:
        layers += [{"type": "dense", "units": units, "init": "xavier_normal"},
                   {"type": activation}]
    layers.append({"type": "dense", "units": 2, "init": "xavier_normal"})
    model = Sequential.from_config({"input_shape": [2], "layers": layers},
                                   rng=np.random.default_rng(seed))
    try:
        compile_classifier(model, optimizer, lr)
    except ValueError as exc:
        raise LabError(str(exc), "optimizer") from None
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
