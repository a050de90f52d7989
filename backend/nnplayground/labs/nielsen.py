"""Two experiments from Nielsen's *Neural Networks and Deep Learning*.

``cost_slowdown`` (ch. 3): one sigmoid neuron, input 1, target 0, started saturated at
w = 2, b = 2 (output ≈ 0.98).  With the quadratic cost the gradient carries a factor σ'(z),
tiny when saturated, so learning starts slowly; with cross-entropy that factor cancels.

``approximate`` (ch. 4): N sigmoid hidden units fit a 1-D function (universal approximation).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field

from ..engine.model import Sequential
from ..engine.optimizers import OPTIMIZERS
from .base import QUIET, Hooks, LabError, rounded
from .common import Seed
from .registry import LabParams, lab

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


Coordinate = Annotated[float, Field(ge=-20, le=20)]


class CostParams(LabParams):
    w: Coordinate = 2.0
    b: Coordinate = 2.0
    x: Coordinate = 1.0
    y: Annotated[float, Field(ge=0, le=1)] = 0.0
    lr: Annotated[float, Field(gt=0, le=10)] = 0.15
    epochs: Annotated[int, Field(ge=1, le=2000)] = 300


@lab("nielsen_cost", CostParams, kind="instant", route="/nielsen/cost", section="Nielsen 3")
def cost_slowdown(w: float, b: float, x: float, y: float, lr: float,
                  epochs: int) -> dict[str, Any]:
    """Both costs from the same start; per epoch the output a and the cost value."""
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


class ApproximationParams(LabParams):
    target: Literal[tuple(TARGETS)] = "sine"  # type: ignore[valid-type]
    hidden: Annotated[int, Field(ge=1, le=200)] = 10
    iterations: Annotated[int, Field(ge=1, le=20000)] = 3000
    lr: Annotated[float, Field(gt=0, le=1)] = 0.05
    points: Annotated[int, Field(ge=10, le=1000)] = 200
    every: Annotated[int, Field(ge=1, le=5000)] = 50
    seed: Seed = 0


@lab("universal_approximation", ApproximationParams, section="Nielsen 4")
def approximate(target: str, hidden: int, iterations: int, lr: float, points: int, every: int,
                seed: int, hooks: Hooks = QUIET) -> dict[str, Any]:
    """Fit target on [0, 1] with one hidden sigmoid layer (full batch, Adam, MSE); streams the
    fitted curve every ``every`` iterations."""
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


class ConstructionParams(LabParams):
    target: Literal[tuple(TARGETS)] = "nielsen"  # type: ignore[valid-type]
    bumps: Annotated[int, Field(ge=1, le=50)] = 5
    weight: Annotated[float, Field(ge=1, le=1000)] = 1000.0
    # One height per bump (None: the target at the bump's centre, Nielsen's recipe).
    heights: Annotated[list[Annotated[float, Field(ge=-5, le=5)]],
                       Field(max_length=50)] | None = None
    points: Annotated[int, Field(ge=10, le=1000)] = 400


@lab("universal_construction", ConstructionParams, kind="instant", route="/nielsen/construction",
     section="Nielsen 4")
def construction(target: str, bumps: int, weight: float, heights: list[float] | None,
                 points: int) -> dict[str, Any]:
    """Nielsen's hand-built network: hidden sigmoid neurons with a large weight w are steps
    at s = −b/w; a pair of steps at s and s + 1/N with output weights +h and −h is a bump of
    height h on [s, s + 1/N]; N bumps side by side follow the target.  Built as an engine
    network (Dense → Sigmoid → Dense) with these weights set by hand, no training."""
    if heights is not None and len(heights) != bumps:
        raise LabError(f"heights needs one value per bump ({bumps}), got {len(heights)}",
                       "heights", code="heights_count", params={"bumps": bumps})
    edges = np.linspace(0, 1, bumps + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    h = TARGETS[target](centres) if heights is None else np.asarray(heights)
    steps = np.concatenate([edges[:-1], edges[1:]])  # 2N hidden neurons: left, then right
    out_w = np.concatenate([h, -h]).reshape(-1, 1)
    spec = {"input_shape": [1], "layers": [{"type": "dense", "units": 2 * bumps},
                                           {"type": "sigmoid"}, {"type": "dense", "units": 1}]}
    model = Sequential.from_config(spec, rng=np.random.default_rng(0), dtype=np.float64)
    model.set_weights([np.full((1, 2 * bumps), weight), -weight * steps, out_w, np.zeros(1)])
    x = np.linspace(0, 1, points).reshape(-1, 1)
    trace = model.forward_trace(x)
    hidden, out = np.asarray(trace[1]), np.asarray(trace[2]).ravel()
    y = TARGETS[target](x.ravel())
    return {"x": rounded(x.ravel(), 4), "target": rounded(y, 4), "output": rounded(out, 4),
            "steps": rounded(steps, 4), "heights": rounded(h, 4), "weight": weight,
            "bump_outputs": [rounded(h[i] * (hidden[:, i] - hidden[:, i + bumps]), 4)
                             for i in range(bumps)],
            "mean_abs_error": float(np.mean(np.abs(out - y)))}
