"""Two experiments from Nielsen's *Neural Networks and Deep Learning*.

``cost_slowdown`` (ch. 3): one sigmoid neuron, input 1, target 0, started saturated at
w = 2, b = 2 (output ≈ 0.98).  With the quadratic cost the gradient carries a factor σ'(z),
tiny when saturated, so learning starts slowly; with cross-entropy that factor cancels.

``approximate`` (ch. 4): N sigmoid hidden units fit a 1-D function (universal approximation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..engine.model import Sequential
from ..engine.optimizers import OPTIMIZERS
from .base import QUIET, Hooks, LabError, check_int, rounded

COSTS = {"quadratic": "mse", "cross_entropy": "sigmoid_bce"}


def _neuron(cost: str, w: float, b: float) -> Sequential:
    # Quadratic: sigmoid is a layer and the loss sees the activation.  Cross-entropy: the loss
    # takes the logit and applies the sigmoid itself (stable, and its gradient is a − y).
    layers: list[dict[str, Any]] = [{"type": "dense", "units": 1}]
    if cost == "quadratic":
        layers.append({"type": "sigmoid"})
    model = Sequential.from_config({"input_shape": [1], "layers": layers},
                                   rng=np.random.default_rng(0))
    model.set_weights([np.array([[w]], dtype=np.float32), np.array([b], dtype=np.float32)])
    return model


def cost_slowdown(w: float = 2.0, b: float = 2.0, x: float = 1.0, y: float = 0.0,
                  lr: float = 0.15, epochs: int = 300) -> dict[str, Any]:
    """Both costs from the same start; per epoch the output a and the cost value."""
    check_int("epochs", epochs, 1, 2000)
    for name, v in (("w", w), ("b", b), ("x", x)):
        if not np.isfinite(v) or abs(v) > 20:
            raise LabError(f"{name} must be in [-20, 20], got {v}", name)
    if not 0 <= y <= 1:
        raise LabError(f"y must be in [0, 1], got {y}", "y")
    if not 0 < lr <= 10:
        raise LabError(f"lr must be in (0, 10], got {lr}", "lr")
    xb = np.array([[x]], dtype=np.float32)
    yb = np.array([[y]], dtype=np.float32)
    out: dict[str, Any] = {}
    for cost, loss in COSTS.items():
        model = _neuron(cost, w, b)
        model.compile(optimizer=OPTIMIZERS.create("sgd", lr=lr), loss=loss)
        outputs, costs = [], []
        for _ in range(epochs + 1):
            a = float(np.asarray(model.predict_proba(xb)).reshape(-1)[0])
            outputs.append(a)
            costs.append(_cost(cost, a, y))
            model.train_step(xb, yb)
        out[cost] = {"output": outputs, "cost": costs}
    return {"epochs": epochs, "lr": lr, "start": {"w": w, "b": b}, **out}


def _cost(cost: str, a: float, y: float) -> float:
    if cost == "quadratic":
        return 0.5 * (y - a) ** 2
    a = min(max(a, 1e-12), 1 - 1e-12)
    return float(-(y * np.log(a) + (1 - y) * np.log(1 - a)))


TARGETS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    # Nielsen's wiggly example from ch. 4.
    "nielsen": lambda x: 0.2 + 0.4 * x**2 + 0.3 * x * np.sin(15 * x) + 0.05 * np.cos(50 * x),
    "sine": lambda x: 0.5 + 0.4 * np.sin(2 * np.pi * x),
    "step": lambda x: np.where(x < 0.5, 0.2, 0.8),
    "bump": lambda x: 0.1 + 0.8 * np.exp(-((x - 0.5) ** 2) / 0.01),
}


def approximate(target: str = "sine", hidden: int = 10, iterations: int = 3000,
                lr: float = 0.05, points: int = 200, every: int = 50, seed: int = 0,
                hooks: Hooks = QUIET) -> dict[str, Any]:
    """Fit target on [0, 1] with one hidden sigmoid layer (full batch, Adam, MSE); streams the
    fitted curve every ``every`` iterations."""
    if target not in TARGETS:
        raise LabError(f"unknown target {target!r}; choose one of: {', '.join(TARGETS)}",
                       "target")
    check_int("hidden", hidden, 1, 200)
    check_int("iterations", iterations, 1, 20000)
    check_int("points", points, 10, 1000)
    check_int("every", every, 1, 5000)
    if not 0 < lr <= 1:
        raise LabError(f"lr must be in (0, 1], got {lr}", "lr")
    x = np.linspace(0, 1, points, dtype=np.float32).reshape(-1, 1)
    y = TARGETS[target](x).astype(np.float32)
    spec = {"input_shape": [1], "layers": [
        {"type": "dense", "units": hidden, "init": "xavier_normal"}, {"type": "sigmoid"},
        {"type": "dense", "units": 1, "init": "xavier_normal"}]}
    model = Sequential.from_config(spec, rng=np.random.default_rng(seed))
    model.compile(optimizer=OPTIMIZERS.create("adam", lr=lr), loss="mse")
    hooks.report({"x": rounded(x.ravel(), 4), "target": rounded(y.ravel(), 4)})
    loss = float("nan")
    for it in range(1, iterations + 1):
        if hooks.stopped():
            break
        loss = float(model.train_step(x, y))
        if it % every == 0 or it == iterations:
            fit = np.asarray(model.predict(x)).ravel()
            hooks.report({"iteration": it, "loss": loss, "fit": rounded(fit, 4)})
    return {"loss": loss, "fit": rounded(np.asarray(model.predict(x)).ravel(), 4),
            "x": rounded(x.ravel(), 4), "target": rounded(y.ravel(), 4)}
